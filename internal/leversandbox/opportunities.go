package leversandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// origins are the values of an opportunity's origin.
var origins = []string{"agency", "applied", "internal", "referred", "sourced", "university"}

type urlPair struct {
	List string `json:"list"`
	Show string `json:"show"`
}

// opportunityView is the wire shape of an opportunity. The expandable
// fields are typed any: an id (or ids) normally, objects when expanded.
type opportunityView struct {
	ID                  string         `json:"id"`
	Name                string         `json:"name"`
	Headline            string         `json:"headline"`
	Contact             any            `json:"contact"`
	Emails              []string       `json:"emails"`
	Phones              []phone        `json:"phones"`
	Confidentiality     string         `json:"confidentiality"`
	Location            string         `json:"location"`
	Links               []string       `json:"links"`
	CreatedAt           int64          `json:"createdAt"`
	UpdatedAt           int64          `json:"updatedAt"`
	LastInteractionAt   int64          `json:"lastInteractionAt"`
	LastAdvancedAt      int64          `json:"lastAdvancedAt"`
	SnoozedUntil        *int64         `json:"snoozedUntil"`
	ArchivedAt          *int64         `json:"archivedAt"`
	ArchiveReason       *string        `json:"archiveReason"`
	Archived            *archivedState `json:"archived"`
	Stage               any            `json:"stage"`
	StageChanges        []stageChange  `json:"stageChanges"`
	Owner               any            `json:"owner"`
	Tags                []string       `json:"tags"`
	Sources             []string       `json:"sources"`
	Origin              string         `json:"origin"`
	SourcedBy           any            `json:"sourcedBy"`
	Applications        any            `json:"applications"`
	Followers           any            `json:"followers"`
	URLs                urlPair        `json:"urls"`
	DataProtection      any            `json:"dataProtection"`
	IsAnonymized        bool           `json:"isAnonymized"`
	OpportunityLocation *string        `json:"opportunityLocation,omitempty"`
	DeletedBy           *string        `json:"deletedBy,omitempty"`
	DeletedAt           *int64         `json:"deletedAt,omitempty"`
}

// contactView is the wire shape of a contact: location is an object here.
type contactView struct {
	ID           string       `json:"id"`
	Name         string       `json:"name"`
	Headline     string       `json:"headline"`
	Location     locationName `json:"location"`
	Emails       []string     `json:"emails"`
	Phones       []phone      `json:"phones"`
	IsAnonymized bool         `json:"isAnonymized"`
}

type locationName struct {
	Name string `json:"name"`
}

func viewContact(c *contact) contactView {
	return contactView{
		ID: c.ID, Name: c.Name, Headline: c.Headline, Location: locationName{c.Location},
		Emails: nonNil(c.Emails), Phones: nonNil(c.Phones), IsAnonymized: c.IsAnonymized,
	}
}

// applicationView is the wire shape of an application.
type applicationView struct {
	ID                   string   `json:"id"`
	OpportunityID        string   `json:"opportunityId"`
	CandidateID          string   `json:"candidateId"`
	CreatedAt            int64    `json:"createdAt"`
	Type                 string   `json:"type"`
	Posting              any      `json:"posting"`
	PostingOwner         any      `json:"postingOwner"`
	PostingHiringManager any      `json:"postingHiringManager"`
	User                 any      `json:"user"`
	Name                 string   `json:"name"`
	Email                string   `json:"email"`
	Phone                *phone   `json:"phone"`
	Company              *string  `json:"company"`
	Links                []string `json:"links"`
	Comments             *string  `json:"comments"`
	CustomQuestions      []any    `json:"customQuestions"`
	Archived             any      `json:"archived"`
	RequisitionForHire   any      `json:"requisitionForHire"`
}

