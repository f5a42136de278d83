package greenhousesandbox

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The JSON shapes of Harvest v3 objects, with the fields stagecoach reads.

func (s *Sandbox) applicationJSON(a *application) map[string]any {
	var stageName any
	var stageID any
	if st := s.st.stage(a.StageID); st != nil {
		stageName, stageID = st.Name, st.ID
	}
	var sourceID any
	if a.SourceID != 0 {
		sourceID = a.SourceID
	}
	var recruiterID, reasonID any
	if a.RecruiterID != 0 {
		recruiterID = a.RecruiterID
	}
	if a.RejectionID != 0 {
		reasonID = a.RejectionID
	}
	// v3 objects call an active application "in_process" (the list
	// filter still says "active"; webhooks say "active").
	status := a.Status
	if status == "active" {
		status = "in_process"
	}
	return map[string]any{
		"id": a.ID, "candidate_id": a.CandidateID, "job_id": a.JobID, "job_post_id": nil, "prospect": false,
		"status": status, "rejection_reason_id": reasonID, "stage_id": stageID, "job_interview_stage_id": stageID, "stage_name": stageName,
		"source_id": sourceID, "referrer_id": nil, "recruiter_id": recruiterID, "coordinator_id": nil,
		"rejected_at": tsPtr(a.RejectedAt), "created_at": ts(a.CreatedAt), "updated_at": ts(a.UpdatedAt),
		"last_activity_at": ts(a.UpdatedAt), "custom_fields": map[string]any{}, "prospective_job_ids": []int64{},
	}
}

func (s *Sandbox) candidateJSON(c *candidate) map[string]any {
	cf := map[string]any{}
	for _, f := range s.st.customFields {
		if f.FieldType != "candidate" {
			continue
		}
		var v any
		if val, ok := c.CustomFields[f.ID]; ok {
			v = val
		}
		cf[f.NameKey] = map[string]any{"name": f.Name, "type": f.ValueType, "value": v}
	}
	emails, sites := c.Emails, c.Websites
	if emails == nil {
		emails = []typedValue{}
	}
	if sites == nil {
		sites = []typedValue{}
	}
	return map[string]any{
		"id": c.ID, "first_name": c.FirstName, "last_name": c.LastName, "company": nilIfEmpty(c.Company), "title": nilIfEmpty(c.Title),
		"email_addresses": emails, "website_addresses": sites, "phone_numbers": []any{}, "addresses": []any{},
		"social_media_addresses": []any{}, "tags": s.st.tagNames(c.ID), "custom_fields": cf, "private": false,
		"can_email": true, "created_at": ts(c.CreatedAt), "updated_at": ts(c.UpdatedAt), "last_activity_at": ts(c.UpdatedAt),
	}
}

func nilIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func jobJSON(j *job) map[string]any {
	tags := j.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id": j.ID, "name": j.Name, "status": j.Status, "confidential": j.Confidential, "requisition_id": nil,
		"custom_fields": map[string]any{"tags": map[string]any{"name": "Tags", "type": "multi_select", "value": tags}},
		"opened_at":     ts(j.CreatedAt), "closed_at": nil, "created_at": ts(j.CreatedAt), "updated_at": ts(j.UpdatedAt),
	}
}

func userJSON(u *user) map[string]any {
	return map[string]any{"id": u.ID, "name": u.name(), "first_name": u.FirstName, "last_name": u.LastName,
		"primary_email": u.Email, "emails": []string{u.Email}, "site_admin": u.SiteAdmin, "deactivated": false}
}

func noteJSON(n *note) map[string]any {
	var app any
	if n.ApplicationID != 0 {
		app = n.ApplicationID
	}
	return map[string]any{"id": n.ID, "candidate_id": n.CandidateID, "application_id": app, "user_id": n.UserID,
		"body": n.Body, "visibility": n.Visibility, "type": n.NoteType, "created_at": ts(n.CreatedAt), "updated_at": ts(n.CreatedAt)}
}

