package leverats

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"stagecoach/internal/ats"
	"stagecoach/internal/lever"
)

// Lever's forms: results are profile forms (from form templates), feedback
// is feedback forms (from feedback templates, whose one score-system field
// is the interviewer's rating).

func (d *Driver) formsAllowed(op string, kind ats.FormKind) error {
	caps := d.Capabilities()
	switch {
	case kind == ats.ResultsForm && caps.Forms, kind == ats.FeedbackForm && caps.FeedbackForms:
		return nil
	case kind != ats.ResultsForm && kind != ats.FeedbackForm:
		return refused(op, "unknown form kind %q", kind)
	}
	return refused(op, "this connection writes %s as notes, not forms", kind)
}

func toTemplate(id, text, instructions string, fields []lever.FormField) *ats.Template {
	t := &ats.Template{ID: id, Title: text, Instructions: instructions}
	for _, f := range fields {
		tf := ats.TemplateField{ID: f.ID, Type: f.Type, Name: f.Text, Description: f.Description, Required: f.Required}
		for _, o := range f.Options {
			tf.Options = append(tf.Options, o.Text)
		}
		t.Fields = append(t.Fields, tf)
	}
	return t
}

func fromTemplateFields(fields []ats.TemplateField) []lever.FormField {
	out := make([]lever.FormField, len(fields))
	for i, f := range fields {
		out[i] = lever.FormField{Type: f.Type, Text: f.Name, Description: f.Description, Required: f.Required}
		for _, o := range f.Options {
			out[i].Options = append(out[i].Options, lever.Option{Text: o})
		}
	}
	return out
}

// Templates lists Lever's form templates (results) or feedback templates.
func (d *Driver) Templates(ctx context.Context, kind ats.FormKind) iter.Seq2[*ats.Template, error] {
	const op = "lever: list templates"
	return func(yield func(*ats.Template, error) bool) {
		if err := d.formsAllowed(op, kind); err != nil {
			yield(nil, err)
			return
		}
		if kind == ats.ResultsForm {
			for t, err := range d.c.ListFormTemplates(ctx) {
				if err != nil {
					yield(nil, mapErr(op, err))
					return
				}
				if !yield(toTemplate(t.ID, t.Text, t.Instructions, t.Fields), nil) {
					return
				}
			}
			return
		}
		for t, err := range d.c.ListFeedbackTemplates(ctx) {
			if err != nil {
				yield(nil, mapErr(op, err))
				return
			}
			if !yield(toTemplate(t.ID, t.Text, t.Instructions, t.Fields), nil) {
				return
			}
		}
	}
}

// Template reads a form template (GET /form_templates/:id), or finds a
// feedback template among those listed (Lever has no read of one).
func (d *Driver) Template(ctx context.Context, kind ats.FormKind, id string) (*ats.Template, error) {
	const op = "lever: read template"
	if err := d.formsAllowed(op, kind); err != nil {
		return nil, err
	}
	if kind == ats.ResultsForm {
		t, err := d.c.GetFormTemplate(ctx, id)
		if err != nil {
			return nil, mapErr(op, err)
		}
		return toTemplate(t.ID, t.Text, t.Instructions, t.Fields), nil
	}
	for t, err := range d.Templates(ctx, kind) {
		if err != nil {
			return nil, err
		}
		if t.ID == id {
			return t, nil
		}
	}
	return nil, &ats.Error{Kind: ats.ErrNotFound, Op: op, Cause: fmt.Errorf("feedback template %s no longer exists", id)}
}