func (s *Sandbox) viewApplication(a *application, base string, expand []string) applicationView {
	v := applicationView{
		ID: a.ID, OpportunityID: a.OpportunityID, CandidateID: a.OpportunityID, CreatedAt: a.CreatedAt,
		Type: a.Type, Posting: nilIfEmpty(a.PostingID), PostingOwner: nilIfEmpty(a.PostingOwner),
		PostingHiringManager: nilIfEmpty(a.PostingHiringManager), User: nilIfEmpty(a.User),
		Name: a.Name, Email: a.Email, Phone: a.Phone, Links: nonNil(a.Links), CustomQuestions: []any{},
	}
	if o := s.st.Opportunities[a.OpportunityID]; o != nil && o.Archived != nil {
		v.Archived = o.Archived
	}
	if slices.Contains(expand, "posting") {
		if p := s.st.Postings[a.PostingID]; p != nil {
			v.Posting = s.viewPosting(p, base, nil, true)
		}
	}
	if slices.Contains(expand, "postingOwner") {
		v.PostingOwner = s.userOrNil(a.PostingOwner)
	}
	if slices.Contains(expand, "postingHiringManager") {
		v.PostingHiringManager = s.userOrNil(a.PostingHiringManager)
	}
	if slices.Contains(expand, "user") {
		v.User = s.userOrNil(a.User)
	}
	return v
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// userOrNil expands a user id; an unknown or empty id gives null.
func (s *Sandbox) userOrNil(id string) any {
	if u := s.st.Users[id]; u != nil {
		return u
	}
	return nil
}

// stageIndex is the position of the stage in the pipeline, -1 if unknown.
func (s *Sandbox) stageIndex(id string) int {
	return slices.IndexFunc(s.st.Stages, func(st *stage) bool { return st.ID == id })
}

func (s *Sandbox) stageByID(id string) *stage {
	if i := s.stageIndex(id); i >= 0 {
		return s.st.Stages[i]
	}
	return nil
}

// stageByIDOrText finds a stage by id or, failing that, by exact text, then
// by case-insensitive text.
func (s *Sandbox) stageByIDOrText(v string) *stage {
	if st := s.stageByID(v); st != nil {
		return st
	}
	for _, st := range s.st.Stages {
		if st.Text == v {
			return st
		}
	}
	for _, st := range s.st.Stages {
		if strings.EqualFold(st.Text, v) {
			return st
		}
	}
	return nil
}

func (s *Sandbox) reasonByID(id string) *archiveReason {
	for _, ar := range s.st.ArchiveReasons {
		if ar.ID == id {
			return ar
		}
	}
	return nil
}

func (s *Sandbox) reasonByIDOrText(v string) *archiveReason {
	if ar := s.reasonByID(v); ar != nil {
		return ar
	}
	for _, ar := range s.st.ArchiveReasons {
		if strings.EqualFold(ar.Text, v) {
			return ar
		}
	}
	return nil
}

// viewOpportunity renders o, expanding the named fields.
func (s *Sandbox) viewOpportunity(o *opportunity, base string, expand []string) *opportunityView {
	c := s.st.Contacts[o.ContactID]
	if c == nil {
		c = &contact{ID: o.ContactID}
	}
	v := &opportunityView{
		ID: o.ID, Name: c.Name, Headline: c.Headline, Contact: o.ContactID,
		Emails: nonNil(c.Emails), Phones: nonNil(c.Phones), Confidentiality: o.Confidentiality,
		Location: c.Location, Links: nonNil(c.Links), CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt,
		LastInteractionAt: o.LastInteractionAt, LastAdvancedAt: o.LastAdvancedAt, SnoozedUntil: o.SnoozedUntil,
		Archived: o.Archived, Stage: o.StageID, StageChanges: nonNil(o.StageChanges), Owner: nilIfEmpty(o.Owner),
		Tags: nonNil(o.Tags), Sources: nonNil(o.Sources), Origin: o.Origin, SourcedBy: nilIfEmpty(o.SourcedBy),
		Applications: []string{}, Followers: nonNil(o.Followers),
		URLs:         urlPair{List: base + "/", Show: base + "/opportunities/" + o.ID},
		IsAnonymized: c.IsAnonymized, DeletedAt: o.DeletedAt,
	}
	if o.Archived != nil {
		v.ArchivedAt = ptr(o.Archived.ArchivedAt)
		v.ArchiveReason = ptr(o.Archived.Reason)
	}
	if o.ApplicationID != "" {
		v.Applications = []string{o.ApplicationID}
	}
	if o.PostingID != "" {
		v.OpportunityLocation = ptr(o.OpportunityLocation)
	}
	if o.DeletedBy != "" {
		v.DeletedBy = ptr(o.DeletedBy)
	}
	for _, e := range expand {
		switch e {
		case "applications":
			apps := []applicationView{}
			if a := s.st.Applications[o.ApplicationID]; a != nil {
				apps = append(apps, s.viewApplication(a, base, nil))
			}
			v.Applications = apps
		case "stage":
			if st := s.stageByID(o.StageID); st != nil {
				v.Stage = st
			}
		case "owner":
			v.Owner = s.userOrNil(o.Owner)
		case "followers":
			users := []*user{}
			for _, id := range o.Followers {
				if u := s.st.Users[id]; u != nil {
					users = append(users, u)
				}
			}
			v.Followers = users
		case "sourcedBy":
			v.SourcedBy = s.userOrNil(o.SourcedBy)
		case "contact":
			v.Contact = viewContact(c)
		}
	}
	return v
}

// renderOpportunity applies include and expand from the request.
func (s *Sandbox) renderOpportunity(r *http.Request, o *opportunity) any {
	q := r.URL.Query()
	expand := multi(q, "expand")
	return shape(s.viewOpportunity(o, s.baseURL(r), expand), multi(q, "include"), expand)
}

// opportunityFor finds a live opportunity the credential may see.
func (s *Sandbox) opportunityFor(id string, c *credential) (*opportunity, error) {
	o := s.st.Opportunities[id]
	if o == nil || o.deleted() {
		return nil, errNotFound("opportunities", id)
	}
	if o.Confidentiality == "confidential" && c != nil && !c.confidential() {
		return nil, errForbidden("opportunity %s is confidential and this credential has no access to confidential data", id)
	}
	return o, nil
}

func oppKey(o *opportunity) (int64, string) { return o.CreatedAt, o.ID }

func (s *Sandbox) handleOpportunityGet(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	return ok(s.renderOpportunity(r, o)), nil
}

// oppFilter holds the filters of GET /opportunities. Multi-valued ones are
// unions; empty means no filter.
type oppFilter struct {
	tags, emails, origins, sources, stageIDs, postingIDs []string
	archivedPostingIDs, archiveReasonIDs, contactIDs     []string
	locations                                            []string
	confidentiality                                      string

	createdStart, createdEnd, updatedStart, updatedEnd     *int64
	advancedStart, advancedEnd, archivedStart, archivedEnd *int64
	archived, snoozed                                      *bool
}

func parseOppFilter(q url.Values, c *credential) (*oppFilter, error) {
	f := &oppFilter{
		tags:               multiExact(q, "tag"),
		origins:            multi(q, "origin"),
		sources:            multiExact(q, "source"),
		stageIDs:           multi(q, "stage_id"),
		postingIDs:         multi(q, "posting_id"),
		archivedPostingIDs: multi(q, "archived_posting_id"),
		archiveReasonIDs:   multi(q, "archive_reason_id"),
		contactIDs:         multi(q, "contact_id"),
		locations:          multiExact(q, "location"),
		confidentiality:    q.Get("confidentiality"),
	}
	for _, e := range multi(q, "email") {
		f.emails = append(f.emails, canonicalEmail(e))
	}
	for _, o := range f.origins {
		if !slices.Contains(origins, o) {
			return nil, errBadRequest("origin must be one of %s, got %q", strings.Join(origins, ", "), o)
		}
	}
	switch f.confidentiality {
	case "":
		f.confidentiality = "non-confidential"
	case "non-confidential":
	case "confidential", "all":
		if c != nil && !c.confidential() {
			return nil, errForbidden("this credential has no access to confidential data")
		}
	default:
		return nil, errBadRequest("confidentiality must be confidential, non-confidential or all, got %q", f.confidentiality)
	}
	var err error
	for name, dst := range map[string]**int64{
		"created_at_start": &f.createdStart, "created_at_end": &f.createdEnd,
		"updated_at_start": &f.updatedStart, "updated_at_end": &f.updatedEnd,
		"advanced_at_start": &f.advancedStart, "advanced_at_end": &f.advancedEnd,
		"archived_at_start": &f.archivedStart, "archived_at_end": &f.archivedEnd,
	} {
		if *dst, err = millisParam(q, name); err != nil {
			return nil, err
		}
	}
	if f.archived, err = boolParam(q, "archived"); err != nil {
		return nil, err
	}
	if f.snoozed, err = boolParam(q, "snoozed"); err != nil {
		return nil, err
	}
	return f, nil
}

func anyIn(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

func (s *Sandbox) matches(o *opportunity, f *oppFilter, now int64) bool {
	if f.confidentiality != "all" && o.Confidentiality != f.confidentiality {
		return false
	}
	if len(f.tags) > 0 && !anyIn(o.Tags, f.tags) {
		return false
	}
	if len(f.sources) > 0 && !anyIn(o.Sources, f.sources) {
		return false
	}
	if len(f.origins) > 0 && !slices.Contains(f.origins, o.Origin) {
		return false
	}
	if len(f.stageIDs) > 0 && !slices.Contains(f.stageIDs, o.StageID) {
		return false
	}
	if len(f.postingIDs) > 0 && (o.PostingID == "" || !slices.Contains(f.postingIDs, o.PostingID)) {
		return false
	}
	if len(f.archivedPostingIDs) > 0 && (o.Archived == nil || !slices.Contains(f.archivedPostingIDs, o.PostingID)) {
		return false
	}
	if len(f.archiveReasonIDs) > 0 && (o.Archived == nil || !slices.Contains(f.archiveReasonIDs, o.Archived.Reason)) {
		return false
	}
	if len(f.contactIDs) > 0 && !slices.Contains(f.contactIDs, o.ContactID) {
		return false
	}
	if len(f.locations) > 0 {
		loc := o.OpportunityLocation
		if loc == "" {
			loc = "unspecified"
		}
		if !slices.Contains(f.locations, loc) {
			return false
		}
	}
	if len(f.emails) > 0 {
		c := s.st.Contacts[o.ContactID]
		if c == nil || !anyIn(canonicalEmails(c.Emails), f.emails) {
			return false
		}
	}
	if !inRange(o.CreatedAt, f.createdStart, f.createdEnd) || !inRange(o.UpdatedAt, f.updatedStart, f.updatedEnd) ||
		!inRange(o.LastAdvancedAt, f.advancedStart, f.advancedEnd) {
		return false
	}
	if f.archivedStart != nil || f.archivedEnd != nil {
		if o.Archived == nil || !inRange(o.Archived.ArchivedAt, f.archivedStart, f.archivedEnd) {
			return false
		}
	}
	if f.archived != nil && *f.archived != (o.Archived != nil) {
		return false
	}
	if f.snoozed != nil {
		snoozed := o.SnoozedUntil != nil && *o.SnoozedUntil > now
		if *f.snoozed != snoozed {
			return false
		}
	}
	return true
}

func (s *Sandbox) handleOpportunityList(r *http.Request, c *credential) (*reply, error) {
	f, err := parseOppFilter(r.URL.Query(), c)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var found []*opportunity
	for _, o := range sortedValues(s.st.Opportunities, oppKey) {
		if !o.deleted() && s.matches(o, f, now) {
			found = append(found, o)
		}
	}
	pageItems, p, err := paginate(s, r, found, oppKey)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(pageItems))
	for _, o := range pageItems {
		out = append(out, s.renderOpportunity(r, o))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) handleOpportunityListDeleted(r *http.Request, c *credential) (*reply, error) {
	q := r.URL.Query()
	start, err := millisParam(q, "deleted_at_start")
	if err != nil {
		return nil, err
	}
	end, err := millisParam(q, "deleted_at_end")
	if err != nil {
		return nil, err
	}
	key := func(o *opportunity) (int64, string) { return *o.DeletedAt, o.ID }
	var found []*opportunity
	for _, o := range s.st.Opportunities {
		if o.deleted() && inRange(*o.DeletedAt, start, end) && (o.Confidentiality != "confidential" || c.confidential()) {
			found = append(found, o)
		}
	}
	found = sortedValues(mapByID(found, func(o *opportunity) string { return o.ID }), key)
	pageItems, p, err := paginate(s, r, found, key)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(pageItems))
	for _, o := range pageItems {
		out = append(out, s.renderOpportunity(r, o))
	}
	return listReply(out, p), nil
}

func mapByID[T any](items []*T, id func(*T) string) map[string]*T {
	m := make(map[string]*T, len(items))
	for _, it := range items {
		m[id(it)] = it
	}
	return m
}

func canonicalEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func canonicalEmails(es []string) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, canonicalEmail(e))
	}
	return out
}