func (s *Sandbox) attachmentJSON(r *http.Request, a *attachment) map[string]any {
	return map[string]any{"id": a.ID, "application_id": a.ApplicationID, "candidate_id": a.CandidateID,
		"filename": a.Filename, "type": a.Type, "url": s.baseURL(r) + "/files/" + strconv.FormatInt(a.ID, 10),
		"created_at": ts(a.CreatedAt), "updated_at": ts(a.CreatedAt)}
}

// --- lists ---

func (s *Sandbox) listApplications(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "candidate_ids", "job_ids", "stage_ids", "status", "stage_name")
	ids, cands, jobs, stages := f.ids("ids"), f.ids("candidate_ids"), f.ids("job_ids"), f.ids("stage_ids")
	status := q.Get("status")
	switch status {
	case "", "active", "rejected", "hired", "converted":
	default:
		return nil, errField(http.StatusUnprocessableEntity, "status", "status must be one of active, rejected, hired, converted")
	}
	if f.err != nil {
		return nil, f.err
	}
	now := s.now()
	var out []any
	for _, a := range s.st.applications {
		if !a.visible(now) || !match(ids, a.ID) || !match(cands, a.CandidateID) || !match(jobs, a.JobID) || !match(stages, a.StageID) {
			continue
		}
		if status != "" && a.Status != status {
			continue
		}
		if name := q.Get("stage_name"); name != "" {
			if st := s.st.stage(a.StageID); st == nil || st.Name != name {
				continue
			}
		}
		out = append(out, s.applicationJSON(a))
	}
	return out, nil
}

func (s *Sandbox) listApplicationStages(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "application_ids", "job_interview_stage_ids", "current")
	ids, apps, stages, current := f.ids("ids"), f.ids("application_ids"), f.ids("job_interview_stage_ids"), f.boolean("current")
	if f.err != nil {
		return nil, f.err
	}
	now := s.now()
	var out []any
	for _, h := range s.st.appStages {
		if !match(ids, h.ID) || !match(apps, h.ApplicationID) || !match(stages, h.StageID) {
			continue
		}
		if current != nil && *current != (h.ExitedAt == nil) {
			continue
		}
		end := now
		if h.ExitedAt != nil {
			end = *h.ExitedAt
		}
		out = append(out, map[string]any{"id": h.ID, "application_id": h.ApplicationID, "job_interview_stage_id": h.StageID,
			"entered_at": ts(h.EnteredAt), "exited_at": tsPtr(h.ExitedAt), "current": h.ExitedAt == nil,
			"days_in_stage": int(end.Sub(h.EnteredAt).Hours() / 24), "created_at": ts(h.EnteredAt), "updated_at": ts(h.EnteredAt)})
	}
	return out, nil
}

func (s *Sandbox) listCandidates(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "email", "tag")
	ids := f.ids("ids")
	if f.err != nil {
		return nil, f.err
	}
	now := s.now()
	var out []any
	for _, c := range s.st.candidates {
		if !c.visible(now) || !match(ids, c.ID) {
			continue
		}
		if e := q.Get("email"); e != "" && !slices.ContainsFunc(c.Emails, func(v typedValue) bool { return strings.EqualFold(v.Value, e) }) {
			continue
		}
		if t := q.Get("tag"); t != "" && !slices.Contains(s.st.tagNames(c.ID), t) {
			continue
		}
		out = append(out, s.candidateJSON(c))
	}
	return out, nil
}

func (s *Sandbox) listJobs(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "status", "confidential")
	ids, conf := f.ids("ids"), f.boolean("confidential")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, j := range s.st.jobs {
		if !match(ids, j.ID) || (q.Get("status") != "" && j.Status != q.Get("status")) || (conf != nil && *conf != j.Confidential) {
			continue
		}
		out = append(out, jobJSON(j))
	}
	return out, nil
}

func (s *Sandbox) listStages(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "job_ids")
	ids, jobs := f.ids("ids"), f.ids("job_ids")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, st := range s.st.stages {
		if !match(ids, st.ID) || !match(jobs, st.JobID) {
			continue
		}
		out = append(out, map[string]any{"id": st.ID, "job_id": st.JobID, "name": st.Name, "sort_order": st.SortOrder,
			"active": st.Active, "created_at": ts(time.Time{}), "updated_at": ts(time.Time{})})
	}
	return out, nil
}

