package leversandbox

import (
	"encoding/json"
	"io"
	"maps"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

// maxFileSize is Lever's upload cap.
const maxFileSize = 30 << 20

// opportunityInput is the body of POST /opportunities, from JSON or
// multipart/form-data.
type opportunityInput struct {
	Name                string         `json:"name"`
	Headline            string         `json:"headline"`
	Stage               string         `json:"stage"`
	Location            string         `json:"location"`
	Phones              []phone        `json:"phones"`
	Emails              []string       `json:"emails"`
	Links               []string       `json:"links"`
	Tags                []string       `json:"tags"`
	Sources             []string       `json:"sources"`
	Origin              string         `json:"origin"`
	Owner               string         `json:"owner"`
	Followers           []string       `json:"followers"`
	Postings            []string       `json:"postings"`
	CreatedAt           *int64         `json:"createdAt"`
	Archived            *archivedInput `json:"archived"`
	Contact             string         `json:"contact"`
	OpportunityLocation string         `json:"opportunityLocation"`

	resume *upload
	files  []*upload
}

type archivedInput struct {
	Reason     *string `json:"reason"`
	ArchivedAt *int64  `json:"archivedAt"`
}

// upload is a file taken from a multipart request.
type upload struct {
	name  string
	ctype string
	data  []byte
}

func (s *Sandbox) handleOpportunityCreate(r *http.Request, c *credential) (*reply, error) {
	by, err := s.performAs(r, true)
	if err != nil {
		return nil, err
	}
	var in opportunityInput
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		if err := parseOpportunityMultipart(r, &in); err != nil {
			return nil, err
		}
	} else if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	for _, f := range s.faults.get().IgnoreCreateFields {
		switch f {
		case "emails":
			in.Emails = nil
		case "phones":
			in.Phones = nil
		case "links":
			in.Links = nil
		case "sources":
			in.Sources = nil
		case "tags":
			in.Tags = nil
		}
	}
	postingOwner, err := boolParam(r.URL.Query(), "perform_as_posting_owner")
	if err != nil {
		return nil, err
	}
	o, err := s.createOpportunity(in, by, postingOwner != nil && *postingOwner, c)
	if err != nil {
		return nil, err
	}
	return created(s.renderOpportunity(r, o)), nil
}

// parseOpportunityMultipart reads the multipart spelling of the create body
// as Lever's reference writes it ("Create an opportunity"): each array
// value in its own "x[]" field, so each phone in a "phones[]" field (holding
// the phone as a JSON object, as JobVyne sends it), nested fields in
// the reference's syntax "archive[archivedAt]" (and "archive[reason]"), the
// files "resumeFile" and "files"/"files[]". Any other spelling of those
// fields (a bare or indexed array, "phones[0][value]", "archived[reason]")
// is refused, naming the field, rather than dropped as Lever might.
func parseOpportunityMultipart(r *http.Request, in *opportunityInput) error {
	r.Body = http.MaxBytesReader(nil, r.Body, 8*maxFileSize)
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return errBadRequest("invalid multipart body: %v", err)
	}
	f := r.MultipartForm
	get := func(k string) string {
		if v := f.Value[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	in.Name, in.Headline, in.Stage = get("name"), get("headline"), get("stage")
	in.Location, in.Origin, in.Owner = get("location"), get("origin"), get("owner")
	in.Contact, in.OpportunityLocation = get("contact"), get("opportunityLocation")
	if v := get("createdAt"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return errBadRequest("createdAt must be a timestamp in milliseconds")
		}
		in.CreatedAt = &n
	}
	if err := checkMultipartSpellings(f.Value); err != nil {
		return err
	}
	in.Emails = formArray(f.Value, "emails")
	in.Links = formArray(f.Value, "links")
	in.Tags = formArray(f.Value, "tags")
	in.Sources = formArray(f.Value, "sources")
	in.Followers = formArray(f.Value, "followers")
	in.Postings = formArray(f.Value, "postings")
	phones, err := formPhones(f.Value)
	if err != nil {
		return err
	}
	in.Phones = phones
	if reason, at := get("archive[reason]"), get("archive[archivedAt]"); reason != "" || at != "" {
		in.Archived = &archivedInput{}
		if reason != "" {
			in.Archived.Reason = &reason
		}
		if at != "" {
			n, err := strconv.ParseInt(at, 10, 64)
			if err != nil {
				return errBadRequest("archive[archivedAt] must be a timestamp in milliseconds")
			}
			in.Archived.ArchivedAt = &n
		}
	}
	if fhs := f.File["resumeFile"]; len(fhs) > 0 {
		u, err := readUpload(fhs[0])
		if err != nil {
			return err
		}
		in.resume = u
	}
	for _, key := range []string{"files", "files[]"} {
		for _, fh := range f.File[key] {
			u, err := readUpload(fh)
			if err != nil {
				return err
			}
			in.files = append(in.files, u)
		}
	}
	return nil
}

