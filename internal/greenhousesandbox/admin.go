package greenhousesandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The admin endpoint under /_sandbox/ stands for people using Greenhouse's
// app: a recruiter creating jobs, applying candidates, moving and rejecting
// them and reading a candidate's profile; an admin adding webhooks and
// sources in Configure, or disconnecting an integration. Tests and the demo
// set the scene through it. It takes no credentials: the sandbox is for
// loopback use.

func (s *Sandbox) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sandbox/jobs", s.admin(s.adminCreateJob))
	m.HandleFunc("POST /_sandbox/jobs/{id}/apply", s.admin(s.adminApply))
	m.HandleFunc("GET /_sandbox/applications/{id}", s.admin(s.adminView))
	m.HandleFunc("POST /_sandbox/applications/{id}/move", s.admin(s.adminMove))
	m.HandleFunc("POST /_sandbox/applications/{id}/reject", s.admin(s.adminReject))
	m.HandleFunc("POST /_sandbox/applications/{id}/hire", s.admin(s.adminHire))
	m.HandleFunc("GET /_sandbox/users", s.admin(s.adminUsers))
	m.HandleFunc("POST /_sandbox/sources", s.admin(s.adminCreateSource))
	m.HandleFunc("GET /_sandbox/webhooks", s.admin(s.adminWebhooks))
	m.HandleFunc("POST /_sandbox/webhooks", s.adminCreateWebhook)
	m.HandleFunc("POST /_sandbox/disconnect", s.admin(s.adminDisconnect))
	m.HandleFunc("POST /_sandbox/faults", s.handleFaults)
}

type adminFunc func(r *http.Request) (int, any, *apiError)

// admin runs fn holding s.mu.
func (s *Sandbox) admin(fn adminFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		status, body, err := fn(r)
		s.mu.Unlock()
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, status, body)
	}
}