func (s *Sandbox) listUsers(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q)
	ids := f.ids("ids")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, u := range s.st.users {
		if match(ids, u.ID) {
			out = append(out, userJSON(u))
		}
	}
	return out, nil
}

func (s *Sandbox) listNotes(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "candidate_ids", "application_ids")
	ids, cands, apps := f.ids("ids"), f.ids("candidate_ids"), f.ids("application_ids")
	if f.err != nil {
		return nil, f.err
	}
	now := s.now()
	var out []any
	for _, n := range s.st.notes {
		if n.visible(now) && match(ids, n.ID) && match(cands, n.CandidateID) && match(apps, n.ApplicationID) {
			out = append(out, noteJSON(n))
		}
	}
	return out, nil
}

func (s *Sandbox) listTags(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q)
	ids := f.ids("ids")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, t := range s.st.tags {
		if match(ids, t.ID) {
			out = append(out, map[string]any{"id": t.ID, "name": t.Name, "created_at": ts(t.CreatedAt), "updated_at": ts(t.CreatedAt)})
		}
	}
	return out, nil
}

func (s *Sandbox) listAppliedTags(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "candidate_ids", "candidate_tag_ids")
	ids, cands, tags := f.ids("ids"), f.ids("candidate_ids"), f.ids("candidate_tag_ids")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, at := range s.st.appliedTags {
		if match(ids, at.ID) && match(cands, at.CandidateID) && match(tags, at.TagID) {
			out = append(out, map[string]any{"id": at.ID, "candidate_id": at.CandidateID, "candidate_tag_id": at.TagID,
				"created_at": ts(at.CreatedAt), "updated_at": ts(at.CreatedAt)})
		}
	}
	return out, nil
}

func (s *Sandbox) listAttachments(r *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "application_ids", "candidate_ids")
	ids, apps, cands := f.ids("ids"), f.ids("application_ids"), f.ids("candidate_ids")
	if f.err != nil {
		return nil, f.err
	}
	now := s.now()
	var out []any
	for _, a := range s.st.attachments {
		if a.visible(now) && match(ids, a.ID) && match(apps, a.ApplicationID) && match(cands, a.CandidateID) {
			out = append(out, s.attachmentJSON(r, a))
		}
	}
	return out, nil
}

func (s *Sandbox) listCustomFields(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q, "field_type")
	ids := f.ids("ids")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, cf := range s.st.customFields {
		if match(ids, cf.ID) && (q.Get("field_type") == "" || q.Get("field_type") == cf.FieldType) {
			out = append(out, map[string]any{"id": cf.ID, "name": cf.Name, "name_key": cf.NameKey, "field_type": cf.FieldType,
				"value_type": cf.ValueType, "private": false, "required": false, "active": true,
				"created_at": ts(cf.CreatedAt), "updated_at": ts(cf.CreatedAt)})
		}
	}
	return out, nil
}

func (s *Sandbox) listSources(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q)
	ids := f.ids("ids")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, so := range s.st.sources {
		if match(ids, so.ID) {
			out = append(out, map[string]any{"id": so.ID, "name": so.Name})
		}
	}
	return out, nil
}

func (s *Sandbox) listReasons(_ *http.Request, _ grant, q url.Values) ([]any, *apiError) {
	f := newFilters(q)
	ids := f.ids("ids")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, rr := range s.st.reasons {
		if match(ids, rr.ID) {
			out = append(out, map[string]any{"id": rr.ID, "name": rr.Name, "type": map[string]any{"name": rr.Type}})
		}
	}
	return out, nil
}

// --- writes ---

// requireUser checks a user id a write names.
func (s *Sandbox) requireUser(field string, id int64) *apiError {
	if id == 0 {
		return errField(http.StatusUnprocessableEntity, field, "%s is required", field)
	}
	if s.st.user(id) == nil {
		return errField(http.StatusUnprocessableEntity, field, "%s %d is not a user of the organization", field, id)
	}
	return nil
}

