package leversandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// formFieldTypes are the field types profile forms and their templates take.
var formFieldTypes = []string{"currency", "date", "dropdown", "multiple-choice", "multiple-select", "text", "textarea", "yes-no"}

// feedbackFieldTypes are the field types of feedback templates: those
// Lever's "Feedback Templates" lists (code, date, dropdown, multiple choice,
// multiple select, score system, score, scorecard, text, textarea, yes/no),
// and currency, which its own "Create a feedback template" example sends.
// file-upload, note and university belong to other forms ("most forms (e.g.
// referrals, feedback) only support a subset of available field types").
var feedbackFieldTypes = []string{"code", "currency", "date", "dropdown", "multiple-choice", "multiple-select",
	"score-system", "score", "scorecard", "text", "textarea", "yes-no"}

var choiceTypes = []string{"dropdown", "multiple-choice", "multiple-select", "score-system"}

type groupView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func viewGroup(id string) *groupView {
	if id == "" {
		return nil
	}
	return &groupView{ID: id, Name: id}
}

type formTemplateView struct {
	ID              string     `json:"id"`
	Text            string     `json:"text"`
	Group           *groupView `json:"group"`
	Instructions    string     `json:"instructions"`
	SecretByDefault bool       `json:"secretByDefault"`
	Fields          []field    `json:"fields"`
	CreatedAt       int64      `json:"createdAt"`
	UpdatedAt       int64      `json:"updatedAt"`
}

func viewFormTemplate(t *formTemplate) formTemplateView {
	return formTemplateView{
		ID: t.ID, Text: t.Text, Group: viewGroup(t.Group), Instructions: t.Instructions,
		SecretByDefault: t.SecretByDefault, Fields: templateFields(t.Fields), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
}

// templateFields drops values: a template's fields carry none.
func templateFields(fs []field) []field {
	out := make([]field, 0, len(fs))
	for _, f := range fs {
		f.Value = nil
		out = append(out, f)
	}
	return out
}

type profileFormView struct {
	ID             string  `json:"id"`
	Type           string  `json:"type"`
	Text           string  `json:"text"`
	Instructions   string  `json:"instructions"`
	BaseTemplateID string  `json:"baseTemplateId"`
	Fields         []field `json:"fields"`
	User           *string `json:"user"`
	Stage          string  `json:"stage"`
	Secret         bool    `json:"secret"`
	CreatedAt      int64   `json:"createdAt"`
	CompletedAt    int64   `json:"completedAt"`
	DeletedAt      *int64  `json:"deletedAt"`
}

func viewForm(f *profileForm) profileFormView {
	return profileFormView{
		ID: f.ID, Type: "form", Text: f.Text, Instructions: f.Instructions, BaseTemplateID: f.BaseTemplateID,
		Fields: valuedFields(f.Fields), User: f.User, Stage: f.Stage, Secret: f.Secret, CreatedAt: f.CreatedAt, CompletedAt: f.CompletedAt,
	}
}

// valuedFields makes every field carry a value key, null when unanswered.
func valuedFields(fs []field) []field {
	out := make([]field, 0, len(fs))
	for _, f := range fs {
		if len(f.Value) == 0 {
			f.Value = json.RawMessage("null")
		}
		out = append(out, f)
	}
	return out
}

// fieldInput is a template field as sent by a client (a template definition
// or a filled-in form field).
type fieldInput struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	Text        string          `json:"text"`
	Description string          `json:"description"`
	Required    bool            `json:"required"`
	Options     []option        `json:"options"`
	Value       json.RawMessage `json:"value"`
	Currency    string          `json:"currency"`
	Prompt      string          `json:"prompt"`
}

// templateFieldsFrom validates template field definitions against the
// allowed types and gives them new ids.
func templateFieldsFrom(in []fieldInput, allowed []string) ([]field, error) {
	if len(in) == 0 {
		return nil, errBadRequest("fields must hold at least one field")
	}
	out := make([]field, 0, len(in))
	for i, f := range in {
		if !slices.Contains(allowed, f.Type) {
			return nil, errBadRequest("fields[%d].type must be one of %s, got %q", i, strings.Join(allowed, ", "), f.Type)
		}
		if strings.TrimSpace(f.Text) == "" {
			return nil, errBadRequest("fields[%d].text is required", i)
		}
		opts := f.Options
		if f.Type == "score-system" && len(opts) == 0 {
			opts = scoreSystemOptions
		}
		if slices.Contains(choiceTypes, f.Type) && len(opts) == 0 {
			return nil, errBadRequest("fields[%d] (%s) needs options", i, f.Type)
		}
		out = append(out, field{ID: newID(), Type: f.Type, Text: f.Text, Description: f.Description, Required: f.Required, Options: opts})
	}
	return out, nil
}

