// Package leverats is the Lever driver of the ATS port (package ats): it
// implements ats.Driver over the Lever client (package lever), in Lever's
// words: an application is an opportunity, a candidate its contact, a job a
// posting, stages are account-wide, structured results a profile form
// from a template, the acting user Lever's perform_as.
//
//	d, err := leverats.New(leverats.Config{Client: client, PerformAs: userID})
//	app, err := d.Application(ctx, opportunityID)
//	_, err = d.WriteNote(ctx, app.ID, ats.Note{Text: "Invited", MentionUserID: app.Owner.ID}, "")
package leverats

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/lever"
)

// Config configures a Driver.
type Config struct {
	// Client is the Lever client of the account (required).
	Client *lever.Client
	// PerformAs is the Lever user id writes are made as when a call names
	// no acting user. Empty means none: Lever then refuses the writes that
	// require perform_as (files, creates), and writes that allow it have no
	// author.
	PerformAs string
	// ResultsAsNotes writes structured results and interview feedback as
	// notes instead of profile and feedback forms, for credentials that may
	// not write forms; Capabilities then reports neither kind of form.
	ResultsAsNotes bool
}

// Driver is the Lever driver. It is safe for concurrent use.
type Driver struct {
	c   *lever.Client
	cfg Config
	// configProblems are what CheckConfig reports (set by Open).
	configProblems []string

	// The stages writes resolve against, read at most once a minute while
	// the stage asked for is among them (Lever's stages are account-wide
	// and rarely change).
	mu       sync.Mutex
	stagesAt time.Time
	stages   []ats.Stage
}

// New returns a Driver for cfg.
func New(cfg Config) (*Driver, error) {
	if cfg.Client == nil {
		return nil, errors.New("leverats: config: Client is required")
	}
	return &Driver{c: cfg.Client, cfg: cfg}, nil
}

// Name returns "lever".
func (d *Driver) Name() string { return "lever" }

// Capabilities reports what Lever can do: profile and feedback forms
// (unless Config.ResultsAsNotes), @-mentions, account-wide stages,
// the webhooks API and confidential postings.
func (d *Driver) Capabilities() ats.Capabilities {
	return ats.Capabilities{
		Forms: !d.cfg.ResultsAsNotes, FeedbackForms: !d.cfg.ResultsAsNotes, Mentions: true,
		PerJobStages: false, WebhooksAPI: true, ConfidentialJobs: true, JobTags: true,
	}
}

func (d *Driver) as(as string) string {
	if as != "" {
		return as
	}
	return d.cfg.PerformAs
}

// opportunityExpand are the fields expanded when reading an opportunity:
// the posting (through its application), the owner's name and username,
// the stage's text and the contact.
var opportunityExpand = []string{"applications", "owner", "stage", "contact"}

// Application reads the opportunity id. Lever answers a deleted
// opportunity with its deletedAt: that is ErrNotFound as well.
func (d *Driver) Application(ctx context.Context, id string) (*ats.Application, error) {
	const op = "lever: read application"
	o, err := d.c.GetOpportunity(ctx, id, opportunityExpand...)
	if err != nil {
		return nil, mapErr(op, err)
	}
	if o.DeletedAt != 0 {
		return nil, &ats.Error{Kind: ats.ErrNotFound, Op: op, Cause: fmt.Errorf("opportunity %s was deleted", id)}
	}
	return toApplication(o), nil
}

// ArchiveReasons lists Lever's archive reasons; those of type "hired" mean
// the candidate was hired.
func (d *Driver) ArchiveReasons(ctx context.Context) ([]ats.ArchiveReason, error) {
	reasons, err := d.c.ListArchiveReasons(ctx)
	if err != nil {
		return nil, mapErr("lever: list archive reasons", err)
	}
	out := make([]ats.ArchiveReason, len(reasons))
	for i, r := range reasons {
		out[i] = ats.ArchiveReason{ID: r.ID, Name: r.Text, Hired: r.Type == "hired"}
	}
	return out, nil
}