func (s *Sandbox) createNote(r *http.Request, _ grant) (int, any, *apiError) {
	var in struct {
		CandidateID   int64  `json:"candidate_id"`
		ApplicationID int64  `json:"application_id"`
		UserID        int64  `json:"user_id"`
		Body          string `json:"body"`
		Visibility    string `json:"visibility"`
		NoteType      string `json:"note_type"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	c := s.st.candidate(in.CandidateID)
	if c == nil || !c.visible(s.now()) {
		return 0, nil, errField(http.StatusUnprocessableEntity, "candidate_id", "candidate %d not found", in.CandidateID)
	}
	if in.ApplicationID != 0 {
		if a := s.st.application(in.ApplicationID); a == nil || a.CandidateID != c.ID {
			return 0, nil, errField(http.StatusUnprocessableEntity, "application_id", "application %d is not the candidate's", in.ApplicationID)
		}
	}
	if err := s.requireUser("user_id", in.UserID); err != nil {
		return 0, nil, err
	}
	if strings.TrimSpace(in.Body) == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "body", "body must not be blank")
	}
	switch in.Visibility {
	case "admin_only", "private", "public":
	default:
		return 0, nil, errField(http.StatusUnprocessableEntity, "visibility", "visibility must be one of admin_only, private, public")
	}
	switch in.NoteType {
	case "":
		in.NoteType = "NOTE"
	case "NOTE", "ACTIVITY", "EMAIL":
	default:
		return 0, nil, errField(http.StatusUnprocessableEntity, "note_type", "note_type must be one of NOTE, ACTIVITY, EMAIL")
	}
	now := s.now()
	n := &note{visibility: s.created(now), ID: s.st.id(), CandidateID: c.ID, ApplicationID: in.ApplicationID, UserID: in.UserID,
		Body: in.Body, Visibility: in.Visibility, NoteType: in.NoteType, CreatedAt: now}
	s.st.notes = append(s.st.notes, n)
	return http.StatusCreated, noteJSON(n), nil
}

// createTag adds a tag to the organization's dictionary. A name that
// exists in any casing answers the existing tag with 200 (Greenhouse's tag
// names are case-insensitive).
func (s *Sandbox) createTag(r *http.Request, _ grant) (int, any, *apiError) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "name", "name must not be blank")
	}
	for _, t := range s.st.tags {
		if strings.EqualFold(t.Name, in.Name) {
			return http.StatusOK, map[string]any{"id": t.ID, "name": t.Name, "created_at": ts(t.CreatedAt), "updated_at": ts(t.CreatedAt)}, nil
		}
	}
	t := s.st.addTag(in.Name, s.now())
	return http.StatusCreated, map[string]any{"id": t.ID, "name": t.Name, "created_at": ts(t.CreatedAt), "updated_at": ts(t.CreatedAt)}, nil
}

func (st *state) addTag(name string, now time.Time) *tag {
	for _, t := range st.tags {
		if strings.EqualFold(t.Name, name) {
			return t
		}
	}
	t := &tag{ID: st.id(), Name: name, CreatedAt: now}
	st.tags = append(st.tags, t)
	return t
}

func (s *Sandbox) applyTag(r *http.Request, _ grant) (int, any, *apiError) {
	var in struct {
		CandidateID int64 `json:"candidate_id"`
		TagID       int64 `json:"candidate_tag_id"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if c := s.st.candidate(in.CandidateID); c == nil || !c.visible(s.now()) {
		return 0, nil, errField(http.StatusUnprocessableEntity, "candidate_id", "candidate %d not found", in.CandidateID)
	}
	if !slices.ContainsFunc(s.st.tags, func(t *tag) bool { return t.ID == in.TagID }) {
		return 0, nil, errField(http.StatusUnprocessableEntity, "candidate_tag_id", "candidate tag %d not found", in.TagID)
	}
	for _, at := range s.st.appliedTags {
		if at.CandidateID == in.CandidateID && at.TagID == in.TagID {
			return 0, nil, errField(http.StatusUnprocessableEntity, "candidate_tag_id", "tag %d is already applied to candidate %d", in.TagID, in.CandidateID)
		}
	}
	now := s.now()
	at := &appliedTag{ID: s.st.id(), CandidateID: in.CandidateID, TagID: in.TagID, CreatedAt: now}
	s.st.appliedTags = append(s.st.appliedTags, at)
	return http.StatusCreated, map[string]any{"id": at.ID, "candidate_id": at.CandidateID, "candidate_tag_id": at.TagID,
		"created_at": ts(now), "updated_at": ts(now)}, nil
}

func (s *Sandbox) unapplyTag(r *http.Request, _ grant) (int, any, *apiError) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	i := slices.IndexFunc(s.st.appliedTags, func(at *appliedTag) bool { return at.ID == id })
	if i < 0 {
		return 0, nil, errNotFound("Applied candidate tag", id)
	}
	s.st.appliedTags = slices.Delete(s.st.appliedTags, i, i+1)
	return http.StatusNoContent, nil, nil
}