// checkValue validates one answer against its template field. raw may be
// empty or null for an unanswered field.
func checkValue(f field, raw json.RawMessage, where string) error {
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if f.Required {
			return errBadRequest("%s (%q) is required", where, f.Text)
		}
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return errBadRequest("%s: invalid value", where)
	}
	optionTexts := make([]string, 0, len(f.Options))
	for _, o := range f.Options {
		optionTexts = append(optionTexts, o.Text)
	}
	bad := func(want string) error { return errBadRequest("%s (%q): value must be %s", where, f.Text, want) }
	switch f.Type {
	case "text", "textarea", "code", "university":
		if _, isStr := v.(string); !isStr {
			return bad("a string")
		}
	case "dropdown", "multiple-choice", "score-system":
		str, isStr := v.(string)
		if !isStr || !slices.Contains(optionTexts, str) {
			return bad("one of the options " + strings.Join(optionTexts, ", "))
		}
	case "multiple-select":
		arr, isArr := v.([]any)
		if !isArr {
			return bad("an array of option texts")
		}
		for _, x := range arr {
			if str, isStr := x.(string); !isStr || !slices.Contains(optionTexts, str) {
				return bad("an array of option texts from " + strings.Join(optionTexts, ", "))
			}
		}
	case "yes-no":
		if v != "yes" && v != "no" {
			return bad(`"yes", "no" or null`)
		}
	case "date":
		n, isNum := v.(float64)
		if !isNum || n != float64(int64(n)) {
			return bad("a timestamp in milliseconds")
		}
	case "currency":
		if _, isNum := v.(float64); !isNum {
			return bad("a number")
		}
	case "score":
		n, isNum := v.(float64)
		if !isNum || n != float64(int64(n)) || n < 1 || n > 4 {
			return bad("an integer from 1 to 4")
		}
	case "scorecard":
		arr, isArr := v.([]any)
		if !isArr {
			return bad("an array of {score, comment}")
		}
		for _, x := range arr {
			o, isObj := x.(map[string]any)
			if !isObj {
				return bad("an array of {score, comment}")
			}
			if sc, has := o["score"]; has && sc != nil {
				n, isNum := sc.(float64)
				if !isNum || n != float64(int64(n)) || n < 1 || n > 4 {
					return bad("an array of {score, comment} whose score is an integer from 1 to 4 or null")
				}
			}
			if cm, has := o["comment"]; has && cm != nil {
				if _, isStr := cm.(string); !isStr {
					return bad("an array of {score, comment} whose comment is a string")
				}
			}
		}
	}
	return nil
}

func formTemplateKey(t *formTemplate) (int64, string) { return t.CreatedAt, t.ID }