// Interview reads an interview of the opportunity.
func (d *Driver) Interview(ctx context.Context, applicationID, id string) (*ats.Interview, error) {
	iv, err := d.c.GetInterview(ctx, applicationID, id)
	if err != nil {
		return nil, mapErr("lever: read interview", err)
	}
	out := &ats.Interview{
		ID: iv.ID, PanelID: iv.Panel, Subject: iv.Subject, Note: iv.Note, Start: iv.Date.Time(),
		Duration: time.Duration(iv.Duration) * time.Minute, Timezone: iv.Timezone, Location: iv.Location,
		FeedbackTemplate: iv.FeedbackTemplate, StageID: iv.Stage, JobIDs: iv.Postings,
	}
	if iv.CanceledAt != 0 {
		out.CanceledAt = iv.CanceledAt.Time()
	}
	for _, u := range iv.Interviewers {
		out.Interviewers = append(out.Interviewers, ats.User{ID: u.ID, Name: u.Name, Email: u.Email})
	}
	return out, nil
}

// Notes lists the opportunity's notes, each with its text as Lever shows
// it.
func (d *Driver) Notes(ctx context.Context, applicationID string) iter.Seq2[*ats.NoteRecord, error] {
	return func(yield func(*ats.NoteRecord, error) bool) {
		listed("lever: list notes", d.c.ListNotes(ctx, applicationID), func(n *lever.Note) (*ats.NoteRecord, bool) {
			return &ats.NoteRecord{ID: n.ID, Text: n.Value()}, true
		})(yield)
	}
}

// Files lists the opportunity's files.
func (d *Driver) Files(ctx context.Context, applicationID string) iter.Seq2[*ats.FileRecord, error] {
	return func(yield func(*ats.FileRecord, error) bool) {
		listed("lever: list files", d.c.ListFiles(ctx, applicationID), func(f *lever.FileInfo) (*ats.FileRecord, bool) {
			return &ats.FileRecord{ID: f.ID, Name: f.Name}, true
		})(yield)
	}
}

func toUser(u *lever.User) *ats.User {
	return &ats.User{ID: u.ID, Name: u.Name, Email: u.Email, Username: u.Username, Deactivated: u.DeactivatedAt != 0}
}

// User reads a Lever user.
func (d *Driver) User(ctx context.Context, id string) (*ats.User, error) {
	u, err := d.c.GetUser(ctx, id)
	if err != nil {
		return nil, mapErr("lever: read user", err)
	}
	return toUser(u), nil
}

// UserByEmail finds the active Lever user with an e-mail address.
func (d *Driver) UserByEmail(ctx context.Context, email string) (*ats.User, error) {
	u, err := d.c.FindUserByEmail(ctx, email)
	if err != nil {
		return nil, mapErr("lever: find user by e-mail", err)
	}
	return toUser(u), nil
}

// Users lists Lever's users.
func (d *Driver) Users(ctx context.Context, p ats.UserListing) iter.Seq2[*ats.User, error] {
	return func(yield func(*ats.User, error) bool) {
		listed("lever: list users", d.c.ListUsers(ctx, lever.ListUsersParams{IncludeDeactivated: p.IncludeDeactivated}), all(toUser))(yield)
	}
}

func toApplication(o *lever.Opportunity) *ats.Application {
	app := &ats.Application{
		ID:             o.ID,
		Candidate:      ats.Candidate{ID: o.Contact.ID, Name: o.Name, Emails: o.Emails},
		JobID:          o.PostingID(),
		Stage:          ats.Stage{ID: o.Stage.ID, Name: o.Stage.Text},
		StageEnteredAt: o.LastAdvancedAt.Time(),
		Tags:           o.Tags,
		Owner:          ats.User{ID: o.Owner.ID, Name: o.Owner.Name, Email: o.Owner.Email, Username: o.Owner.Username},
		Archived:       o.Archived != nil && o.Archived.ArchivedAt != 0,
		Confidential:   o.Confidentiality == "confidential",
		URL:            o.URLs.Show,
	}
	if app.Archived {
		app.ArchivedAt, app.ArchiveReasonID = o.Archived.ArchivedAt.Time(), o.Archived.Reason
	}
	app.Candidate.Links, app.Sources = o.Links, o.Sources
	for _, p := range o.Phones {
		app.Candidate.Phones = append(app.Candidate.Phones, ats.Phone{Type: p.Type, Value: p.Value})
	}
	if app.Candidate.Name == "" {
		app.Candidate.Name = o.Contact.Name
	}
	if len(app.Candidate.Emails) == 0 {
		app.Candidate.Emails = o.Contact.Emails
	}
	return app
}