var attachmentTypes = []string{"resume", "cover_letter", "take_home_test", "offer_packet", "offer_letter",
	"signed_offer_letter", "midfunnel_agreement", "automated_agreement", "form_attachment", "other"}

// createAttachment attaches a file to an application. A new resume or
// cover letter turns the application's earlier one of that type into
// "other".
func (s *Sandbox) createAttachment(r *http.Request, _ grant) (int, any, *apiError) {
	var in struct {
		ApplicationID int64  `json:"application_id"`
		Filename      string `json:"filename"`
		Type          string `json:"type"`
		Content       string `json:"content"`
		URL           string `json:"url"`
		ContentType   string `json:"content_type"`
		Visibility    string `json:"visibility"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	a := s.st.application(in.ApplicationID)
	if a == nil || !a.visible(s.now()) {
		return 0, nil, errField(http.StatusUnprocessableEntity, "application_id", "application %d not found", in.ApplicationID)
	}
	if strings.TrimSpace(in.Filename) == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "filename", "filename is required")
	}
	if !slices.Contains(attachmentTypes, in.Type) {
		return 0, nil, errField(http.StatusUnprocessableEntity, "type", "type must be one of %s", strings.Join(attachmentTypes, ", "))
	}
	if (in.Content == "") == (in.URL == "") {
		return 0, nil, errField(http.StatusUnprocessableEntity, "content", "exactly one of content and url is required")
	}
	if in.URL != "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "url", "this sandbox cannot fetch url uploads; send content")
	}
	data, derr := base64.StdEncoding.DecodeString(in.Content)
	if derr != nil {
		return 0, nil, errField(http.StatusUnprocessableEntity, "content", "content is not Base64")
	}
	switch in.Visibility {
	case "", "public", "admin_only", "private":
	default:
		return 0, nil, errField(http.StatusUnprocessableEntity, "visibility", "visibility must be one of public, admin_only, private")
	}
	if in.Type == "resume" || in.Type == "cover_letter" {
		for _, old := range s.st.attachments {
			if old.ApplicationID == a.ID && old.Type == in.Type {
				old.Type = "other"
			}
		}
	}
	now := s.now()
	att := &attachment{visibility: s.created(now), ID: s.st.id(), ApplicationID: a.ID, CandidateID: a.CandidateID, Filename: in.Filename,
		Type: in.Type, ContentType: in.ContentType, Visibility: in.Visibility, Data: data, CreatedAt: now}
	s.st.attachments = append(s.st.attachments, att)
	return http.StatusCreated, s.attachmentJSON(r, att), nil
}

// handleFile serves an attachment's bytes at the URL the API gives (in
// Greenhouse a temporary signed S3 URL, needing no other credential).
func (s *Sandbox) handleFile(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	var att *attachment
	for _, a := range s.st.attachments {
		if a.ID == id {
			att = a
		}
	}
	s.mu.Unlock()
	if att == nil {
		writeError(w, errNotFound("Attachment", id))
		return
	}
	ct := att.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = w.Write(att.Data)
}

var valueTypes = []string{"short_text", "long_text", "yes_no", "single_select", "multi_select", "currency",
	"currency_range", "number", "number_range", "date", "url", "user"}

// nameKey derives a custom field's immutable key from its name.
func nameKey(name string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimRight(b.String(), "_")
}

func (s *Sandbox) createCustomField(r *http.Request, _ grant) (int, any, *apiError) {
	var in struct {
		Name        string `json:"name"`
		FieldType   string `json:"field_type"`
		ValueType   string `json:"value_type"`
		Private     bool   `json:"private"`
		Required    bool   `json:"required"`
		Description string `json:"description"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "name", "name is required")
	}
	switch in.FieldType {
	case "candidate", "application", "job":
	default:
		return 0, nil, errField(http.StatusUnprocessableEntity, "field_type", "field_type must be one of candidate, application, job")
	}
	if !slices.Contains(valueTypes, in.ValueType) {
		return 0, nil, errField(http.StatusUnprocessableEntity, "value_type", "value_type must be one of %s", strings.Join(valueTypes, ", "))
	}
	key := nameKey(in.Name)
	for _, f := range s.st.customFields {
		if f.FieldType == in.FieldType && (strings.EqualFold(f.Name, in.Name) || f.NameKey == key) {
			return 0, nil, errField(http.StatusUnprocessableEntity, "name", "a %s custom field named %q already exists", in.FieldType, f.Name)
		}
	}
	now := s.now()
	f := &customField{ID: s.st.id(), Name: in.Name, NameKey: key, FieldType: in.FieldType, ValueType: in.ValueType, CreatedAt: now}
	s.st.customFields = append(s.st.customFields, f)
	return http.StatusCreated, map[string]any{"id": f.ID, "name": f.Name, "name_key": f.NameKey, "field_type": f.FieldType,
		"value_type": f.ValueType, "private": false, "required": false, "active": true, "created_at": ts(now), "updated_at": ts(now)}, nil
}

