package lever

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// GetOpportunity fetches one opportunity. expand names fields to expand
// (applications, stage, owner, followers, sourcedBy, contact). A deleted or
// unknown opportunity gives an error matching ErrNotFound.
func (c *Client) GetOpportunity(ctx context.Context, id string, expand ...string) (*Opportunity, error) {
	if err := needID("get opportunity", "opportunity id", id); err != nil {
		return nil, err
	}
	q := listParams{}
	q.add("expand", expand...)
	var o Opportunity
	if err := c.getJSON(ctx, "/opportunities/:id", "/opportunities/"+seg(id), url.Values(q), &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// ListOpportunitiesParams filters ListOpportunities. Every multi-valued
// filter is a union (Lever ORs repeated parameters); empty means no filter.
type ListOpportunitiesParams struct {
	StageIDs   []string // stage_id
	PostingIDs []string // posting_id
	Tags       []string // tag; case-sensitive
	Emails     []string // email
	ContactIDs []string // contact_id: all opportunities of a person
	Origins    []string // origin
	// Archived: nil lists active and archived, true only archived, false
	// only active.
	Archived *bool
	// UpdatedAtStart and UpdatedAtEnd bound updatedAt (inclusive); zero is unset.
	UpdatedAtStart, UpdatedAtEnd time.Time
	// AdvancedAtStart and AdvancedAtEnd bound lastAdvancedAt, when the
	// opportunity entered its current stage (inclusive); zero is unset.
	AdvancedAtStart, AdvancedAtEnd time.Time
	// Confidentiality is "confidential", "non-confidential" or "all"; empty
	// leaves Lever's default, non-confidential.
	Confidentiality string
	Expand          []string // fields to expand, as for GetOpportunity
	Limit           int      // page size, 1–100; 0 means Lever's default (100)
}

// ListOpportunities iterates over the opportunities matching p, fetching
// pages as the loop advances.
func (c *Client) ListOpportunities(ctx context.Context, p ListOpportunitiesParams) iter.Seq2[*Opportunity, error] {
	q := listParams{}
	q.add("stage_id", p.StageIDs...)
	q.add("posting_id", p.PostingIDs...)
	q.add("tag", p.Tags...)
	q.add("email", p.Emails...)
	q.add("contact_id", p.ContactIDs...)
	q.add("origin", p.Origins...)
	if p.Archived != nil {
		q.add("archived", strconv.FormatBool(*p.Archived))
	}
	q.millis("updated_at_start", p.UpdatedAtStart)
	q.millis("updated_at_end", p.UpdatedAtEnd)
	q.millis("advanced_at_start", p.AdvancedAtStart)
	q.millis("advanced_at_end", p.AdvancedAtEnd)
	q.add("confidentiality", p.Confidentiality)
	q.add("expand", p.Expand...)
	return list[Opportunity](ctx, c, "/opportunities", "/opportunities", url.Values(q), p.Limit)
}

// ListDeletedOpportunities iterates over opportunities deleted at or after
// since (all deleted ones when since is zero). They carry DeletedAt and
// DeletedBy.
func (c *Client) ListDeletedOpportunities(ctx context.Context, since time.Time) iter.Seq2[*Opportunity, error] {
	q := listParams{}
	q.millis("deleted_at_start", since)
	return list[Opportunity](ctx, c, "/opportunities/deleted", "/opportunities/deleted", url.Values(q), 0)
}

// CreateOpportunityInput is the body of CreateOpportunity. All fields are
// optional, but send at least a name or an e-mail. An e-mail that matches an
// existing contact attaches the new opportunity to that person, whose stored
// data wins over the submitted data.
type CreateOpportunityInput struct {
	Name      string   `json:"name,omitempty"`
	Headline  string   `json:"headline,omitempty"`
	Location  string   `json:"location,omitempty"`
	Stage     string   `json:"stage,omitempty"`  // stage id; default "New lead"
	Origin    string   `json:"origin,omitempty"` // agency, applied, internal, referred, sourced, university
	Owner     string   `json:"owner,omitempty"`  // user id; default the perform_as user
	Emails    []string `json:"emails,omitempty"`
	Links     []string `json:"links,omitempty"`
	Tags      []string `json:"tags,omitempty"`    // unknown tags are created
	Sources   []string `json:"sources,omitempty"` // unknown sources are created
	Followers []string `json:"followers,omitempty"`
	// Postings holds at most one posting id; to apply a person to several
	// postings, create one opportunity per posting with the same e-mail.
	Postings []string `json:"postings,omitempty"`
	Phones   []Phone  `json:"phones,omitempty"`
	Contact  string   `json:"contact,omitempty"` // existing contact id
	// CreatedAt back-dates a historical opportunity; zero means now. Lever
	// refuses a time in the future.
	CreatedAt Millis `json:"createdAt,omitempty"`
	// Archived, when set, creates the opportunity archived (historical
	// imports); Reason is required, ArchivedAt zero means now. An ArchivedAt
	// needs a CreatedAt before it (Lever: "If you specify an archivedAt
	// datetime, you must specify a createdAt datetime that occurs before
	// archivedAt").
	Archived *CreateArchived `json:"archived,omitempty"`
	// ResumeFile, when set, is sent as the resume and the request becomes
	// multipart/form-data.
	ResumeFile *File `json:"-"`
	// PerformAsPostingOwner makes the posting's owner the owner of the new
	// opportunity; Postings must then hold exactly one id.
	PerformAsPostingOwner bool `json:"-"`
}

// CreateArchived is the archived state of a created opportunity.
type CreateArchived struct {
	Reason     string `json:"reason"`               // archive reason id
	ArchivedAt Millis `json:"archivedAt,omitempty"` // zero means now
}

// CreateOpportunity creates an opportunity as the user performAs, which Lever
// requires. The request is JSON, or multipart/form-data when in.ResumeFile is
// set.
func (c *Client) CreateOpportunity(ctx context.Context, in CreateOpportunityInput, performAs string) (*Opportunity, error) {
	const op = "create opportunity"
	if err := needPerformAs(op, performAs); err != nil {
		return nil, err
	}
	if len(in.Postings) > 1 {
		return nil, badRequest(op, "at most one posting per opportunity, got %d", len(in.Postings))
	}
	if in.PerformAsPostingOwner && len(in.Postings) != 1 {
		return nil, badRequest(op, "PerformAsPostingOwner needs exactly one posting")
	}
	if in.Archived != nil && in.Archived.Reason == "" {
		return nil, badRequest(op, "Archived needs an archive reason id")
	}
	if in.Archived != nil && in.Archived.ArchivedAt != 0 && (in.CreatedAt == 0 || in.CreatedAt >= in.Archived.ArchivedAt) {
		return nil, badRequest(op, "Archived.ArchivedAt needs a CreatedAt before it")
	}
	var cl *call
	if in.ResumeFile != nil {
		var err error
		if cl, err = createOpportunityMultipart(in); err != nil {
			return nil, err
		}
	} else {
		var err error
		if cl, err = jsonCall(http.MethodPost, "/opportunities", "/opportunities", in); err != nil {
			return nil, err
		}
	}
	cl.withPerformAs(performAs)
	if in.PerformAsPostingOwner {
		cl.query.Set("perform_as_posting_owner", "true")
	}
	var o Opportunity
	if err := c.send(ctx, cl, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// createOpportunityMultipart encodes in as multipart/form-data the way
// Lever's reference writes it ("Create an opportunity"): scalars as plain
// fields, each array value in its own "name[]" field ("for emails specify
// an emails[] field for each email address"), so each phone in a
// "phones[]" field (holding the phone as a JSON object, as real clients
// send it), nested fields in the reference's own syntax
// "archive[archivedAt]" (so "archive[reason]" too), the resume as the file
// "resumeFile".
func createOpportunityMultipart(in CreateOpportunityInput) (*call, error) {
	f := newForm()
	f.field("name", in.Name)
	f.field("headline", in.Headline)
	f.field("location", in.Location)
	f.field("stage", in.Stage)
	f.field("origin", in.Origin)
	f.field("owner", in.Owner)
	f.field("contact", in.Contact)
	if in.CreatedAt != 0 {
		f.field("createdAt", strconv.FormatInt(int64(in.CreatedAt), 10))
	}
	f.array("emails[]", in.Emails)
	f.array("links[]", in.Links)
	f.array("tags[]", in.Tags)
	f.array("sources[]", in.Sources)
	f.array("followers[]", in.Followers)
	f.array("postings[]", in.Postings)
	for _, p := range in.Phones {
		b, _ := json.Marshal(p) // two strings: it cannot fail
		f.field("phones[]", string(b))
	}
	if in.Archived != nil {
		f.field("archive[reason]", in.Archived.Reason)
		if in.Archived.ArchivedAt != 0 {
			f.field("archive[archivedAt]", strconv.FormatInt(int64(in.Archived.ArchivedAt), 10))
		}
	}
	f.file("resumeFile", *in.ResumeFile)
	return f.call(http.MethodPost, "/opportunities", "/opportunities")
}

// UpdateStage moves an opportunity to the stage stageID. performAs is
// optional.
func (c *Client) UpdateStage(ctx context.Context, oppID, stageID, performAs string) error {
	const op = "update stage"
	if err := needID(op, "opportunity id", oppID); err != nil {
		return err
	}
	if err := needID(op, "stage id", stageID); err != nil {
		return err
	}
	cl, err := jsonCall(http.MethodPut, "/opportunities/:id/stage", "/opportunities/"+seg(oppID)+"/stage",
		map[string]string{"stage": stageID})
	if err != nil {
		return err
	}
	return c.send(ctx, cl.withPerformAs(performAs), nil)
}

// UpdateArchived archives an opportunity with the archive reason reasonID, or
// unarchives it when reasonID is "". performAs is optional.
func (c *Client) UpdateArchived(ctx context.Context, oppID string, reasonID string, performAs string) error {
	if err := needID("update archived", "opportunity id", oppID); err != nil {
		return err
	}
	body := map[string]*string{"reason": nil}
	if reasonID != "" {
		body["reason"] = &reasonID
	}
	cl, err := jsonCall(http.MethodPut, "/opportunities/:id/archived", "/opportunities/"+seg(oppID)+"/archived", body)
	if err != nil {
		return err
	}
	return c.send(ctx, cl.withPerformAs(performAs), nil)
}

// AddTags adds tags (case-sensitive; created on first use) to an
// opportunity. performAs is optional.
func (c *Client) AddTags(ctx context.Context, oppID string, tags []string, performAs string) error {
	return c.opportunityListEdit(ctx, oppID, "addTags", "tags", tags, performAs)
}

// RemoveTags removes tags from an opportunity. performAs is optional.
func (c *Client) RemoveTags(ctx context.Context, oppID string, tags []string, performAs string) error {
	return c.opportunityListEdit(ctx, oppID, "removeTags", "tags", tags, performAs)
}

// AddLinks adds links to the opportunity's contact. performAs is optional.
func (c *Client) AddLinks(ctx context.Context, oppID string, links []string, performAs string) error {
	return c.opportunityListEdit(ctx, oppID, "addLinks", "links", links, performAs)
}

// RemoveLinks removes links from the opportunity's contact. performAs is
// optional.
func (c *Client) RemoveLinks(ctx context.Context, oppID string, links []string, performAs string) error {
	return c.opportunityListEdit(ctx, oppID, "removeLinks", "links", links, performAs)
}

// AddSources adds sources (created on first use) to an opportunity.
// performAs is optional.
func (c *Client) AddSources(ctx context.Context, oppID string, sources []string, performAs string) error {
	return c.opportunityListEdit(ctx, oppID, "addSources", "sources", sources, performAs)
}

// RemoveSources removes sources from an opportunity. performAs is optional.
func (c *Client) RemoveSources(ctx context.Context, oppID string, sources []string, performAs string) error {
	return c.opportunityListEdit(ctx, oppID, "removeSources", "sources", sources, performAs)
}

func (c *Client) opportunityListEdit(ctx context.Context, oppID, action, key string, values []string, performAs string) error {
	if err := needID(action, "opportunity id", oppID); err != nil {
		return err
	}
	if values == nil {
		values = []string{}
	}
	cl, err := jsonCall(http.MethodPost, "/opportunities/:id/"+action, "/opportunities/"+seg(oppID)+"/"+action,
		map[string][]string{key: values})
	if err != nil {
		return err
	}
	return c.send(ctx, cl.withPerformAs(performAs), nil)
}