// Stages lists the account's stages; jobID is ignored (Lever's stages are
// account-wide).
func (d *Driver) Stages(ctx context.Context, _ string) ([]ats.Stage, error) {
	stages, err := d.c.ListStages(ctx)
	if err != nil {
		return nil, mapErr("lever: list stages", err)
	}
	out := make([]ats.Stage, len(stages))
	for i, s := range stages {
		out[i] = ats.Stage{ID: s.ID, Name: s.Text}
	}
	return out, nil
}

func (d *Driver) resolveStage(ctx context.Context, op, stage string) (ats.Stage, error) {
	if strings.TrimSpace(stage) == "" {
		return ats.Stage{}, refused(op, "a stage is required")
	}
	d.mu.Lock()
	cached, at := d.stages, d.stagesAt
	d.mu.Unlock()
	if time.Since(at) < time.Minute {
		if st, ok := ats.FindStage(cached, stage); ok {
			return st, nil
		}
	}
	stages, err := d.Stages(ctx, "")
	if err != nil {
		return ats.Stage{}, err
	}
	d.mu.Lock()
	d.stages, d.stagesAt = stages, time.Now()
	d.mu.Unlock()
	st, ok := ats.FindStage(stages, stage)
	if !ok {
		return ats.Stage{}, refused(op, "Lever has no stage %q", stage)
	}
	return st, nil
}

// WriteNote adds a note. A mentioned user is @-mentioned by their Lever
// username at the start of the note (Lever notifies them); a user without
// a username is named in plain text.
func (d *Driver) WriteNote(ctx context.Context, applicationID string, n ats.Note, as string) (string, error) {
	const op = "lever: write note"
	if strings.TrimSpace(n.Text) == "" {
		return "", refused(op, "the note's text is empty")
	}
	text := n.Text
	if n.MentionUserID != "" {
		u, err := d.c.GetUser(ctx, n.MentionUserID)
		if err != nil {
			return "", mapErr(op+": read the mentioned user", err)
		}
		if u.Username != "" {
			text = "@" + u.Username + " " + text
		} else {
			text = u.Name + ": " + text
		}
	}
	id, err := d.c.CreateNote(ctx, applicationID, lever.NoteInput{Value: text}, d.as(as))
	return id, mapErr(op, err)
}

// AddTags adds tags to the opportunity.
func (d *Driver) AddTags(ctx context.Context, applicationID string, tags []string, as string) error {
	if len(tags) == 0 {
		return refused("lever: add tags", "no tags given")
	}
	return mapErr("lever: add tags", d.c.AddTags(ctx, applicationID, tags, d.as(as)))
}

// RemoveTags removes tags from the opportunity.
func (d *Driver) RemoveTags(ctx context.Context, applicationID string, tags []string, as string) error {
	if len(tags) == 0 {
		return refused("lever: remove tags", "no tags given")
	}
	return mapErr("lever: remove tags", d.c.RemoveTags(ctx, applicationID, tags, d.as(as)))
}

// MoveToStage resolves the stage against GET /stages and moves the
// opportunity by the stage's id, as Lever requires.
func (d *Driver) MoveToStage(ctx context.Context, applicationID, stage string, as string) error {
	const op = "lever: move to stage"
	st, err := d.resolveStage(ctx, op, stage)
	if err != nil {
		return err
	}
	return mapErr(op, d.c.UpdateStage(ctx, applicationID, st.ID, d.as(as)))
}

// UploadFile attaches f to the opportunity's files. Lever requires an
// acting user.
func (d *Driver) UploadFile(ctx context.Context, applicationID string, f ats.File, as string) (string, error) {
	const op = "lever: upload file"
	if d.as(as) == "" {
		return "", refused(op, "Lever requires an acting user (perform_as) to upload a file")
	}
	if f.Name == "" {
		return "", refused(op, "the file has no name")
	}
	info, err := d.c.UploadFile(ctx, applicationID, lever.File{Name: f.Name, ContentType: f.ContentType, Data: f.Data}, d.as(as))
	if err != nil {
		return "", mapErr(op, err)
	}
	return info.ID, nil
}