// customValue is one custom field value in a write.
type customValue struct {
	CustomFieldID int64  `json:"custom_field_id"`
	NameKey       string `json:"name_key"`
	Value         any    `json:"value"`
}

func (s *Sandbox) updateCandidate(r *http.Request, _ grant) (int, any, *apiError) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	c := s.st.candidate(id)
	if c == nil || !c.visible(s.now()) {
		return 0, nil, errNotFound("Candidate", id)
	}
	var in struct {
		FirstName    *string       `json:"first_name"`
		LastName     *string       `json:"last_name"`
		Title        *string       `json:"title"`
		Company      *string       `json:"company"`
		CustomFields []customValue `json:"custom_fields"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	values := map[int64]any{}
	for i, v := range in.CustomFields {
		var f *customField
		for _, cf := range s.st.customFields {
			if cf.FieldType == "candidate" && (cf.ID == v.CustomFieldID || v.NameKey != "" && cf.NameKey == v.NameKey) {
				f = cf
			}
		}
		if f == nil {
			return 0, nil, errField(http.StatusUnprocessableEntity, "custom_fields["+strconv.Itoa(i)+"]",
				"no candidate custom field with id %d or name_key %q", v.CustomFieldID, v.NameKey)
		}
		switch f.ValueType {
		case "short_text", "long_text", "url":
			if _, ok := v.Value.(string); !ok && v.Value != nil {
				return 0, nil, errField(http.StatusUnprocessableEntity, "custom_fields["+strconv.Itoa(i)+"]", "%s takes a string value", f.Name)
			}
		}
		values[f.ID] = v.Value
	}
	for k, v := range values {
		if v == nil {
			delete(c.CustomFields, k)
		} else {
			c.CustomFields[k] = v
		}
	}
	if in.FirstName != nil {
		c.FirstName = *in.FirstName
	}
	if in.LastName != nil {
		c.LastName = *in.LastName
	}
	if in.Title != nil {
		c.Title = *in.Title
	}
	if in.Company != nil {
		c.Company = *in.Company
	}
	c.UpdatedAt = s.now()
	return http.StatusOK, s.candidateJSON(c), nil
}

func (s *Sandbox) createCandidate(r *http.Request, _ grant) (int, any, *apiError) {
	var in struct {
		FirstName            string       `json:"first_name"`
		LastName             string       `json:"last_name"`
		Company              string       `json:"company"`
		Title                string       `json:"title"`
		EmailAddresses       []typedValue `json:"email_addresses"`
		PhoneNumbers         []typedValue `json:"phone_numbers"`
		Addresses            []typedValue `json:"addresses"`
		WebsiteAddresses     []typedValue `json:"website_addresses"`
		SocialMediaAddresses []typedValue `json:"social_media_addresses"`
		Tags                 []string     `json:"tags"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if strings.TrimSpace(in.FirstName) == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "first_name", "first_name is required")
	}
	if strings.TrimSpace(in.LastName) == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "last_name", "last_name is required")
	}
	for i, e := range in.EmailAddresses {
		if !strings.Contains(e.Value, "@") {
			return 0, nil, errField(http.StatusUnprocessableEntity, "email_addresses["+strconv.Itoa(i)+"]", "%q is not an e-mail address", e.Value)
		}
		switch e.Type {
		case "personal", "work", "other":
		default:
			return 0, nil, errField(http.StatusUnprocessableEntity, "email_addresses["+strconv.Itoa(i)+"].type", "type must be one of personal, work, other")
		}
	}
	now := s.now()
	c := &candidate{visibility: s.created(now), ID: s.st.id(), FirstName: in.FirstName, LastName: in.LastName, Company: in.Company, Title: in.Title,
		Emails: in.EmailAddresses, Websites: in.WebsiteAddresses, CustomFields: map[int64]any{}, CreatedAt: now, UpdatedAt: now}
	s.st.candidates = append(s.st.candidates, c)
	for _, name := range in.Tags {
		if strings.TrimSpace(name) == "" {
			continue
		}
		t := s.st.addTag(name, now)
		s.st.appliedTags = append(s.st.appliedTags, &appliedTag{ID: s.st.id(), CandidateID: c.ID, TagID: t.ID, CreatedAt: now})
	}
	return http.StatusCreated, map[string]any{"candidate": s.candidateJSON(c), "application": nil}, nil
}

