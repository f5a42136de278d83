package lever

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"strings"
)

// Note is a note thread on an opportunity. Its comments are in Fields.
type Note struct {
	ID        string      `json:"id"`
	Text      string      `json:"text"`
	User      string      `json:"user"` // user id of the author; "" when written without perform_as
	Secret    bool        `json:"secret"`
	CreatedAt Millis      `json:"createdAt"`
	Fields    []NoteField `json:"fields"`
}

// Value returns the note's comments joined with blank lines.
func (n *Note) Value() string {
	var parts []string
	for _, f := range n.Fields {
		if f.Value != "" {
			parts = append(parts, f.Value)
		}
	}
	return strings.Join(parts, "\n\n")
}

// UnmarshalJSON tolerates an expanded user.
func (n *Note) UnmarshalJSON(b []byte) error {
	type plain Note
	aux := struct {
		*plain
		User   idString `json:"user"`
		Secret flexBool `json:"secret"`
	}{plain: (*plain)(n)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	n.User, n.Secret = string(aux.User), bool(aux.Secret)
	return nil
}

// NoteField is one comment of a note thread.
type NoteField struct {
	Type      string `json:"type"` // "note"
	Text      string `json:"text"`
	Value     string `json:"value"`
	User      string `json:"user"`
	CreatedAt Millis `json:"createdAt"`
}

// UnmarshalJSON tolerates an expanded user and a non-string value.
func (f *NoteField) UnmarshalJSON(b []byte) error {
	type plain NoteField
	aux := struct {
		*plain
		User  idString        `json:"user"`
		Value json.RawMessage `json:"value"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	f.User = string(aux.User)
	f.Value = ""
	if !isNull(aux.Value) {
		if json.Unmarshal(aux.Value, &f.Value) != nil {
			f.Value = string(aux.Value)
		}
	}
	return nil
}

// NoteInput is the body of CreateNote.
type NoteInput struct {
	// Value is the note text (required). "@username" mentions notify those users.
	Value string `json:"value"`
	// Secret limits visibility to users with sensitive-information access
	// and to mentioned users.
	Secret bool `json:"secret"`
	// Score is 1 (strong no) … 4 (strong yes); nil for none.
	Score *int `json:"score,omitempty"`
	// NotifyFollowers notifies everyone following the opportunity.
	NotifyFollowers bool `json:"notifyFollowers"`
}

// CreateNote adds a note to an opportunity and returns the new note's id.
// performAs is optional (the note has no author without it).
func (c *Client) CreateNote(ctx context.Context, oppID string, in NoteInput, performAs string) (string, error) {
	const op = "create note"
	if err := needID(op, "opportunity id", oppID); err != nil {
		return "", err
	}
	if strings.TrimSpace(in.Value) == "" {
		return "", badRequest(op, "value is required")
	}
	if in.Score != nil && (*in.Score < 1 || *in.Score > 4) {
		return "", badRequest(op, "score must be 1..4, got %d", *in.Score)
	}
	cl, err := jsonCall(http.MethodPost, "/opportunities/:id/notes", "/opportunities/"+seg(oppID)+"/notes", in)
	if err != nil {
		return "", err
	}
	var out struct {
		NoteID string `json:"noteId"`
		ID     string `json:"id"`
	}
	if err := c.send(ctx, cl.withPerformAs(performAs), &out); err != nil {
		return "", err
	}
	if out.NoteID == "" {
		out.NoteID = out.ID
	}
	if out.NoteID == "" {
		return "", &uncertainError{method: cl.method, path: cl.path, cause: errors.New("response carries no noteId")}
	}
	return out.NoteID, nil
}

// ListNotes iterates over an opportunity's notes.
func (c *Client) ListNotes(ctx context.Context, oppID string) iter.Seq2[*Note, error] {
	if err := needID("list notes", "opportunity id", oppID); err != nil {
		return failed[Note](err)
	}
	return list[Note](ctx, c, "/opportunities/:id/notes", "/opportunities/"+seg(oppID)+"/notes", nil, 0)
}