// moveStage moves o to st, recording who did it, and fires
// candidateStageChange. Moving to the current stage changes nothing.
func (s *Sandbox) moveStage(o *opportunity, st *stage, by *string) {
	if o.StageID == st.ID {
		return
	}
	now := s.now()
	from := o.StageID
	o.StageID = st.ID
	o.StageChanges = append(o.StageChanges, stageChange{ToStageID: st.ID, ToStageIndex: s.stageIndex(st.ID), UserID: by, UpdatedAt: now})
	o.LastAdvancedAt = now
	o.LastInteractionAt = now
	o.UpdatedAt = now
	s.fire(eventStageChange, o.Origin, map[string]any{
		"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.ContactID,
		"toStageId": st.ID, "fromStageId": nilIfEmpty(from),
	})
}

// setArchived archives o with reason (nil unarchives) and fires
// candidateArchiveChange, plus candidateHired for the hired reason.
func (s *Sandbox) setArchived(o *opportunity, reason *archiveReason, cleanInterviews bool) {
	now := s.now()
	from := o.Archived
	if reason == nil && from == nil || reason != nil && from != nil && from.Reason == reason.ID {
		return
	}
	var to *archivedState
	if reason != nil {
		to = &archivedState{ArchivedAt: now, Reason: reason.ID}
	}
	o.Archived = to
	o.UpdatedAt = now
	o.LastInteractionAt = now
	s.fire(eventArchiveChange, o.Origin, map[string]any{
		"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.ContactID,
		"toArchived": to, "fromArchived": from,
	})
	if reason != nil && reason.Type == "hired" {
		s.fire(eventHired, o.Origin, map[string]any{"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.ContactID})
	}
	if reason != nil && cleanInterviews {
		s.cleanPendingInterviews(o, now)
	}
}

// editTags adds and removes opportunity tags; it reports a change.
func (s *Sandbox) editTags(o *opportunity, add, remove []string) bool {
	before := len(o.Tags)
	o.Tags = union(o.Tags, add...)
	changed := len(o.Tags) != before
	var removed bool
	o.Tags, removed = without(o.Tags, remove...)
	s.st.Tags = addKnown(s.st.Tags, add...)
	if changed || removed {
		o.UpdatedAt = s.now()
		return true
	}
	return false
}

// deleteOpportunity deletes o as the user by and fires candidateDeleted.
func (s *Sandbox) deleteOpportunity(o *opportunity, by string) {
	now := s.now()
	o.DeletedAt = &now
	o.DeletedBy = by
	s.fire(eventDeleted, o.Origin, map[string]any{
		"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.ContactID, "deletedBy": nilIfEmpty(by),
	})
}

func (s *Sandbox) handleOpportunityStage(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, false)
	if err != nil {
		return nil, err
	}
	var body struct {
		Stage string `json:"stage"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Stage == "" {
		return nil, errBadRequest("stage is required")
	}
	st := s.stageByID(body.Stage)
	if st == nil {
		return nil, errBadRequest("stage %s was not found", body.Stage)
	}
	s.moveStage(o, st, userIDPtr(by))
	return ok(s.renderOpportunity(r, o)), nil
}

func (s *Sandbox) handleOpportunityArchived(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	if _, err := s.performAs(r, false); err != nil {
		return nil, err
	}
	var body struct {
		Reason          *string `json:"reason"`
		CleanInterviews bool    `json:"cleanInterviews"`
		RequisitionID   string  `json:"requisitionId"`
	}
	var raw map[string]any
	if err := decodeJSON(r, &raw); err != nil {
		return nil, err
	}
	if _, has := raw["reason"]; !has {
		return nil, errBadRequest("reason is required (null unarchives)")
	}
	if err := remarshal(raw, &body); err != nil {
		return nil, err
	}
	var reason *archiveReason
	if body.Reason != nil {
		if reason = s.reasonByID(*body.Reason); reason == nil {
			return nil, errBadRequest("archive reason %s was not found", *body.Reason)
		}
		if body.RequisitionID != "" && reason.Type != "hired" {
			return nil, errBadRequest("requisitionId is only allowed with the hired archive reason")
		}
	}
	s.setArchived(o, reason, body.CleanInterviews)
	return ok(s.renderOpportunity(r, o)), nil
}

// opportunityEdit is one of the add/remove endpoints.
type opportunityEdit struct {
	action string // path segment
	key    string // body field
	apply  func(s *Sandbox, o *opportunity, values []string)
}

var opportunityEdits = []opportunityEdit{
	{"addTags", "tags", func(s *Sandbox, o *opportunity, v []string) { s.editTags(o, v, nil) }},
	{"removeTags", "tags", func(s *Sandbox, o *opportunity, v []string) { s.editTags(o, nil, v) }},
	{"addLinks", "links", func(s *Sandbox, o *opportunity, v []string) { s.editLinks(o, v, nil) }},
	{"removeLinks", "links", func(s *Sandbox, o *opportunity, v []string) { s.editLinks(o, nil, v) }},
	{"addSources", "sources", func(s *Sandbox, o *opportunity, v []string) { s.editSources(o, v, nil) }},
	{"removeSources", "sources", func(s *Sandbox, o *opportunity, v []string) { s.editSources(o, nil, v) }},
}

func (s *Sandbox) handleOpportunityEdit(e opportunityEdit) apiFunc {
	return func(r *http.Request, c *credential) (*reply, error) {
		o, err := s.opportunityFor(r.PathValue("id"), c)
		if err != nil {
			return nil, err
		}
		if _, err := s.performAs(r, false); err != nil {
			return nil, err
		}
		var body map[string]any
		if err := decodeJSON(r, &body); err != nil {
			return nil, err
		}
		values, err := stringList(body[e.key], e.key)
		if err != nil {
			return nil, err
		}
		e.apply(s, o, values)
		return ok(s.renderOpportunity(r, o)), nil
	}
}

// stringList reads a required JSON array of strings.
func stringList(v any, name string) ([]string, error) {
	arr, isArr := v.([]any)
	if !isArr {
		return nil, errBadRequest("%s must be an array of strings", name)
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		str, isStr := x.(string)
		if !isStr {
			return nil, errBadRequest("%s must be an array of strings", name)
		}
		out = append(out, str)
	}
	return out, nil
}

// editLinks changes the links of o's contact, which every opportunity of
// that person shows.
func (s *Sandbox) editLinks(o *opportunity, add, remove []string) {
	c := s.st.Contacts[o.ContactID]
	if c == nil {
		return
	}
	before := slices.Clone(c.Links)
	c.Links = union(c.Links, add...)
	c.Links, _ = without(c.Links, remove...)
	if !slices.Equal(before, c.Links) {
		s.contactChanged(c)
	}
}

// contactChanged bumps updatedAt of the contact's opportunities and fires
// contactUpdated.
func (s *Sandbox) contactChanged(c *contact) {
	now := s.now()
	for _, o := range s.st.Opportunities {
		if o.ContactID == c.ID && !o.deleted() {
			o.UpdatedAt = now
		}
	}
	s.fire(eventContactUpdated, "", map[string]any{"contactId": c.ID})
}

func (s *Sandbox) editSources(o *opportunity, add, remove []string) {
	before := slices.Clone(o.Sources)
	o.Sources = union(o.Sources, add...)
	o.Sources, _ = without(o.Sources, remove...)
	s.st.Sources = addKnown(s.st.Sources, add...)
	if !slices.Equal(before, o.Sources) {
		o.UpdatedAt = s.now()
	}
}

func (s *Sandbox) handleApplicationList(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	out := []any{}
	expand := multi(r.URL.Query(), "expand")
	if a := s.st.Applications[o.ApplicationID]; a != nil {
		out = append(out, shape(s.viewApplication(a, s.baseURL(r), expand), multi(r.URL.Query(), "include"), expand))
	}
	return listReply(out, listPage{}), nil
}

func (s *Sandbox) handleApplicationGet(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("application")
	a := s.st.Applications[id]
	if a == nil || a.OpportunityID != o.ID {
		return nil, errNotFound("applications", id)
	}
	expand := multi(r.URL.Query(), "expand")
	return ok(shape(s.viewApplication(a, s.baseURL(r), expand), multi(r.URL.Query(), "include"), expand)), nil
}
