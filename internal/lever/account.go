package lever

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"strings"
)

// Stage is a pipeline stage of the account.
type Stage struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// ListStages returns all the account's stages, in pipeline order.
func (c *Client) ListStages(ctx context.Context) ([]Stage, error) {
	return collect(list[Stage](ctx, c, "/stages", "/stages", nil, 0))
}

// GetStage fetches one stage.
func (c *Client) GetStage(ctx context.Context, id string) (*Stage, error) {
	if err := needID("get stage", "stage id", id); err != nil {
		return nil, err
	}
	var s Stage
	if err := c.getJSON(ctx, "/stages/:id", "/stages/"+seg(id), nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Tag is a tag or source with the number of opportunities carrying it.
type Tag struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// UnmarshalJSON tolerates a count given as a string.
func (t *Tag) UnmarshalJSON(b []byte) error {
	var aux struct {
		Text  string    `json:"text"`
		Count flexInt64 `json:"count"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*t = Tag{Text: aux.Text, Count: int(aux.Count)}
	return nil
}

// ListTags returns all the account's tags. Tags are case-sensitive.
func (c *Client) ListTags(ctx context.Context) ([]Tag, error) {
	return collect(list[Tag](ctx, c, "/tags", "/tags", nil, 0))
}

// ListSources returns all the account's sources.
func (c *Client) ListSources(ctx context.Context) ([]Tag, error) {
	return collect(list[Tag](ctx, c, "/sources", "/sources", nil, 0))
}

// ArchiveReason is a reason for archiving an opportunity. Type "hired" marks
// the hired reason; every other reason means rejected.
type ArchiveReason struct {
	ID     string `json:"id"`
	Text   string `json:"text"`
	Status string `json:"status"` // active, inactive
	Type   string `json:"type"`   // hired, non-hired
}

// ListArchiveReasons returns all the account's archive reasons.
func (c *Client) ListArchiveReasons(ctx context.Context) ([]ArchiveReason, error) {
	return collect(list[ArchiveReason](ctx, c, "/archive_reasons", "/archive_reasons", nil, 0))
}

// User is a Lever user of the account.
type User struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Username      string `json:"username"` // for @-mentions in notes
	Email         string `json:"email"`
	AccessRole    string `json:"accessRole"` // super admin, admin, team member, limited team member, interviewer, or a custom role id
	DeactivatedAt Millis `json:"deactivatedAt"`
	CreatedAt     Millis `json:"createdAt"`
}

// ListUsersParams filters ListUsers.
type ListUsersParams struct {
	IncludeDeactivated bool     // also list deactivated users
	AccessRoles        []string // only users with one of these roles
}

// ListUsers iterates over the account's users (active ones unless
// p.IncludeDeactivated).
func (c *Client) ListUsers(ctx context.Context, p ListUsersParams) iter.Seq2[*User, error] {
	q := listParams{}
	if p.IncludeDeactivated {
		q.add("includeDeactivated", "true")
	}
	q.add("accessRole", p.AccessRoles...)
	return list[User](ctx, c, "/users", "/users", url.Values(q), 0)
}

// GetUser fetches one user.
func (c *Client) GetUser(ctx context.Context, id string) (*User, error) {
	if err := needID("get user", "user id", id); err != nil {
		return nil, err
	}
	var u User
	if err := c.getJSON(ctx, "/users/:id", "/users/"+seg(id), nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// FindUserByEmail returns the active user with the given e-mail. Lever
// matches the canonical address exactly ("Provided email must exactly match
// the canonicalized version of the user's email"), so the address is sent
// trimmed and lower-cased: "Ops@Acme.example" as an operator typed it finds
// ops@acme.example. No such user gives an error matching ErrNotFound.
func (c *Client) FindUserByEmail(ctx context.Context, email string) (*User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil, badRequest("find user by email", "email is required")
	}
	q := url.Values{"email": {email}}
	for u, err := range list[User](ctx, c, "/users", "/users", q, 0) {
		if err != nil {
			return nil, err
		}
		// Lever filters already; checking again guards against a server
		// that ignores the filter.
		if strings.EqualFold(u.Email, email) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("lever: find user by email: no active user with that e-mail: %w", ErrNotFound)
}