func (s *Sandbox) createApplication(r *http.Request, _ grant) (int, any, *apiError) {
	var in struct {
		CandidateID    int64 `json:"candidate_id"`
		JobID          int64 `json:"job_id"`
		InitialStageID int64 `json:"initial_stage_id"`
		SourceID       int64 `json:"source_id"`
		RecruiterID    int64 `json:"recruiter_id"`
		CoordinatorID  int64 `json:"coordinator_id"`
		ReferrerID     int64 `json:"referrer_id"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	c := s.st.candidate(in.CandidateID)
	if c == nil || !c.visible(s.now()) {
		return 0, nil, errField(http.StatusUnprocessableEntity, "candidate_id", "candidate %d not found", in.CandidateID)
	}
	j := s.st.job(in.JobID)
	if j == nil {
		return 0, nil, errField(http.StatusUnprocessableEntity, "job_id", "job %d not found", in.JobID)
	}
	for _, a := range s.st.applications {
		if a.CandidateID == c.ID && a.JobID == j.ID && a.Status == "active" {
			return 0, nil, errField(http.StatusUnprocessableEntity, "job_id", "candidate %d already has an active application on job %d", c.ID, j.ID)
		}
	}
	stages := s.st.jobStages(j.ID)
	stageID := stages[0].ID
	if in.InitialStageID != 0 {
		if st := s.st.stage(in.InitialStageID); st == nil || st.JobID != j.ID || !st.Active {
			return 0, nil, errField(http.StatusUnprocessableEntity, "initial_stage_id", "stage %d is not a stage of job %d", in.InitialStageID, j.ID)
		}
		stageID = in.InitialStageID
	}
	if in.SourceID != 0 && s.st.source(in.SourceID) == nil {
		return 0, nil, errField(http.StatusUnprocessableEntity, "source_id", "source %d not found", in.SourceID)
	}
	if in.RecruiterID != 0 {
		if err := s.requireUser("recruiter_id", in.RecruiterID); err != nil {
			return 0, nil, err
		}
	}
	now := s.now()
	a := &application{visibility: s.created(now), ID: s.st.id(), CandidateID: c.ID, JobID: j.ID, Status: "active", SourceID: in.SourceID,
		RecruiterID: in.RecruiterID, CreatedAt: now, UpdatedAt: now}
	if a.RecruiterID == 0 {
		a.RecruiterID = j.RecruiterID
	}
	s.st.enterStage(a, stageID, now)
	s.st.applications = append(s.st.applications, a)
	s.hooks.fire("new_candidate_application", s.webhookApplication(a))
	return http.StatusCreated, s.applicationJSON(a), nil
}

// moveApplication moves an active application within its job (to_stage_id),
// or advances it to the next stage (neither to_stage_id nor to_job_id).
// from_stage_id must be its current stage: the guard against stale moves.
func (s *Sandbox) moveApplication(r *http.Request, _ grant) (int, any, *apiError) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	a := s.st.application(id)
	if a == nil || !a.visible(s.now()) {
		return 0, nil, errNotFound("Application", id)
	}
	var in struct {
		FromStageID     int64 `json:"from_stage_id"`
		ToStageID       int64 `json:"to_stage_id"`
		ToJobID         int64 `json:"to_job_id"`
		EmailFromUserID int64 `json:"email_from_user_id"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if in.FromStageID == 0 {
		return 0, nil, errField(http.StatusUnprocessableEntity, "from_stage_id", "from_stage_id is required")
	}
	if a.Status != "active" {
		return 0, nil, errStatus(http.StatusUnprocessableEntity, "application %d is %s; only active applications can be moved", a.ID, a.Status)
	}
	if in.FromStageID != a.StageID {
		return 0, nil, errField(http.StatusUnprocessableEntity, "from_stage_id", "from_stage_id %d is not the application's current stage", in.FromStageID)
	}
	if in.ToJobID != 0 {
		return 0, nil, errField(http.StatusUnprocessableEntity, "to_job_id", "this sandbox does not transfer applications between jobs")
	}
	to := in.ToStageID
	stages := s.st.jobStages(a.JobID)
	if to == 0 {
		i := slices.IndexFunc(stages, func(st *stage) bool { return st.ID == a.StageID })
		if i < 0 || i+1 >= len(stages) {
			return 0, nil, errStatus(http.StatusUnprocessableEntity, "application %d is in its job's last stage", a.ID)
		}
		to = stages[i+1].ID
	} else if !slices.ContainsFunc(stages, func(st *stage) bool { return st.ID == to }) {
		return 0, nil, errField(http.StatusUnprocessableEntity, "to_stage_id", "stage %d is not a stage of job %d", to, a.JobID)
	}
	s.moveTo(a, to)
	return http.StatusNoContent, nil, nil
}

// moveTo moves a to stage id and sends candidate_stage_change. The caller
// holds s.mu.
func (s *Sandbox) moveTo(a *application, id int64) {
	s.st.enterStage(a, id, s.now())
	s.hooks.fire("candidate_stage_change", s.webhookApplication(a))
}

func (s *Sandbox) rejectApplication(r *http.Request, _ grant) (int, any, *apiError) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	a := s.st.application(id)
	if a == nil || !a.visible(s.now()) {
		return 0, nil, errNotFound("Application", id)
	}
	var in struct {
		RejectionReasonID int64          `json:"rejection_reason_id"`
		Notes             string         `json:"notes"`
		RejectionEmail    map[string]any `json:"rejection_email"`
		CustomFields      []customValue  `json:"custom_fields"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if aerr := s.reject(a, in.RejectionReasonID); aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusNoContent, nil, nil
}

// reject rejects an active application for a reason and sends
// reject_candidate. The caller holds s.mu.
func (s *Sandbox) reject(a *application, reasonID int64) *apiError {
	if reasonID == 0 {
		return errField(http.StatusUnprocessableEntity, "rejection_reason_id", "rejection_reason_id is required")
	}
	if !slices.ContainsFunc(s.st.reasons, func(r *rejectionReason) bool { return r.ID == reasonID }) {
		return errField(http.StatusUnprocessableEntity, "rejection_reason_id", "rejection reason %d not found", reasonID)
	}
	if a.Status != "active" {
		return errStatus(http.StatusUnprocessableEntity, "application %d is %s; only active applications can be rejected", a.ID, a.Status)
	}
	now := s.now()
	a.Status, a.RejectionID, a.RejectedAt, a.UpdatedAt = "rejected", reasonID, &now, now
	s.hooks.fire("reject_candidate", s.webhookApplication(a))
	return nil
}
