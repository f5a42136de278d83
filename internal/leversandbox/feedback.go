package leversandbox

import (
	"encoding/json"
	"net/http"
	"strings"
)

type feedbackTemplateView struct {
	ID           string     `json:"id"`
	Text         string     `json:"text"`
	Group        *groupView `json:"group"`
	Instructions string     `json:"instructions"`
	CreatedAt    int64      `json:"createdAt"`
	UpdatedAt    int64      `json:"updatedAt"`
	Stage        *stage     `json:"stage"`
	Fields       []field    `json:"fields"`
}

func (s *Sandbox) viewFeedbackTemplate(t *feedbackTemplate) feedbackTemplateView {
	return feedbackTemplateView{
		ID: t.ID, Text: t.Text, Group: viewGroup(t.Group), Instructions: t.Instructions, CreatedAt: t.CreatedAt,
		UpdatedAt: t.UpdatedAt, Stage: s.stageByID(t.StageID), Fields: templateFields(t.Fields),
	}
}

type feedbackView struct {
	ID             string  `json:"id"`
	Type           string  `json:"type"`
	Text           string  `json:"text"`
	Instructions   string  `json:"instructions"`
	BaseTemplateID string  `json:"baseTemplateId"`
	Fields         []field `json:"fields"`
	User           string  `json:"user"`
	Panel          *string `json:"panel"`
	Interview      *string `json:"interview"`
	CreatedAt      int64   `json:"createdAt"`
	UpdatedAt      int64   `json:"updatedAt"`
	CompletedAt    int64   `json:"completedAt"`
	DeletedAt      *int64  `json:"deletedAt"`
}

func viewFeedback(f *feedback) feedbackView {
	v := feedbackView{
		ID: f.ID, Type: f.Type, Text: f.Text, Instructions: f.Instructions, BaseTemplateID: f.BaseTemplateID,
		Fields: valuedFields(f.Fields), User: f.User, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt, CompletedAt: f.CompletedAt,
	}
	if f.Panel != "" {
		v.Panel, v.Interview = ptr(f.Panel), ptr(f.Interview)
	}
	return v
}

func feedbackTemplateKey(t *feedbackTemplate) (int64, string) { return t.CreatedAt, t.ID }