func (s *Sandbox) handleFormTemplateList(r *http.Request, _ *credential) (*reply, error) {
	items, p, err := paginate(s, r, sortedValues(s.st.FormTemplates, formTemplateKey), formTemplateKey)
	if err != nil {
		return nil, err
	}
	include := multi(r.URL.Query(), "include")
	out := make([]any, 0, len(items))
	for _, t := range items {
		out = append(out, shape(viewFormTemplate(t), include, nil))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) formTemplateFor(r *http.Request) (*formTemplate, error) {
	id := r.PathValue("template")
	t := s.st.FormTemplates[id]
	if t == nil {
		return nil, errNotFound("form_templates", id)
	}
	return t, nil
}

func (s *Sandbox) handleFormTemplateGet(r *http.Request, _ *credential) (*reply, error) {
	t, err := s.formTemplateFor(r)
	if err != nil {
		return nil, err
	}
	return ok(shape(viewFormTemplate(t), multi(r.URL.Query(), "include"), nil)), nil
}

type formTemplateInput struct {
	Text            string       `json:"text"`
	Instructions    string       `json:"instructions"`
	Group           string       `json:"group"`
	SecretByDefault bool         `json:"secretByDefault"`
	Fields          []fieldInput `json:"fields"`
}

func (in formTemplateInput) build() (*formTemplate, error) {
	if strings.TrimSpace(in.Text) == "" {
		return nil, errBadRequest("text is required")
	}
	fields, err := templateFieldsFrom(in.Fields, formFieldTypes)
	if err != nil {
		return nil, err
	}
	return &formTemplate{Text: in.Text, Instructions: in.Instructions, Group: in.Group, SecretByDefault: in.SecretByDefault, Fields: fields, ViaAPI: true}, nil
}

func (s *Sandbox) handleFormTemplateCreate(r *http.Request, _ *credential) (*reply, error) {
	var in formTemplateInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	t, err := in.build()
	if err != nil {
		return nil, err
	}
	now := s.now()
	t.ID, t.CreatedAt, t.UpdatedAt = newID(), now, now
	s.st.FormTemplates[t.ID] = t
	return created(viewFormTemplate(t)), nil
}

func (s *Sandbox) handleFormTemplateUpdate(r *http.Request, _ *credential) (*reply, error) {
	old, err := s.formTemplateFor(r)
	if err != nil {
		return nil, err
	}
	if !old.ViaAPI {
		return nil, errForbidden("form template %s was not created through the API and cannot be changed through it", old.ID)
	}
	var in formTemplateInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	t, err := in.build()
	if err != nil {
		return nil, err
	}
	t.ID, t.CreatedAt, t.UpdatedAt = old.ID, old.CreatedAt, s.now()
	s.st.FormTemplates[t.ID] = t
	return ok(viewFormTemplate(t)), nil
}

func (s *Sandbox) handleFormTemplateDelete(r *http.Request, _ *credential) (*reply, error) {
	t, err := s.formTemplateFor(r)
	if err != nil {
		return nil, err
	}
	if !t.ViaAPI {
		return nil, errForbidden("form template %s was not created through the API and cannot be deleted through it", t.ID)
	}
	delete(s.st.FormTemplates, t.ID)
	return noContent(), nil
}

func formKey(f *profileForm) (int64, string) { return f.CreatedAt, f.ID }

func (s *Sandbox) formsOf(oppID string) []*profileForm {
	var out []*profileForm
	for _, f := range sortedValues(s.st.Forms, formKey) {
		if f.OpportunityID == oppID {
			out = append(out, f)
		}
	}
	return out
}

func (s *Sandbox) handleFormList(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	items, p, err := paginate(s, r, s.formsOf(o.ID), formKey)
	if err != nil {
		return nil, err
	}
	out := make([]profileFormView, 0, len(items))
	for _, f := range items {
		out = append(out, viewForm(f))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) handleFormGet(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("form")
	f := s.st.Forms[id]
	if f == nil || f.OpportunityID != o.ID {
		return nil, errNotFound("forms", id)
	}
	return ok(viewForm(f)), nil
}

// handleFormCreate creates a profile form from a template. Every template
// field must be sent, in order, with matching type and text; any mismatch
// is a 400 and nothing is created.
func (s *Sandbox) handleFormCreate(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, false)
	if err != nil {
		return nil, err
	}
	var body struct {
		BaseTemplateID string       `json:"baseTemplateId"`
		Secret         *bool        `json:"secret"`
		Fields         []fieldInput `json:"fields"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.BaseTemplateID == "" {
		return nil, errBadRequest("baseTemplateId is required")
	}
	t := s.st.FormTemplates[body.BaseTemplateID]
	if t == nil {
		return nil, errBadRequest("form template %s was not found", body.BaseTemplateID)
	}
	if len(body.Fields) != len(t.Fields) {
		return nil, errBadRequest("fields must hold every field of template %s: want %d, got %d", t.ID, len(t.Fields), len(body.Fields))
	}
	fields := make([]field, 0, len(t.Fields))
	for i, tf := range t.Fields {
		in := body.Fields[i]
		where := "fields[" + itoa(i) + "]"
		if in.ID != "" && in.ID != tf.ID {
			return nil, errBadRequest("%s.id %s is not field %d of template %s", where, in.ID, i, t.ID)
		}
		if in.ID == "" && (in.Type != tf.Type || in.Text != tf.Text) {
			return nil, errBadRequest("%s does not match the template: want type %q text %q, got type %q text %q", where, tf.Type, tf.Text, in.Type, in.Text)
		}
		if len(in.Options) > 0 && !sameOptions(in.Options, tf.Options) {
			return nil, errBadRequest("%s.options do not match the template's options", where)
		}
		if err := checkValue(tf, in.Value, where); err != nil {
			return nil, err
		}
		f := tf
		f.ID = newID()
		f.Value = nil
		if len(in.Value) > 0 {
			f.Value = in.Value
		}
		if tf.Type == "currency" {
			f.Currency = in.Currency
		}
		fields = append(fields, f)
	}
	secret := t.SecretByDefault
	if body.Secret != nil {
		secret = *body.Secret
	}
	now := s.now()
	f := &profileForm{
		ID: newID(), OpportunityID: o.ID, Text: t.Text, Instructions: t.Instructions, BaseTemplateID: t.ID,
		Fields: fields, User: userIDPtr(by), Stage: o.StageID, Secret: secret, CreatedAt: now, CompletedAt: now,
	}
	s.st.Forms[f.ID] = f
	return created(viewForm(f)), nil
}

func sameOptions(a, b []option) bool {
	return slices.EqualFunc(a, b, func(x, y option) bool { return x.Text == y.Text })
}