// WriteResults fills in a profile form from the template titled r.Title,
// creating the template (one text or textarea field per result, none
// required) when the account has none of that name. Lever requires every
// template field in the request, in order: fields the results leave empty
// are sent as null, and a required template field they leave empty, or a
// result the template has no field for, is refused before anything is
// written. With Config.ResultsAsNotes the results are a note instead.
func (d *Driver) WriteResults(ctx context.Context, applicationID string, r ats.Results, as string) (string, error) {
	const op = "lever: write results"
	if strings.TrimSpace(r.Title) == "" {
		return "", refused(op, "the results have no title")
	}
	if len(r.Fields) == 0 {
		return "", refused(op, "the results have no fields")
	}
	if !d.Capabilities().Forms {
		return d.WriteNote(ctx, applicationID, ats.Note{Text: ats.ResultsNote(r)}, as)
	}
	tplID, err := d.formTemplate(ctx, r)
	if err != nil {
		return "", err
	}
	tpl, err := d.c.GetFormTemplate(ctx, tplID)
	if err != nil {
		return "", mapErr(op, err)
	}
	values := map[string]string{}
	for _, f := range r.Fields {
		values[strings.ToLower(f.Name)] = f.Value
	}
	used := map[string]bool{}
	fields := make([]lever.FormField, len(tpl.Fields))
	for i, f := range tpl.Fields {
		f.ID = ""
		f.Value = nil
		key := strings.ToLower(f.Text)
		if v, ok := values[key]; ok {
			used[key] = true
			if v != "" {
				f.Value = v
			}
		}
		if f.Value == nil && f.Required {
			return "", refused(op, "form template %q has a required field %q the results leave empty", tpl.Text, f.Text)
		}
		fields[i] = f
	}
	for _, f := range r.Fields {
		if !used[strings.ToLower(f.Name)] {
			return "", refused(op, "form template %q has no field %q", tpl.Text, f.Name)
		}
	}
	form, err := d.c.CreateProfileForm(ctx, applicationID, lever.ProfileFormInput{BaseTemplateID: tplID, Fields: fields}, d.as(as))
	if err != nil {
		return "", mapErr(op, err)
	}
	return form.ID, nil
}

// formTemplate finds the profile form template titled r.Title, or creates
// it.
func (d *Driver) formTemplate(ctx context.Context, r ats.Results) (string, error) {
	const op = "lever: find or create form template"
	for t, err := range d.c.ListFormTemplates(ctx) {
		if err != nil {
			return "", mapErr(op, err)
		}
		if t.Text == r.Title {
			return t.ID, nil
		}
	}
	in := lever.FormTemplateInput{Text: r.Title, Instructions: "Results written by stagecoach."}
	for _, f := range r.Fields {
		typ := "text"
		if f.Long {
			typ = "textarea"
		}
		in.Fields = append(in.Fields, lever.FormField{Type: typ, Text: f.Name})
	}
	t, err := d.c.CreateFormTemplate(ctx, in)
	if err != nil {
		return "", mapErr(op, err)
	}
	return t.ID, nil
}

// CreateCandidate creates an opportunity with origin "sourced", the source
// and tags, on the job (at most one posting, as Lever requires) at the
// stage, with the CV as its resume, as the acting user (Lever requires
// one). The stage is resolved to its id first.
func (d *Driver) CreateCandidate(ctx context.Context, c ats.NewCandidate, as string) (*ats.Application, error) {
	const op = "lever: create candidate"
	if d.as(as) == "" {
		return nil, refused(op, "Lever requires an acting user (perform_as) to create a candidate")
	}
	if strings.TrimSpace(c.Name) == "" && len(c.Emails) == 0 {
		return nil, refused(op, "a candidate needs a name or an e-mail")
	}
	in := lever.CreateOpportunityInput{
		Name: c.Name, Headline: c.Headline, Location: c.Location, Emails: c.Emails, Links: c.Links,
		Origin: "sourced", Tags: c.Tags,
	}
	if c.Source != "" {
		in.Sources = []string{c.Source}
	}
	for _, p := range c.Phones {
		in.Phones = append(in.Phones, lever.Phone{Type: p.Type, Value: p.Value})
	}
	if c.JobID != "" {
		in.Postings = []string{c.JobID}
	}
	var st ats.Stage
	if c.Stage != "" {
		var err error
		if st, err = d.resolveStage(ctx, op, c.Stage); err != nil {
			return nil, err
		}
		in.Stage = st.ID
	}
	if c.CV != nil {
		in.ResumeFile = &lever.File{Name: c.CV.Name, ContentType: c.CV.ContentType, Data: c.CV.Data}
	}
	o, err := d.c.CreateOpportunity(ctx, in, d.as(as))
	if err != nil {
		return nil, mapErr(op, err)
	}
	app := toApplication(o)
	if app.JobID == "" {
		app.JobID = c.JobID
	}
	if app.Stage.Name == "" && app.Stage.ID == st.ID {
		app.Stage.Name = st.Name
	}
	return app, nil
}