func (s *Sandbox) handleFeedbackTemplateList(r *http.Request, _ *credential) (*reply, error) {
	items, p, err := paginate(s, r, sortedValues(s.st.FeedbackTemplates, feedbackTemplateKey), feedbackTemplateKey)
	if err != nil {
		return nil, err
	}
	include := multi(r.URL.Query(), "include")
	out := make([]any, 0, len(items))
	for _, t := range items {
		out = append(out, shape(s.viewFeedbackTemplate(t), include, nil))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) feedbackTemplateFor(r *http.Request) (*feedbackTemplate, error) {
	id := r.PathValue("template")
	t := s.st.FeedbackTemplates[id]
	if t == nil {
		return nil, errNotFound("feedback_templates", id)
	}
	return t, nil
}

func (s *Sandbox) handleFeedbackTemplateGet(r *http.Request, _ *credential) (*reply, error) {
	t, err := s.feedbackTemplateFor(r)
	if err != nil {
		return nil, err
	}
	return ok(shape(s.viewFeedbackTemplate(t), multi(r.URL.Query(), "include"), nil)), nil
}

type feedbackTemplateInput struct {
	Text         string       `json:"text"`
	Instructions string       `json:"instructions"`
	Group        string       `json:"group"`
	Stage        string       `json:"stage"`
	Fields       []fieldInput `json:"fields"`
}

// build validates a template: it needs exactly one score-system field.
func (s *Sandbox) buildFeedbackTemplate(in feedbackTemplateInput) (*feedbackTemplate, error) {
	if strings.TrimSpace(in.Text) == "" {
		return nil, errBadRequest("text is required")
	}
	fields, err := templateFieldsFrom(in.Fields, feedbackFieldTypes)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, f := range fields {
		if f.Type == "score-system" {
			n++
		}
	}
	if n != 1 {
		return nil, errBadRequest("fields must contain exactly one score-system field, got %d", n)
	}
	if in.Stage != "" && s.stageByID(in.Stage) == nil {
		return nil, errBadRequest("stage %s was not found", in.Stage)
	}
	return &feedbackTemplate{Text: in.Text, Instructions: in.Instructions, Group: in.Group, StageID: in.Stage, Fields: fields, ViaAPI: true}, nil
}

func (s *Sandbox) handleFeedbackTemplateCreate(r *http.Request, _ *credential) (*reply, error) {
	var in feedbackTemplateInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	t, err := s.buildFeedbackTemplate(in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	t.ID, t.CreatedAt, t.UpdatedAt = newID(), now, now
	s.st.FeedbackTemplates[t.ID] = t
	return created(s.viewFeedbackTemplate(t)), nil
}

func (s *Sandbox) handleFeedbackTemplateUpdate(r *http.Request, _ *credential) (*reply, error) {
	old, err := s.feedbackTemplateFor(r)
	if err != nil {
		return nil, err
	}
	if !old.ViaAPI {
		return nil, errForbidden("feedback template %s was not created through the API and cannot be changed through it", old.ID)
	}
	var in feedbackTemplateInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	t, err := s.buildFeedbackTemplate(in)
	if err != nil {
		return nil, err
	}
	t.ID, t.CreatedAt, t.UpdatedAt = old.ID, old.CreatedAt, s.now()
	s.st.FeedbackTemplates[t.ID] = t
	return ok(s.viewFeedbackTemplate(t)), nil
}

func (s *Sandbox) handleFeedbackTemplateDelete(r *http.Request, _ *credential) (*reply, error) {
	t, err := s.feedbackTemplateFor(r)
	if err != nil {
		return nil, err
	}
	if !t.ViaAPI {
		return nil, errForbidden("feedback template %s was not created through the API and cannot be deleted through it", t.ID)
	}
	delete(s.st.FeedbackTemplates, t.ID)
	return noContent(), nil
}

func feedbackKey(f *feedback) (int64, string) { return f.CreatedAt, f.ID }

func (s *Sandbox) feedbackOf(oppID string) []*feedback {
	var out []*feedback
	for _, f := range sortedValues(s.st.Feedback, feedbackKey) {
		if f.OpportunityID == oppID {
			out = append(out, f)
		}
	}
	return out
}

func (s *Sandbox) handleFeedbackList(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	items, p, err := paginate(s, r, s.feedbackOf(o.ID), feedbackKey)
	if err != nil {
		return nil, err
	}
	out := make([]feedbackView, 0, len(items))
	for _, f := range items {
		out = append(out, viewFeedback(f))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) feedbackFor(r *http.Request, c *credential) (*feedback, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("feedback")
	f := s.st.Feedback[id]
	if f == nil || f.OpportunityID != o.ID {
		return nil, errNotFound("feedback", id)
	}
	return f, nil
}

func (s *Sandbox) handleFeedbackGet(r *http.Request, c *credential) (*reply, error) {
	f, err := s.feedbackFor(r, c)
	if err != nil {
		return nil, err
	}
	return ok(viewFeedback(f)), nil
}

type fieldValue struct {
	ID    string          `json:"id"`
	Value json.RawMessage `json:"value"`
}

// fillFields answers the template's fields with values (by template field
// id); unanswered fields stay null, required ones must be answered.
func fillFields(t *feedbackTemplate, values []fieldValue, parentID string) ([]field, error) {
	byID := map[string]json.RawMessage{}
	for i, v := range values {
		known := false
		for _, f := range t.Fields {
			if f.ID == v.ID {
				known = true
			}
		}
		if !known {
			return nil, errBadRequest("fieldValues[%d].id %s is not a field of template %s", i, v.ID, t.ID)
		}
		byID[v.ID] = v.Value
	}
	out := make([]field, 0, len(t.Fields))
	for i, tf := range t.Fields {
		raw := byID[tf.ID]
		if err := checkValue(tf, raw, "field "+itoa(i)); err != nil {
			return nil, err
		}
		f := tf
		f.ID = seedID("field:" + parentID + ":" + tf.ID)
		f.Value = raw
		out = append(out, f)
	}
	return out, nil
}

func (s *Sandbox) handleFeedbackCreate(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, true)
	if err != nil {
		return nil, err
	}
	var body struct {
		BaseTemplateID string       `json:"baseTemplateId"`
		Panel          string       `json:"panel"`
		Interview      string       `json:"interview"`
		FieldValues    []fieldValue `json:"fieldValues"`
		CreatedAt      *int64       `json:"createdAt"`
		CompletedAt    *int64       `json:"completedAt"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.BaseTemplateID == "" {
		return nil, errBadRequest("baseTemplateId is required")
	}
	t := s.st.FeedbackTemplates[body.BaseTemplateID]
	if t == nil {
		return nil, errBadRequest("feedback template %s was not found", body.BaseTemplateID)
	}
	if (body.Panel == "") != (body.Interview == "") {
		return nil, errBadRequest("panel and interview go together: send both or neither")
	}
	typ := "share"
	if body.Panel != "" {
		p := s.st.Panels[body.Panel]
		if p == nil || p.OpportunityID != o.ID {
			return nil, errBadRequest("panel %s was not found on this opportunity", body.Panel)
		}
		if p.interview(body.Interview) == nil {
			return nil, errBadRequest("interview %s is not part of panel %s", body.Interview, body.Panel)
		}
		typ = "interview"
	}
	id := newID()
	fields, err := fillFields(t, body.FieldValues, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	f := &feedback{
		ID: id, OpportunityID: o.ID, Type: typ, Text: t.Text, Instructions: t.Instructions, BaseTemplateID: t.ID,
		Fields: fields, User: by.ID, Panel: body.Panel, Interview: body.Interview, CreatedAt: now, UpdatedAt: now, CompletedAt: now,
	}
	if body.CreatedAt != nil {
		f.CreatedAt = *body.CreatedAt
	}
	if body.CompletedAt != nil {
		f.CompletedAt = *body.CompletedAt
	}
	s.st.Feedback[f.ID] = f
	return created(viewFeedback(f)), nil
}

func (s *Sandbox) handleFeedbackUpdate(r *http.Request, c *credential) (*reply, error) {
	f, err := s.feedbackFor(r, c)
	if err != nil {
		return nil, err
	}
	if _, err := s.performAs(r, true); err != nil {
		return nil, err
	}
	var body struct {
		CompletedAt *int64       `json:"completedAt"`
		FieldValues []fieldValue `json:"fieldValues"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	t := s.st.FeedbackTemplates[f.BaseTemplateID]
	if t == nil {
		return nil, errBadRequest("the template of feedback %s no longer exists", f.ID)
	}
	fields, err := fillFields(t, body.FieldValues, f.ID)
	if err != nil {
		return nil, err
	}
	f.Fields, f.UpdatedAt = fields, s.now()
	if body.CompletedAt != nil {
		f.CompletedAt = *body.CompletedAt
	}
	return ok(viewFeedback(f)), nil
}

func (s *Sandbox) handleFeedbackDelete(r *http.Request, c *credential) (*reply, error) {
	f, err := s.feedbackFor(r, c)
	if err != nil {
		return nil, err
	}
	if _, err := s.performAs(r, true); err != nil {
		return nil, err
	}
	delete(s.st.Feedback, f.ID)
	return noContent(), nil
}
