package lever

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Posting is a job posting.
type Posting struct {
	ID              string  `json:"id"`
	Text            string  `json:"text"`            // title
	State           string  `json:"state"`           // published, internal, closed, draft, pending, rejected
	Confidentiality string  `json:"confidentiality"` // confidential or non-confidential
	User            UserRef `json:"user"`            // creator
	Owner           UserRef `json:"owner"`
	HiringManager   UserRef `json:"hiringManager"`
	Categories      struct {
		Team         string   `json:"team"`
		Department   string   `json:"department"`
		Location     string   `json:"location"`
		Commitment   string   `json:"commitment"`
		Level        string   `json:"level"`
		AllLocations []string `json:"allLocations"`
	} `json:"categories"`
	Tags      []string `json:"tags"`
	Followers []string `json:"followers"` // user ids
	// Content is the job description; Lever's lists carry it too.
	Content   PostingContent `json:"content"`
	CreatedAt Millis         `json:"createdAt"`
	UpdatedAt Millis         `json:"updatedAt"`
	URLs      struct {
		List  string `json:"list"`
		Show  string `json:"show"`
		Apply string `json:"apply"`
	} `json:"urls"`
}

// PostingContent is a posting's description, its lists and closing, as text
// and HTML.
type PostingContent struct {
	Description     string `json:"description"`
	DescriptionHTML string `json:"descriptionHtml"`
	Lists           []struct {
		Text    string `json:"text"`
		Content string `json:"content"` // HTML list items
	} `json:"lists"`
	Closing     string `json:"closing"`
	ClosingHTML string `json:"closingHtml"`
}

// UnmarshalJSON tolerates expanded followers.
func (p *Posting) UnmarshalJSON(b []byte) error {
	type plain Posting
	aux := struct {
		*plain
		Followers idList `json:"followers"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	p.Followers = aux.Followers
	return nil
}

// ListPostingsParams filters ListPostings. Multi-valued filters are unions.
type ListPostingsParams struct {
	States []string // state
	Tags   []string // tag; case-sensitive
	// UpdatedAtStart bounds updatedAt (inclusive); zero is unset. Lever only
	// allows it together with the confidentiality filter, so do not combine
	// it with States or Tags.
	UpdatedAtStart time.Time
	Expand         []string // user, owner, hiringManager, followers
	Limit          int      // page size, 1–100; 0 means Lever's default (100)
	// Confidentiality is confidential, non-confidential or all; "" means
	// Lever's default, non-confidential. Confidential postings need a key
	// with confidential access (403 otherwise).
	Confidentiality string
}

// ListPostings iterates over the postings matching p (all states by default).
//
// UpdatedAtStart with States or Tags is refused before anything is sent
// (ErrBadRequest): Lever's "updated_at_ parameters can only be used in
// combination with confidentiality".
func (c *Client) ListPostings(ctx context.Context, p ListPostingsParams) iter.Seq2[*Posting, error] {
	if !p.UpdatedAtStart.IsZero() && len(p.States)+len(p.Tags) > 0 {
		return failed[Posting](badRequest("list postings", "updated_at_start can only be combined with confidentiality, not with a state or tag filter"))
	}
	q := listParams{}
	q.add("state", p.States...)
	q.add("tag", p.Tags...)
	q.millis("updated_at_start", p.UpdatedAtStart)
	q.add("expand", p.Expand...)
	if p.Confidentiality != "" {
		q.add("confidentiality", p.Confidentiality)
	}
	return list[Posting](ctx, c, "/postings", "/postings", url.Values(q), p.Limit)
}

// GetPosting fetches one posting; expand as for ListPostingsParams.Expand.
func (c *Client) GetPosting(ctx context.Context, id string, expand ...string) (*Posting, error) {
	if err := needID("get posting", "posting id", id); err != nil {
		return nil, err
	}
	q := listParams{}
	q.add("expand", expand...)
	var p Posting
	if err := c.getJSON(ctx, "/postings/:id", "/postings/"+seg(id), url.Values(q), &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UpdatePostingTags replaces a posting's tag list with tags, as the user
// performAs, which Lever requires. It is a partial update of the posting
// (POST /postings/:id) that sends only the tags; since it replaces the whole
// list, read the posting right before and send its tags edited.
func (c *Client) UpdatePostingTags(ctx context.Context, postingID string, tags []string, performAs string) (*Posting, error) {
	const op = "update posting tags"
	if err := needID(op, "posting id", postingID); err != nil {
		return nil, err
	}
	if err := needPerformAs(op, performAs); err != nil {
		return nil, err
	}
	if tags == nil {
		tags = []string{}
	}
	cl, err := jsonCall(http.MethodPost, "/postings/:id", "/postings/"+seg(postingID), map[string][]string{"tags": tags})
	if err != nil {
		return nil, err
	}
	var p Posting
	if err := c.send(ctx, cl.withPerformAs(performAs), &p); err != nil {
		return nil, err
	}
	return &p, nil
}
