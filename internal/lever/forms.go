package lever

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
)

// FormField is a field of a profile form, form template, feedback form or
// feedback template. Type is one of Lever's field types (text, textarea,
// dropdown, multiple-choice, multiple-select, yes-no, date, currency,
// score-system, …). Value's shape depends on the type: a string for text and
// choice fields, []string for multiple-select, "yes"/"no" for yes-no,
// milliseconds for date, nil when unanswered.
type FormField struct {
	ID          string   `json:"id,omitempty"`
	Type        string   `json:"type"`
	Text        string   `json:"text"`
	Description string   `json:"description"`
	Required    bool     `json:"required"`
	Options     []Option `json:"options,omitempty"`
	Value       any      `json:"value"`
}

// UnmarshalJSON tolerates a quoted "required" flag.
func (f *FormField) UnmarshalJSON(b []byte) error {
	type plain FormField
	aux := struct {
		*plain
		Required flexBool `json:"required"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	f.Required = bool(aux.Required)
	return nil
}

// Option is a choice of a dropdown, multiple-choice, multiple-select or
// score-system field.
type Option struct {
	Text string `json:"text"`
}

// templateField is a FormField as sent when creating a template: no id, no
// value.
type templateField struct {
	Type        string   `json:"type"`
	Text        string   `json:"text"`
	Description string   `json:"description"`
	Required    bool     `json:"required"`
	Options     []Option `json:"options,omitempty"`
}

// formFieldValue is a FormField as sent when creating a profile form: the
// template field without its id, plus value (null when unanswered).
type formFieldValue struct {
	templateField
	Value any `json:"value"`
}

// ProfileForm is a profile form (type "form") filled in on an opportunity.
type ProfileForm struct {
	ID             string      `json:"id"`
	Type           string      `json:"type"`
	Text           string      `json:"text"`
	BaseTemplateID string      `json:"baseTemplateId"`
	User           string      `json:"user"`
	Stage          string      `json:"stage"`
	Fields         []FormField `json:"fields"`
	CreatedAt      Millis      `json:"createdAt"`
	CompletedAt    Millis      `json:"completedAt"`
}

// UnmarshalJSON tolerates expanded user and stage.
func (p *ProfileForm) UnmarshalJSON(b []byte) error {
	type plain ProfileForm
	aux := struct {
		*plain
		User  idString `json:"user"`
		Stage idString `json:"stage"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	p.User, p.Stage = string(aux.User), string(aux.Stage)
	return nil
}

// ProfileFormInput is the body of CreateProfileForm. Lever requires every
// field of the template, in order, with unanswered optional ones carrying a
// nil Value: start from the template's Fields and set Value on each.
type ProfileFormInput struct {
	BaseTemplateID string
	// Secret overrides the template's secretByDefault when not nil.
	Secret *bool
	Fields []FormField
}

// CreateProfileForm fills in a profile form on an opportunity from the
// template in.BaseTemplateID. performAs is optional. Field ids are not sent
// (Lever's example omits them and gives the form new ones).
func (c *Client) CreateProfileForm(ctx context.Context, oppID string, in ProfileFormInput, performAs string) (*ProfileForm, error) {
	const op = "create profile form"
	if err := needID(op, "opportunity id", oppID); err != nil {
		return nil, err
	}
	if err := needID(op, "base template id", in.BaseTemplateID); err != nil {
		return nil, err
	}
	if len(in.Fields) == 0 {
		return nil, badRequest(op, "fields are required")
	}
	body := struct {
		BaseTemplateID string           `json:"baseTemplateId"`
		Secret         *bool            `json:"secret,omitempty"`
		Fields         []formFieldValue `json:"fields"`
	}{BaseTemplateID: in.BaseTemplateID, Secret: in.Secret}
	for _, f := range in.Fields {
		body.Fields = append(body.Fields, formFieldValue{templateField: toTemplateField(f), Value: f.Value})
	}
	cl, err := jsonCall(http.MethodPost, "/opportunities/:id/forms", "/opportunities/"+seg(oppID)+"/forms", body)
	if err != nil {
		return nil, err
	}
	var form ProfileForm
	if err := c.send(ctx, cl.withPerformAs(performAs), &form); err != nil {
		return nil, err
	}
	return &form, nil
}

func toTemplateField(f FormField) templateField {
	return templateField{Type: f.Type, Text: f.Text, Description: f.Description, Required: f.Required, Options: f.Options}
}

// ListProfileForms iterates over an opportunity's profile forms.
func (c *Client) ListProfileForms(ctx context.Context, oppID string) iter.Seq2[*ProfileForm, error] {
	if err := needID("list profile forms", "opportunity id", oppID); err != nil {
		return failed[ProfileForm](err)
	}
	return list[ProfileForm](ctx, c, "/opportunities/:id/forms", "/opportunities/"+seg(oppID)+"/forms", nil, 0)
}

// FormTemplate is a profile form template.
type FormTemplate struct {
	ID              string      `json:"id"`
	Text            string      `json:"text"`
	Instructions    string      `json:"instructions"`
	SecretByDefault bool        `json:"secretByDefault"`
	Fields          []FormField `json:"fields"`
	CreatedAt       Millis      `json:"createdAt"`
	UpdatedAt       Millis      `json:"updatedAt"`
}

// FormTemplateInput is the body of CreateFormTemplate. Field ids and values
// are ignored.
type FormTemplateInput struct {
	Text            string
	Instructions    string
	SecretByDefault bool
	Fields          []FormField
}

// ListFormTemplates iterates over the account's active profile form templates.
func (c *Client) ListFormTemplates(ctx context.Context) iter.Seq2[*FormTemplate, error] {
	return list[FormTemplate](ctx, c, "/form_templates", "/form_templates", nil, 0)
}

// GetFormTemplate fetches one profile form template.
func (c *Client) GetFormTemplate(ctx context.Context, id string) (*FormTemplate, error) {
	if err := needID("get form template", "form template id", id); err != nil {
		return nil, err
	}
	var t FormTemplate
	if err := c.getJSON(ctx, "/form_templates/:id", "/form_templates/"+seg(id), nil, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateFormTemplate creates a profile form template; the answer carries the
// generated field ids.
func (c *Client) CreateFormTemplate(ctx context.Context, in FormTemplateInput) (*FormTemplate, error) {
	const op = "create form template"
	if in.Text == "" {
		return nil, badRequest(op, "text is required")
	}
	if len(in.Fields) == 0 {
		return nil, badRequest(op, "at least one field is required")
	}
	body := struct {
		Text            string          `json:"text"`
		Instructions    string          `json:"instructions"`
		SecretByDefault bool            `json:"secretByDefault"`
		Fields          []templateField `json:"fields"`
	}{Text: in.Text, Instructions: in.Instructions, SecretByDefault: in.SecretByDefault}
	for _, f := range in.Fields {
		body.Fields = append(body.Fields, toTemplateField(f))
	}
	cl, err := jsonCall(http.MethodPost, "/form_templates", "/form_templates", body)
	if err != nil {
		return nil, err
	}
	var t FormTemplate
	if err := c.send(ctx, cl, &t); err != nil {
		return nil, err
	}
	return &t, nil
}