// multipartArrays are the create body's arrays of strings.
var multipartArrays = []string{"emails", "links", "tags", "sources", "followers", "postings"}

// checkMultipartSpellings refuses array fields not spelled "x[]", phones
// not in "phones[]" fields and the archived state not spelled
// "archive[reason]"/"archive[archivedAt]": Lever's reference documents no
// other spelling, and a field Lever did not read would be lost with a 201.
func checkMultipartSpellings(v map[string][]string) error {
	for _, name := range multipartArrays {
		for k := range v {
			if k == name || (strings.HasPrefix(k, name+"[") && k != name+"[]") {
				return errBadRequest("multipart field %q is not how Lever reads %s: send one %q field per value", k, name, name+"[]")
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(v)) {
		switch {
		case k == "phones" || strings.HasPrefix(k, "phones[") && k != "phones[]":
			return errBadRequest(`multipart field %q is not how Lever reads phones: send one "phones[]" field per phone, holding it as a JSON object {"value","type"}`, k)
		case k == "archived" || strings.HasPrefix(k, "archived["):
			return errBadRequest(`multipart field %q is not how Lever reads the archived state: send "archive[reason]" and "archive[archivedAt]" (the reference's "archive[archivedAt]" syntax)`, k)
		case k == "archive" || strings.HasPrefix(k, "archive[") && k != "archive[reason]" && k != "archive[archivedAt]":
			return errBadRequest(`multipart field %q is not a field of the archived state: send "archive[reason]" and "archive[archivedAt]"`, k)
		}
	}
	return nil
}

// formArray collects the name[] values in order.
func formArray(v map[string][]string, name string) []string {
	return slices.DeleteFunc(slices.Clone(v[name+"[]"]), func(s string) bool { return s == "" })
}

// formPhones reads the "phones[]" fields, each one phone as a JSON object
// with a value.
func formPhones(v map[string][]string) ([]phone, error) {
	var out []phone
	for _, raw := range v["phones[]"] {
		var ph phone
		if err := json.Unmarshal([]byte(raw), &ph); err != nil || strings.TrimSpace(ph.Value) == "" {
			return nil, errBadRequest(`a "phones[]" field must hold one phone as a JSON object {"value","type"}, got %q`, raw)
		}
		out = append(out, ph)
	}
	return out, nil
}

func readUpload(fh *multipart.FileHeader) (*upload, error) {
	if fh.Size > maxFileSize {
		return nil, errBadRequest("file %q is larger than 30 MB", fh.Filename)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, errBadRequest("read file %q: %v", fh.Filename, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, errBadRequest("read file %q: %v", fh.Filename, err)
	}
	if len(data) > maxFileSize {
		return nil, errBadRequest("file %q is larger than 30 MB", fh.Filename)
	}
	name := path.Base(strings.ReplaceAll(fh.Filename, "\\", "/"))
	if name == "" || name == "." || name == "/" {
		name = "file"
	}
	return &upload{name: name, ctype: fh.Header.Get("Content-Type"), data: data}, nil
}

// createOpportunity validates in and creates the opportunity (and contact,
// application, resume and files) as the user by.
func (s *Sandbox) createOpportunity(in opportunityInput, by *user, postingOwner bool, c *credential) (*opportunity, error) {
	now := s.now()
	if len(in.Postings) > 1 {
		return nil, errBadRequest("postings may hold at most one posting id; create one opportunity per posting")
	}
	if postingOwner && len(in.Postings) != 1 {
		return nil, errBadRequest("perform_as_posting_owner needs exactly one posting in postings")
	}
	var p *posting
	if len(in.Postings) == 1 {
		if p = s.st.Postings[in.Postings[0]]; p == nil {
			return nil, errBadRequest("posting %s was not found", in.Postings[0])
		}
		if p.Confidentiality == "confidential" && c != nil && !c.confidential() {
			return nil, errForbidden("posting %s is confidential and this credential has no access to confidential data", p.ID)
		}
	}
	st := s.stageByText("New lead")
	if in.Stage != "" {
		if st = s.stageByID(in.Stage); st == nil {
			return nil, errBadRequest("stage %s was not found (stage takes a stage id)", in.Stage)
		}
	}
	if st == nil {
		st = s.st.Stages[0]
	}
	owner := by.ID
	if in.Owner != "" {
		if s.st.Users[in.Owner] == nil {
			return nil, errBadRequest("owner %s was not found", in.Owner)
		}
		owner = in.Owner
	}
	if postingOwner && p.Owner != "" {
		owner = p.Owner
	}
	for _, id := range in.Followers {
		if s.st.Users[id] == nil {
			return nil, errBadRequest("follower %s was not found", id)
		}
	}
	origin := in.Origin
	if origin == "" {
		origin = "sourced"
	}
	if !slices.Contains(origins, origin) {
		return nil, errBadRequest("origin must be one of %s, got %q", strings.Join(origins, ", "), origin)
	}
	createdAt := now
	if in.CreatedAt != nil {
		if *in.CreatedAt > now {
			return nil, errBadRequest("createdAt must not be in the future")
		}
		createdAt = *in.CreatedAt
	}
	var archived *archivedState
	var hired bool
	if in.Archived != nil && in.Archived.Reason != nil {
		reason := s.reasonByID(*in.Archived.Reason)
		if reason == nil {
			return nil, errBadRequest("archive reason %s was not found", *in.Archived.Reason)
		}
		at := now
		if in.Archived.ArchivedAt != nil {
			if in.CreatedAt == nil || *in.CreatedAt >= *in.Archived.ArchivedAt {
				return nil, errBadRequest("archived.archivedAt needs an earlier createdAt")
			}
			at = *in.Archived.ArchivedAt
		}
		archived = &archivedState{ArchivedAt: at, Reason: reason.ID}
		hired = reason.Type == "hired"
	}
	var ct *contact
	if in.Contact != "" {
		if ct = s.st.Contacts[in.Contact]; ct == nil {
			return nil, errBadRequest("contact %s was not found", in.Contact)
		}
	}
	for i := range in.Phones {
		if in.Phones[i].Type == "" {
			in.Phones[i].Type = "other"
		}
	}

	// The person: an explicit contact, else an existing contact with one of
	// the e-mails (its stored data wins), else a new contact.
	if ct == nil {
		ct = s.contactByEmail(in.Emails)
	}
	if ct == nil {
		ct = &contact{
			ID: newID(), Name: in.Name, Headline: in.Headline, Location: in.Location,
			Emails: union(nil, in.Emails...), Phones: in.Phones, Links: union(nil, in.Links...), CreatedAt: now,
		}
		s.st.Contacts[ct.ID] = ct
		s.fire(eventContactCreated, "", map[string]any{"contactId": ct.ID})
	} else if mergeContact(ct, in) {
		s.contactChanged(ct)
	}

	o := &opportunity{
		ID: newID(), ContactID: ct.ID, StageID: st.ID, Confidentiality: confidentialityOf(p),
		Archived: archived, Origin: origin, Owner: owner, CreatedAt: createdAt, UpdatedAt: now,
		LastInteractionAt: now, LastAdvancedAt: createdAt, CreatedBy: by.ID,
		Followers: union(slices.Clone(in.Followers), by.ID),
		StageChanges: []stageChange{{
			ToStageID: st.ID, ToStageIndex: s.stageIndex(st.ID), UserID: ptr(by.ID), UpdatedAt: createdAt,
		}},
	}
	if origin == "sourced" {
		o.SourcedBy = by.ID
	}
	var tags []string
	if p != nil {
		o.PostingID = p.ID
		o.Confidentiality = p.Confidentiality
		tags = postingTags(p)
		switch {
		case in.OpportunityLocation != "":
			o.OpportunityLocation = in.OpportunityLocation
		case len(p.Categories.AllLocations) > 1:
			o.OpportunityLocation = "unspecified"
		case p.Categories.Location != "":
			o.OpportunityLocation = p.Categories.Location
		default:
			o.OpportunityLocation = "unspecified"
		}
	}
	o.Tags = union(tags, in.Tags...)
	s.st.Tags = addKnown(s.st.Tags, o.Tags...)
	o.Sources = union(nil, in.Sources...)
	s.st.Sources = addKnown(s.st.Sources, o.Sources...)
	s.st.Opportunities[o.ID] = o

	if p != nil {
		a := &application{
			ID: newID(), OpportunityID: o.ID, CreatedAt: createdAt, Type: applicationType(origin),
			PostingID: p.ID, PostingOwner: p.Owner, PostingHiringManager: p.HiringManager, User: by.ID,
			Name: ct.Name, Links: slices.Clone(ct.Links),
		}
		if len(ct.Emails) > 0 {
			a.Email = ct.Emails[0]
		}
		if len(ct.Phones) > 0 {
			a.Phone = ptr(ct.Phones[0])
		}
		s.st.Applications[a.ID] = a
		o.ApplicationID = a.ID
		s.fire(eventApplicationCreated, o.Origin, map[string]any{
			"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.ContactID,
			"applicationId": a.ID, "postingId": p.ID,
		})
	}
	if in.resume != nil {
		f := s.newFile(o.ID, in.resume, by.ID, now)
		rs := &resume{ID: newID(), OpportunityID: o.ID, CreatedAt: now, File: f}
		s.st.Resumes[rs.ID] = rs
	}
	for _, u := range in.files {
		f := s.newFile(o.ID, u, by.ID, now)
		s.st.Files[f.ID] = f
	}
	if hired {
		s.fire(eventHired, o.Origin, map[string]any{"opportunityId": o.ID, "candidateId": o.ID, "contactId": o.ContactID})
	}
	return o, nil
}

// postingTags are the tags an opportunity inherits from its posting: the
// title, the category values and the posting's own tags.
func postingTags(p *posting) []string {
	cat := p.Categories
	return union(nil, append([]string{p.Text, cat.Team, cat.Department, cat.Location, cat.Commitment, cat.Level}, p.Tags...)...)
}

func applicationType(origin string) string {
	switch origin {
	case "applied", "agency":
		return "posting"
	case "referred":
		return "referral"
	}
	return "user"
}

// contactByEmail finds the contact that has one of the e-mails.
func (s *Sandbox) contactByEmail(emails []string) *contact {
	want := canonicalEmails(emails)
	if len(want) == 0 {
		return nil
	}
	for _, c := range sortedValues(s.st.Contacts, func(c *contact) (int64, string) { return c.CreatedAt, c.ID }) {
		if anyIn(canonicalEmails(c.Emails), want) {
			return c
		}
	}
	return nil
}

// mergeContact adds the submitted e-mails, phones and links to an existing
// contact and fills its empty fields; existing data wins. It reports a
// change.
func mergeContact(c *contact, in opportunityInput) bool {
	changed := false
	fill := func(dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
			changed = true
		}
	}
	fill(&c.Name, in.Name)
	fill(&c.Headline, in.Headline)
	fill(&c.Location, in.Location)
	have := canonicalEmails(c.Emails)
	for _, e := range in.Emails {
		if e != "" && !slices.Contains(have, canonicalEmail(e)) {
			c.Emails = append(c.Emails, e)
			have = append(have, canonicalEmail(e))
			changed = true
		}
	}
	for _, p := range in.Phones {
		if p.Value != "" && !slices.ContainsFunc(c.Phones, func(q phone) bool { return q.Value == p.Value }) {
			c.Phones = append(c.Phones, p)
			changed = true
		}
	}
	before := len(c.Links)
	c.Links = union(c.Links, in.Links...)
	return changed || len(c.Links) != before
}

func (s *Sandbox) stageByText(text string) *stage {
	for _, st := range s.st.Stages {
		if st.Text == text {
			return st
		}
	}
	return nil
}

// confidentialityOf is a new opportunity's confidentiality: that of its
// posting (Lever: an opportunity is confidential only when its posting is).
func confidentialityOf(p *posting) string {
	if p != nil && p.Confidentiality == "confidential" {
		return "confidential"
	}
	return "non-confidential"
}