// ApplicationsInStage lists active opportunities in the stage advanced
// into it at or after p.Since (Lever's advanced_at_start on lastAdvancedAt),
// and skips any whose lastAdvancedAt is earlier, should Lever ignore the
// filter.
func (d *Driver) ApplicationsInStage(ctx context.Context, p ats.StageListing) iter.Seq2[*ats.Application, error] {
	const op = "lever: list applications in stage"
	return func(yield func(*ats.Application, error) bool) {
		if p.Stage == "" {
			yield(nil, refused(op, "a stage id is required"))
			return
		}
		archived := false
		params := lever.ListOpportunitiesParams{
			StageIDs: []string{p.Stage}, Archived: &archived, AdvancedAtStart: p.Since,
			Expand: opportunityExpand,
		}
		if p.JobID != "" {
			params.PostingIDs = []string{p.JobID}
		}
		if p.Confidential {
			params.Confidentiality = "all"
		}
		listed(op, d.c.ListOpportunities(ctx, params), func(o *lever.Opportunity) (*ats.Application, bool) {
			return toApplication(o), p.Since.IsZero() || !o.LastAdvancedAt.Time().Before(p.Since)
		})(yield)
	}
}

// Applications lists the opportunities carrying the tag (Lever's tag
// filter), on the posting and updated since, if given.
func (d *Driver) Applications(ctx context.Context, p ats.ApplicationListing) iter.Seq2[*ats.Application, error] {
	const op = "lever: list applications"
	return func(yield func(*ats.Application, error) bool) {
		if p.Tag == "" {
			yield(nil, refused(op, "a tag is required"))
			return
		}
		params := lever.ListOpportunitiesParams{Tags: []string{p.Tag}, UpdatedAtStart: p.UpdatedSince}
		if p.JobID != "" {
			params.PostingIDs = []string{p.JobID}
		}
		if p.Confidential {
			params.Confidentiality = "all"
		}
		listed(op, d.c.ListOpportunities(ctx, params), all(toApplication))(yield)
	}
}

// Jobs lists the postings (unexpanded: the operator picks by title and
// state).
func (d *Driver) Jobs(ctx context.Context, p ats.JobListing) iter.Seq2[*ats.Job, error] {
	const op = "lever: list jobs"
	return func(yield func(*ats.Job, error) bool) {
		params := lever.ListPostingsParams{}
		if p.Tag != "" {
			params.Tags = []string{p.Tag}
		}
		if p.Confidential {
			params.Confidentiality = "all"
		}
		listed(op, d.c.ListPostings(ctx, params), all(toJob))(yield)
	}
}

// Tags lists Lever's tags.
func (d *Driver) Tags(ctx context.Context) ([]string, error) {
	tags, err := d.c.ListTags(ctx)
	if err != nil {
		return nil, mapErr("lever: list tags", err)
	}
	out := make([]string, len(tags))
	for i, t := range tags {
		out[i] = t.Text
	}
	return out, nil
}

// JobsWithTag lists the postings carrying the tag, with their owner and
// hiring manager.
func (d *Driver) JobsWithTag(ctx context.Context, p ats.JobListing) iter.Seq2[*ats.Job, error] {
	const op = "lever: list jobs with tag"
	return func(yield func(*ats.Job, error) bool) {
		if p.Tag == "" {
			yield(nil, refused(op, "a tag is required"))
			return
		}
		params := lever.ListPostingsParams{Tags: []string{p.Tag}, Expand: []string{"owner", "hiringManager"}}
		if p.Confidential {
			params.Confidentiality = "all"
		}
		listed(op, d.c.ListPostings(ctx, params), all(toJob))(yield)
	}
}

// leverEvents maps the port's event kinds to Lever's webhook events.
var leverEvents = map[ats.EventKind]string{
	ats.EventApplicationCreated: lever.EventApplicationCreated,
	ats.EventStageChanged:       lever.EventCandidateStageChange,
	ats.EventArchived:           lever.EventCandidateArchiveChange,
	ats.EventHired:              lever.EventCandidateHired,
	ats.EventDeleted:            lever.EventCandidateDeleted,
	ats.EventInterviewCreated:   lever.EventInterviewCreated,
	ats.EventInterviewUpdated:   lever.EventInterviewUpdated,
	ats.EventInterviewDeleted:   lever.EventInterviewDeleted,
}