// CreateTemplate creates a form template or a feedback template (which
// Lever requires to have exactly one score-system field).
func (d *Driver) CreateTemplate(ctx context.Context, kind ats.FormKind, t ats.Template) (*ats.Template, error) {
	const op = "lever: create template"
	if err := d.formsAllowed(op, kind); err != nil {
		return nil, err
	}
	if strings.TrimSpace(t.Title) == "" {
		return nil, refused(op, "the template has no title")
	}
	if kind == ats.ResultsForm {
		ft, err := d.c.CreateFormTemplate(ctx, lever.FormTemplateInput{Text: t.Title, Instructions: t.Instructions, Fields: fromTemplateFields(t.Fields)})
		if err != nil {
			return nil, mapErr(op, err)
		}
		return toTemplate(ft.ID, ft.Text, ft.Instructions, ft.Fields), nil
	}
	ft, err := d.c.CreateFeedbackTemplate(ctx, lever.FeedbackTemplateInput{Text: t.Title, Instructions: t.Instructions, Fields: fromTemplateFields(t.Fields)})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return toTemplate(ft.ID, ft.Text, ft.Instructions, ft.Fields), nil
}

func formValues(fields []lever.FormField) []string {
	var out []string
	for _, f := range fields {
		if s, ok := f.Value.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Forms lists the opportunity's profile forms (results) or feedback forms.
func (d *Driver) Forms(ctx context.Context, applicationID string, kind ats.FormKind) iter.Seq2[*ats.Form, error] {
	const op = "lever: list forms"
	return func(yield func(*ats.Form, error) bool) {
		if err := d.formsAllowed(op, kind); err != nil {
			yield(nil, err)
			return
		}
		if kind == ats.ResultsForm {
			for f, err := range d.c.ListProfileForms(ctx, applicationID) {
				if err != nil {
					yield(nil, mapErr(op, err))
					return
				}
				if !yield(&ats.Form{ID: f.ID, TemplateID: f.BaseTemplateID, Values: formValues(f.Fields)}, nil) {
					return
				}
			}
			return
		}
		for f, err := range d.c.ListFeedback(ctx, applicationID) {
			if err != nil {
				yield(nil, mapErr(op, err))
				return
			}
			if !yield(&ats.Form{ID: f.ID, TemplateID: f.BaseTemplateID, Values: formValues(f.Fields)}, nil) {
				return
			}
		}
	}
}

// WriteForm fills in a form. A profile form must carry every field of its
// template, in order: the template is read, each field answered by its id
// or else by its name (regardless of case), the others sent empty. A
// feedback form carries the answered fields by id, as Lever takes them.
func (d *Driver) WriteForm(ctx context.Context, applicationID string, kind ats.FormKind, templateID string, answers map[string]string, as string) (string, error) {
	const op = "lever: write form"
	if err := d.formsAllowed(op, kind); err != nil {
		return "", err
	}
	if kind == ats.FeedbackForm {
		var fvs []lever.FieldValue
		for id, v := range answers {
			if v != "" {
				fvs = append(fvs, lever.FieldValue{ID: id, Value: v})
			}
		}
		fb, err := d.c.CreateFeedback(ctx, applicationID, lever.FeedbackInput{BaseTemplateID: templateID, FieldValues: fvs}, d.as(as))
		if err != nil {
			return "", mapErr(op, err)
		}
		return fb.ID, nil
	}
	tpl, err := d.c.GetFormTemplate(ctx, templateID)
	if err != nil {
		return "", mapErr(op, err)
	}
	byName := map[string]string{}
	for k, v := range answers {
		byName[strings.ToLower(k)] = v
	}
	fields := make([]lever.FormField, len(tpl.Fields))
	for i, f := range tpl.Fields {
		v, ok := answers[f.ID]
		if !ok || f.ID == "" {
			v = byName[strings.ToLower(f.Text)]
		}
		f.ID, f.Value = "", nil
		if v != "" {
			f.Value = v
		}
		if f.Value == nil && f.Required {
			return "", refused(op, "form template %q has a required field %q stagecoach cannot fill", tpl.Text, f.Text)
		}
		fields[i] = f
	}
	form, err := d.c.CreateProfileForm(ctx, applicationID, lever.ProfileFormInput{BaseTemplateID: templateID, Fields: fields}, d.as(as))
	if err != nil {
		return "", mapErr(op, err)
	}
	return form.ID, nil
}