func (s *Sandbox) adminCreateJob(r *http.Request) (int, any, *apiError) {
	var in struct {
		Name         string   `json:"name"`
		Tags         []string `json:"tags"`
		Confidential bool     `json:"confidential"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "name", "name is required")
	}
	recruiter := s.st.users[0].ID
	if len(s.st.users) > 1 {
		recruiter = s.st.users[1].ID
	}
	j := s.st.addJob(in.Name, in.Tags, recruiter, s.now())
	j.Confidential = in.Confidential
	var stages []any
	for _, st := range s.st.jobStages(j.ID) {
		stages = append(stages, map[string]any{"id": st.ID, "name": st.Name})
	}
	return http.StatusCreated, map[string]any{"job": jobJSON(j), "stages": stages}, nil
}

func (s *Sandbox) adminApply(r *http.Request) (int, any, *apiError) {
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	if s.st.job(id) == nil {
		return 0, nil, errNotFound("Job", id)
	}
	var in struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	first, last, _ := strings.Cut(strings.TrimSpace(in.Name), " ")
	if first == "" || last == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "name", "name needs a first and a last name")
	}
	c, a := s.st.apply(id, first, last, in.Email, s.now())
	s.hooks.fire("new_candidate_application", s.webhookApplication(a))
	return http.StatusCreated, map[string]any{"application_id": a.ID, "candidate_id": c.ID}, nil
}

// adminApplication reads the {id} application.
func (s *Sandbox) adminApplication(r *http.Request) (*application, *apiError) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	a := s.st.application(id)
	if a == nil {
		return nil, errNotFound("Application", id)
	}
	return a, nil
}

// adminView is what a recruiter sees on the candidate's profile for one
// application: the candidate (tags, custom fields by name), the
// application's stage, status and source, the candidate's notes and the
// application's attachments.
func (s *Sandbox) adminView(r *http.Request) (int, any, *apiError) {
	a, err := s.adminApplication(r)
	if err != nil {
		return 0, nil, err
	}
	c := s.st.candidate(a.CandidateID)
	var emails []string
	for _, e := range c.Emails {
		emails = append(emails, e.Value)
	}
	cf := map[string]any{}
	for _, f := range s.st.customFields {
		if v, ok := c.CustomFields[f.ID]; ok && f.FieldType == "candidate" {
			cf[f.Name] = v
		}
	}
	var stage any
	if st := s.st.stage(a.StageID); st != nil {
		stage = map[string]any{"id": st.ID, "name": st.Name}
	}
	var source any
	if so := s.st.source(a.SourceID); so != nil {
		source = so.Name
	}
	notes := []any{}
	for _, n := range s.st.notes {
		if n.CandidateID == c.ID {
			notes = append(notes, map[string]any{"id": n.ID, "body": n.Body, "user_id": n.UserID, "application_id": n.ApplicationID, "visibility": n.Visibility})
		}
	}
	files := []any{}
	for _, f := range s.st.attachments {
		if f.ApplicationID == a.ID {
			files = append(files, map[string]any{"id": f.ID, "filename": f.Filename, "type": f.Type, "url": s.baseURL(r) + "/files/" + strconv.FormatInt(f.ID, 10)})
		}
	}
	return http.StatusOK, map[string]any{
		"application": map[string]any{"id": a.ID, "status": a.Status, "job_id": a.JobID, "stage": stage, "source": source},
		"candidate": map[string]any{"id": c.ID, "name": c.name(), "title": c.Title, "emails": emails, "websites": c.Websites,
			"tags": s.st.tagNames(c.ID), "custom_fields": cf},
		"notes": notes, "attachments": files,
	}, nil
}

// adminMove moves an application to a stage of its job named by id or name
// (as a recruiter does, without the API's from_stage_id guard).
func (s *Sandbox) adminMove(r *http.Request) (int, any, *apiError) {
	a, err := s.adminApplication(r)
	if err != nil {
		return 0, nil, err
	}
	var in struct {
		Stage string `json:"stage"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if a.Status != "active" {
		return 0, nil, errStatus(http.StatusUnprocessableEntity, "application %d is %s", a.ID, a.Status)
	}
	stages := s.st.jobStages(a.JobID)
	i := slices.IndexFunc(stages, func(st *stage) bool {
		return strconv.FormatInt(st.ID, 10) == in.Stage || strings.EqualFold(st.Name, in.Stage)
	})
	if i < 0 {
		return 0, nil, errField(http.StatusUnprocessableEntity, "stage", "job %d has no stage %q", a.JobID, in.Stage)
	}
	s.moveTo(a, stages[i].ID)
	return http.StatusOK, s.applicationJSON(a), nil
}

func (s *Sandbox) adminReject(r *http.Request) (int, any, *apiError) {
	a, err := s.adminApplication(r)
	if err != nil {
		return 0, nil, err
	}
	if aerr := s.reject(a, s.st.reasons[0].ID); aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, s.applicationJSON(a), nil
}

func (s *Sandbox) adminHire(r *http.Request) (int, any, *apiError) {
	a, err := s.adminApplication(r)
	if err != nil {
		return 0, nil, err
	}
	if a.Status != "active" {
		return 0, nil, errStatus(http.StatusUnprocessableEntity, "application %d is %s", a.ID, a.Status)
	}
	a.Status = "hired"
	s.st.enterStage(a, 0, s.now())
	s.hooks.fire("hire_candidate", s.webhookApplication(a))
	return http.StatusOK, s.applicationJSON(a), nil
}

func (s *Sandbox) adminUsers(*http.Request) (int, any, *apiError) {
	var out []any
	for _, u := range s.st.users {
		out = append(out, userJSON(u))
	}
	return http.StatusOK, out, nil
}

// adminCreateSource adds a custom source, as an admin does in Configure.
func (s *Sandbox) adminCreateSource(r *http.Request) (int, any, *apiError) {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if strings.TrimSpace(in.Name) == "" {
		return 0, nil, errField(http.StatusUnprocessableEntity, "name", "name is required")
	}
	so := &source{ID: s.st.id(), Name: in.Name}
	s.st.sources = append(s.st.sources, so)
	return http.StatusCreated, map[string]any{"id": so.ID, "name": so.Name}, nil
}

func (s *Sandbox) adminWebhooks(*http.Request) (int, any, *apiError) {
	out := []any{}
	for _, h := range s.st.webhooks {
		out = append(out, webhookJSON(h))
	}
	return http.StatusOK, out, nil
}

// adminCreateWebhook adds a webhook as an admin does in Configure > Dev
// Center > Web Hooks: Greenhouse pings the URL on save and creates the
// webhook disabled when the ping fails.
func (s *Sandbox) adminCreateWebhook(w http.ResponseWriter, r *http.Request) {
	var in webhookInput
	if err := decodeBody(r, &in); err != nil {
		writeError(w, err)
		return
	}
	if in.MaxAttempts == nil {
		n := len(s.cfg.WebhookRetryDelays) + 1
		in.MaxAttempts = &n
	}
	if err := in.check(); err != nil {
		writeError(w, err)
		return
	}
	s.mu.Lock()
	now := s.now()
	h := &webhook{ID: s.st.id(), Name: in.Name, EndpointURL: in.EndpointURL, EventActionType: in.EventActionType,
		SecretKey: in.SecretKey, MaxAttempts: *in.MaxAttempts, CreatedAt: now, UpdatedAt: now}
	s.mu.Unlock()
	ok := s.hooks.ping(*h) // outside the lock: the receiver may call back
	s.mu.Lock()
	h.Deactivated = !ok
	s.st.webhooks = append(s.st.webhooks, h)
	body := webhookJSON(h)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, body)
}

// adminDisconnect revokes every token of a client, as a customer
// disconnecting the integration in Greenhouse does.
func (s *Sandbox) adminDisconnect(r *http.Request) (int, any, *apiError) {
	var in struct {
		ClientID string `json:"client_id"`
	}
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if _, _, ok := clientSecret(in.ClientID); !ok {
		return 0, nil, errField(http.StatusUnprocessableEntity, "client_id", "unknown client_id %q", in.ClientID)
	}
	s.auth.revoked[in.ClientID] = true
	for k, g := range s.auth.refresh {
		if g.clientID == in.ClientID {
			delete(s.auth.refresh, k)
		}
	}
	return http.StatusOK, map[string]any{"disconnected": in.ClientID}, nil
}

func (s *Sandbox) handleFaults(w http.ResponseWriter, r *http.Request) {
	var set faultSettings
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		writeError(w, errStatus(http.StatusBadRequest, "invalid JSON body: %v", err))
		return
	}
	if err := set.validate(); err != nil {
		writeError(w, err)
		return
	}
	s.faults.configure(set)
	writeJSON(w, http.StatusOK, set)
}