// LeverEvent returns Lever's webhook event for a kind ("" for none).
func LeverEvent(kind ats.EventKind) string { return leverEvents[kind] }

// kindOf returns the port's kind for a Lever event; ok is false for
// Lever's contact events, which the port has no kind for.
func kindOf(event string) (ats.EventKind, bool) {
	for k, e := range leverEvents {
		if e == event {
			return k, true
		}
	}
	return "", false
}

// RegisterWebhook creates a Lever webhook for the kind's event; the
// answer's signature token is the secret. Lever delivers nothing until a
// Super Admin switches the event's webhook group on.
func (d *Driver) RegisterWebhook(ctx context.Context, url string, kind ats.EventKind) (*ats.Webhook, error) {
	const op = "lever: register webhook"
	event := leverEvents[kind]
	if event == "" {
		return nil, refused(op, "unknown event kind %q", kind)
	}
	w, err := d.c.CreateWebhook(ctx, lever.WebhookInput{URL: url, Event: event})
	if err != nil {
		return nil, mapErr(op, err)
	}
	return &ats.Webhook{ID: w.ID, URL: w.URL, Kind: kind, Secret: w.Configuration.SignatureToken}, nil
}

// DeleteWebhook deletes a Lever webhook created through the API.
func (d *Driver) DeleteWebhook(ctx context.Context, id string) error {
	return mapErr("lever: delete webhook", d.c.DeleteWebhook(ctx, id))
}

// ReadWebhook verifies a Lever delivery and parses it. Lever signs inside
// the body (token and triggeredAt, HMAC-SHA256 with the webhook's
// signature token), not in a header, so header is unused. A delivery
// without a token is refused: its signature would cover the time alone.
// Lever's signature does not cover the data: handlers must re-read the
// application before acting (see ats.Event).
func (d *Driver) ReadWebhook(_ http.Header, body []byte, secrets ats.WebhookSecrets) (*ats.Delivery, error) {
	const op = "lever: read webhook"
	ev, err := lever.ParseEvent(body)
	if err != nil {
		return nil, &ats.Error{Kind: ats.ErrInvalidWebhook, Op: op, Cause: err}
	}
	kind, known := kindOf(ev.Event)
	if ev.Token == "" {
		return nil, &ats.Error{Kind: ats.ErrInvalidWebhook, Op: op, Cause: errors.New(`field "token" is missing`)}
	}
	signed := false
	if secrets != nil {
		for _, s := range secrets(kind) {
			if ev.VerifySignature(s) {
				signed = true
				break
			}
		}
	}
	if !signed {
		return nil, &ats.Error{Kind: ats.ErrInvalidWebhook, Op: op, Cause: fmt.Errorf("no signing token of the account signs this %s delivery", ev.Event)}
	}
	del := &ats.Delivery{ID: deliveryID(ev), At: time.UnixMilli(ev.TriggeredAt), Test: ev.IsVerification()}
	if del.Test || !known {
		return del, nil
	}
	data, err := ev.Payload()
	if err != nil {
		return nil, &ats.Error{Kind: ats.ErrInvalidWebhook, Op: op, Cause: err}
	}
	e := ats.Event{
		Kind: kind, ApplicationID: ev.OpportunityID(), CandidateID: data.ContactID,
		ToStageID: data.ToStageID, FromStageID: data.FromStageID, InterviewID: data.InterviewID,
		Native: ev.Event, Data: []byte(ev.Data),
	}
	if kind == ats.EventArchived && (data.ToArchived != nil || data.FromArchived != nil) {
		archived := data.ToArchived != nil
		e.Archived = &archived
	}
	del.Events = []ats.Event{e}
	return del, nil
}

// deliveryID is Lever's event id, or a hash of the event, its time and its
// data: a redelivery of the same event has the same.
func deliveryID(ev *lever.Event) string {
	if ev.ID != "" {
		return "id:" + ev.ID
	}
	var data bytes.Buffer
	if err := json.Compact(&data, ev.Data); err != nil {
		data.Reset()
		data.Write(ev.Data)
	}
	h := sha256.New()
	h.Write([]byte(ev.Event))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(ev.TriggeredAt, 10)))
	h.Write([]byte{0})
	h.Write(data.Bytes())
	return "h:" + hex.EncodeToString(h.Sum(nil))
}

// AddJobTags reads the posting right before writing (recruiters edit
// postings too, and Lever replaces the whole list) and writes its tags with
// the missing ones added, as the acting user, else the posting's owner, else
// its creator (Lever requires someone).
func (d *Driver) AddJobTags(ctx context.Context, jobID string, tags []string, as string) ([]string, error) {
	const op = "lever: add job tags"
	if len(tags) == 0 {
		return nil, refused(op, "no tags given")
	}
	p, err := d.c.GetPosting(ctx, jobID)
	if err != nil {
		return nil, mapErr(op, err)
	}
	var missing []string
	for _, t := range tags {
		if !slices.Contains(p.Tags, t) {
			missing = append(missing, t)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	actor := d.as(as)
	if actor == "" {
		actor = p.Owner.ID
	}
	if actor == "" {
		actor = p.User.ID
	}
	if actor == "" {
		return nil, refused(op, "posting %s has no owner to make the update as; give the connection a perform-as user", jobID)
	}
	if _, err := d.c.UpdatePostingTags(ctx, jobID, append(slices.Clone(p.Tags), missing...), actor); err != nil {
		return nil, mapErr(op, err)
	}
	return missing, nil
}

// Job reads the posting id with its owner and hiring manager.
func (d *Driver) Job(ctx context.Context, id string) (*ats.Job, error) {
	p, err := d.c.GetPosting(ctx, id, "owner", "hiringManager")
	if err != nil {
		return nil, mapErr("lever: read job", err)
	}
	return toJob(p), nil
}

func toJob(p *lever.Posting) *ats.Job {
	return &ats.Job{
		ID: p.ID, Title: p.Text, State: p.State, Tags: p.Tags, Confidential: p.Confidentiality == "confidential",
		Owner:         ats.User{ID: p.Owner.ID, Name: p.Owner.Name, Email: p.Owner.Email, Username: p.Owner.Username},
		HiringManager: ats.User{ID: p.HiringManager.ID, Name: p.HiringManager.Name, Email: p.HiringManager.Email, Username: p.HiringManager.Username},
		URL:           p.URLs.Show,
		Team:          p.Categories.Team, Department: p.Categories.Department,
		Location: p.Categories.Location, Commitment: p.Categories.Commitment,
	}
}

// ratingOptions are the options of the score-system field of the feedback
// templates the driver creates: Lever's overall rating.
var ratingOptions = []lever.Option{{Text: "4 - Strong Hire"}, {Text: "3 - Hire"}, {Text: "2 - No Hire"}, {Text: "1 - Strong No Hire"}}

// WriteFeedback submits a feedback form from the feedback template titled
// f.Title, creating it when missing (Lever wants exactly one score-system
// field: "Recommendation" with Lever's four options, then one text or
// textarea field per feedback field). The rating is the score-system option
// that starts with its digit. Lever requires an acting user. With
// Config.ResultsAsNotes the feedback is a note instead.
func (d *Driver) WriteFeedback(ctx context.Context, applicationID string, f ats.Feedback, as string) (string, error) {
	const op = "lever: write feedback"
	if strings.TrimSpace(f.Title) == "" {
		return "", refused(op, "the feedback has no title")
	}
	if f.Rating < ats.StrongNo || f.Rating > ats.StrongYes {
		return "", refused(op, "rating %d is not 1 (strong no) to 4 (strong yes)", int(f.Rating))
	}
	if !d.Capabilities().FeedbackForms {
		return d.WriteNote(ctx, applicationID, ats.Note{Text: ats.FeedbackNote(f)}, as)
	}
	if d.as(as) == "" {
		return "", refused(op, "Lever requires an acting user (perform_as) to write feedback")
	}
	tpl, err := d.feedbackTemplate(ctx, f)
	if err != nil {
		return "", err
	}
	values := map[string]string{}
	for _, fld := range f.Fields {
		values[strings.ToLower(fld.Name)] = fld.Value
	}
	used := map[string]bool{}
	var fvs []lever.FieldValue
	for _, fld := range tpl.Fields {
		var v string
		if fld.Type == "score-system" {
			prefix := strconv.Itoa(int(f.Rating))
			for _, o := range fld.Options {
				if strings.HasPrefix(strings.TrimSpace(o.Text), prefix) {
					v = o.Text
				}
			}
			if v == "" {
				return "", refused(op, "feedback template %q has no rating option for %s", tpl.Text, f.Rating)
			}
		} else if val, ok := values[strings.ToLower(fld.Text)]; ok {
			used[strings.ToLower(fld.Text)] = true
			v = val
		}
		if v == "" {
			if fld.Required {
				return "", refused(op, "feedback template %q has a required field %q the feedback leaves empty", tpl.Text, fld.Text)
			}
			continue
		}
		fvs = append(fvs, lever.FieldValue{ID: fld.ID, Value: v})
	}
	for _, fld := range f.Fields {
		if !used[strings.ToLower(fld.Name)] {
			return "", refused(op, "feedback template %q has no field %q", tpl.Text, fld.Name)
		}
	}
	fb, err := d.c.CreateFeedback(ctx, applicationID, lever.FeedbackInput{BaseTemplateID: tpl.ID, FieldValues: fvs}, d.as(as))
	if err != nil {
		return "", mapErr(op, err)
	}
	return fb.ID, nil
}

// feedbackTemplate finds the feedback template titled f.Title, or creates
// it.
func (d *Driver) feedbackTemplate(ctx context.Context, f ats.Feedback) (*lever.FeedbackTemplate, error) {
	const op = "lever: find or create feedback template"
	for t, err := range d.c.ListFeedbackTemplates(ctx) {
		if err != nil {
			return nil, mapErr(op, err)
		}
		if t.Text == f.Title {
			return t, nil
		}
	}
	in := lever.FeedbackTemplateInput{Text: f.Title, Instructions: "Feedback written by stagecoach.",
		Fields: []lever.FormField{{Type: "score-system", Text: "Recommendation", Required: true, Options: ratingOptions}}}
	for _, fld := range f.Fields {
		typ := "text"
		if fld.Long {
			typ = "textarea"
		}
		in.Fields = append(in.Fields, lever.FormField{Type: typ, Text: fld.Name})
	}
	t, err := d.c.CreateFeedbackTemplate(ctx, in)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return t, nil
}

var (
	_ ats.Driver     = (*Driver)(nil)
	_ ats.FlowDriver = (*Driver)(nil)
)

// Events are Lever's webhook event names (the engine stores events under
// them) as ats.EventNames.
var Events ats.EventNames = eventNames{}

type eventNames struct{}

func (eventNames) Names() []string                     { return slices.Clone(lever.Events) }
func (eventNames) Native(kind ats.EventKind) string    { return leverEvents[kind] }
func (eventNames) Kind(n string) (ats.EventKind, bool) { return kindOf(n) }

// Decode reads the data of a stored Lever event: the ids it names, the
// stages of a stage change, the archived state of an archive change (set
// when the data has toArchived, even null), the interview and panel.
func (eventNames) Decode(native string, data []byte) (ats.Event, error) {
	kind, _ := kindOf(native)
	e := ats.Event{Kind: kind, Native: native, Data: data}
	if len(bytes.TrimSpace(data)) == 0 || string(bytes.TrimSpace(data)) == "null" {
		return e, nil
	}
	var d lever.EventData
	if err := json.Unmarshal(data, &d); err != nil {
		return e, fmt.Errorf("lever %s event data: %w", native, err)
	}
	e.ApplicationID = cmpOr(d.OpportunityID, d.CandidateID)
	e.CandidateID, e.ToStageID, e.FromStageID = d.ContactID, d.ToStageID, d.FromStageID
	e.InterviewID, e.PanelID, e.DeletedBy = d.InterviewID, d.PanelID, d.DeletedBy
	var raw map[string]json.RawMessage
	if json.Unmarshal(data, &raw) == nil {
		if v, ok := raw["toArchived"]; ok {
			var a *lever.Archived
			if json.Unmarshal(v, &a) == nil {
				archived := a != nil && (a.ArchivedAt != 0 || a.Reason != "")
				e.Archived = &archived
				if archived {
					e.ArchivedAt, e.ArchiveReasonID = a.ArchivedAt.Time(), a.Reason
				}
			}
		}
	}
	return e, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// listed turns one of the client's listings into the port's: each item
// converted by conv (skipped when it says false), and the first error
// mapped for op, which ends the listing.
func listed[T, U any](op string, items iter.Seq2[T, error], conv func(T) (U, bool)) iter.Seq2[U, error] {
	return func(yield func(U, error) bool) {
		for it, err := range items {
			if err != nil {
				var zero U
				yield(zero, mapErr(op, err))
				return
			}
			if u, keep := conv(it); keep && !yield(u, nil) {
				return
			}
		}
	}
}

// all keeps every item of a listing, converted by conv.
func all[T, U any](conv func(T) U) func(T) (U, bool) {
	return func(t T) (U, bool) { return conv(t), true }
}
