// Package ats is the port through which stagecoach talks to an applicant
// tracking system, in stagecoach's own words: an application (what an order
// is for; Lever's opportunity), its candidate (Lever's contact), the job
// (Lever's posting), the stage, notes, tags, files, structured results (a
// Lever profile form; another ATS's custom fields and a note), the package
// tag and the acting user.
//
// Each ATS is a driver: a package implementing Driver over that ATS's
// client (leverats for Lever), with a local sandbox that behaves as the ATS
// documents, passing the one conformance suite, atstest.Run. What an ATS
// cannot do is a Capabilities flag with a stated fallback, which the suite
// checks too.
//
// Drivers return errors that match this package's sentinels (ErrNotFound,
// ErrRefused, ErrForbidden, ErrUnauthorized, ErrRateLimited, ErrUnavailable,
// ErrUncertain) with errors.Is, so that a caller never looks at one ATS's
// status codes; the driver's own error stays wrapped beside the sentinel.
//
// The package imports the standard library only.
package ats

import (
	"context"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Driver is one ATS account, reached with one set of credentials. Methods
// that write take the acting user as; "" means the driver's default for the
// account (Lever: the connection's perform-as user, when the driver was
// given one). Every method that does I/O takes ctx first. Errors match the
// package's sentinels; a write whose outcome is unknown matches ErrUncertain
// and must be looked for before it is sent again (no ATS here takes an
// idempotency key).
type Driver interface {
	// Name is the ATS's stable lowercase name ("lever").
	Name() string
	// Capabilities says what the ATS can do; the port's fallbacks apply
	// where it cannot.
	Capabilities() Capabilities

	// Application reads one application with its candidate, job, stage,
	// tags, owner, archived state (hired where the ATS says so with the
	// application; its archive reason otherwise) and its link. ErrNotFound
	// for an unknown or deleted application.
	Application(ctx context.Context, id string) (*Application, error)
	// Job reads one job. ErrNotFound for an unknown job.
	Job(ctx context.Context, id string) (*Job, error)
	// Stages lists the stages an application on job jobID can be in, in
	// pipeline order. Where stages are account-wide (Lever) jobID is
	// ignored; where they are per job (Greenhouse) it is required.
	Stages(ctx context.Context, jobID string) ([]Stage, error)

	// WriteNote adds a note to an application and returns the note's id.
	// With n.MentionUserID set and Capabilities.Mentions, the note
	// @-mentions that user so the ATS notifies them; without the capability
	// the note names the user in plain text.
	WriteNote(ctx context.Context, applicationID string, n Note, as string) (string, error)
	// AddTags adds tags to an application (created on first use where the
	// ATS does so). Tags are case-sensitive.
	AddTags(ctx context.Context, applicationID string, tags []string, as string) error
	// RemoveTags removes tags from an application; absent tags are ignored.
	RemoveTags(ctx context.Context, applicationID string, tags []string, as string) error
	// MoveToStage moves an application to a stage given by id or name
	// (matched as FindStage does, among the stages of the application's
	// job). An unknown stage is ErrRefused, naming it.
	MoveToStage(ctx context.Context, applicationID, stage string, as string) error
	// UploadFile attaches a file to an application and returns its id.
	UploadFile(ctx context.Context, applicationID string, f File, as string) (string, error)
	// WriteResults records structured results on an application and returns
	// the id of what holds them. With Capabilities.Forms they go into a form
	// titled r.Title (created from a template of that name, made when
	// missing); without it they are written as a note, ResultsNote(r).
	WriteResults(ctx context.Context, applicationID string, r Results, as string) (string, error)
	// WriteFeedback records an interview round's feedback as the user as
	// and returns the id of what holds it. With Capabilities.FeedbackForms
	// it is a scored feedback form titled f.Title (from a template of that
	// name, made when missing); without it, a note, FeedbackNote(f).
	WriteFeedback(ctx context.Context, applicationID string, f Feedback, as string) (string, error)

	// CreateCandidate creates a sourced candidate with an application on a
	// job at a stage, as the user as (required where the ATS requires it).
	// It is not idempotent: a caller that may retry records its intent first
	// and, after ErrUncertain, looks for the application before creating
	// again.
	CreateCandidate(ctx context.Context, c NewCandidate, as string) (*Application, error)

	// ApplicationsInStage lists the active applications in a stage that
	// entered it at or after p.Since (the sweep for lost webhooks).
	ApplicationsInStage(ctx context.Context, p StageListing) iter.Seq2[*Application, error]
	// JobsWithTag lists the jobs carrying a tag (the job sync).
	JobsWithTag(ctx context.Context, p JobListing) iter.Seq2[*Job, error]

	// RegisterWebhook subscribes url to an event kind and returns the
	// subscription with the secret that signs its deliveries (shown once:
	// store it). ErrRefused when Capabilities.WebhooksAPI is false.
	RegisterWebhook(ctx context.Context, url string, kind EventKind) (*Webhook, error)
	// DeleteWebhook removes a subscription RegisterWebhook made.
	DeleteWebhook(ctx context.Context, id string) error
	// ReadWebhook verifies an inbound delivery against the secrets the
	// caller holds for the account and parses it into domain events. A
	// delivery that no secret signs, or that is malformed, gives an error
	// matching ErrInvalidWebhook and no events.
	ReadWebhook(header http.Header, body []byte, secrets WebhookSecrets) (*Delivery, error)
}

// FlowDriver is a Driver every flow can run on: beyond Driver, the reads
// the effect journal checks an uncertain write with (notes, files, forms,
// applications by tag), form templates and forms answered field by field,
// users (the acting user, mentions), archive reasons (a hire), interviews,
// a job's tags, and what the operator picks settings from (jobs, tags).
// The engine opens FlowDrivers only; a driver that is not one yet still
// passes the conformance suite's Driver part, and the suite checks the
// rest when it is.
type FlowDriver interface {
	Driver

	// ArchiveReasons lists the account's archive (rejection) reasons, which
	// say whether an archived application was hired.
	ArchiveReasons(ctx context.Context) ([]ArchiveReason, error)
	// Interview reads one interview of an application. ErrNotFound for an
	// unknown or deleted interview.
	Interview(ctx context.Context, applicationID, id string) (*Interview, error)
	// Templates lists the account's form templates of a kind; Template
	// reads one (ErrNotFound when there is none of that id);
	// CreateTemplate makes one. Without Capabilities.Forms (results) or
	// FeedbackForms (feedback) they are ErrRefused: write a note instead.
	Templates(ctx context.Context, kind FormKind) iter.Seq2[*Template, error]
	Template(ctx context.Context, kind FormKind, id string) (*Template, error)
	CreateTemplate(ctx context.Context, kind FormKind, t Template) (*Template, error)
	// Forms lists the forms of a kind filled in on an application, for
	// finding one a write may have made already.
	Forms(ctx context.Context, applicationID string, kind FormKind) iter.Seq2[*Form, error]
	// WriteForm fills in a form of a kind from a template, answering its
	// fields by id, or by name regardless of case (answers); a field left
	// out is unanswered. It returns the form's id. A required field left
	// unanswered is ErrRefused.
	WriteForm(ctx context.Context, applicationID string, kind FormKind, templateID string, answers map[string]string, as string) (string, error)

	// Notes lists an application's notes, for finding one a write may have
	// made already.
	Notes(ctx context.Context, applicationID string) iter.Seq2[*NoteRecord, error]
	// Files lists the files attached to an application, for the same.
	Files(ctx context.Context, applicationID string) iter.Seq2[*FileRecord, error]

	// User reads one user by id. ErrNotFound for an unknown user.
	User(ctx context.Context, id string) (*User, error)
	// UserByEmail finds the active user with an e-mail address (matched
	// regardless of case). ErrNotFound when there is none.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// Users lists the account's users; deactivated ones too when asked.
	Users(ctx context.Context, p UserListing) iter.Seq2[*User, error]

	// Applications lists the applications (active or archived) carrying a
	// tag, for finding one a create may have made already.
	Applications(ctx context.Context, p ApplicationListing) iter.Seq2[*Application, error]
	// AddJobTags adds to a job the tags it lacks, as the user as (else the
	// ATS's choice of someone entitled, where it needs one), and returns
	// those it added. ErrRefused when Capabilities.JobTags is false.
	AddJobTags(ctx context.Context, jobID string, tags []string, as string) ([]string, error)
	// Jobs lists the account's jobs (for the operator to pick from);
	// p.Tag, when set, keeps those carrying it.
	Jobs(ctx context.Context, p JobListing) iter.Seq2[*Job, error]
	// Tags lists the tags in use in the account (applications' tags).
	Tags(ctx context.Context) ([]string, error)
}

// Capabilities are what an ATS can do. The flows check them and use the
// stated fallback where a flag is false.
type Capabilities struct {
	// Forms: structured results go into a form on the application (Lever's
	// profile forms). False: they are written as a note (ResultsNote).
	Forms bool
	// FeedbackForms: interview feedback can be a scored feedback form.
	// False: feedback is a note.
	FeedbackForms bool
	// Mentions: a note can @-mention a user, who is notified. False: the
	// user is named in plain text.
	Mentions bool
	// PerJobStages: stages belong to a job (Greenhouse) rather than to the
	// account (Lever); a stage is then matched by name on each job.
	PerJobStages bool
	// WebhooksAPI: webhooks can be registered through the API. False: the
	// operator enters them in the ATS by hand.
	WebhooksAPI bool
	// JobTags: jobs carry tags stagecoach may add (Lever's posting tags,
	// which its job board filters on). False: packages are not tagged on
	// jobs.
	JobTags bool
	// ConfidentialJobs: jobs (and their applications) can be confidential,
	// listed only when asked for and allowed.
	ConfidentialJobs bool
}

// User is a user of the ATS.
type User struct {
	ID       string
	Name     string
	Email    string
	Username string // what an @-mention names, where the ATS has one
	// Deactivated users keep their id (on what they wrote) but may not act.
	Deactivated bool
}

// UserListing selects Users.
type UserListing struct {
	IncludeDeactivated bool
}

// ArchiveReason is why an application was archived (Greenhouse: a
// rejection reason).
type ArchiveReason struct {
	ID   string
	Name string
	// Hired marks the reasons that mean the candidate was hired.
	Hired bool
}

// Interview is an interview scheduled on an application.
type Interview struct {
	ID string
	// PanelID groups the interviews of one panel, where the ATS has panels.
	PanelID      string
	Subject      string
	Note         string
	Interviewers []User
	Start        time.Time
	Duration     time.Duration
	Timezone     string
	Location     string
	// FeedbackTemplate is the feedback form the interviewers are asked to
	// fill in, where the ATS has them.
	FeedbackTemplate string
	StageID          string
	JobIDs           []string
	// CanceledAt is when the interview was cancelled; zero if it was not.
	CanceledAt time.Time
}

// NoteRecord is a note on an application as the ATS lists it.
type NoteRecord struct {
	ID   string
	Text string
}

// FileRecord is a file on an application as the ATS lists it.
type FileRecord struct {
	ID   string
	Name string
}

// Stage is a pipeline stage.
type Stage struct {
	ID   string
	Name string
}

// Candidate is the person behind an application (Lever: the contact).
type Candidate struct {
	ID     string
	Name   string
	Emails []string
	Phones []Phone
	Links  []string
}

// Phone is a phone number, with its type where the ATS has one (mobile,
// home, work, other).
type Phone struct {
	Type  string
	Value string
}

// Application is what an order is for: a candidate's application to a job
// (Lever: an opportunity).
type Application struct {
	ID        string
	Candidate Candidate
	// JobID is the job applied to; "" for an application without a job
	// (a Lever lead).
	JobID string
	Stage Stage
	// StageEnteredAt is when the application entered its current stage.
	StageEnteredAt time.Time
	Tags           []string
	Owner          User // zero when the application has no owner
	Archived       bool // archived or rejected
	// Hired: archived as hired, where the ATS says so with the application
	// (Greenhouse's status); an ATS that says it through the archive reason
	// (Lever) leaves it false: use Hired(app, reasons).
	Hired bool
	// ArchivedAt is when it was archived; zero when it is active.
	ArchivedAt time.Time
	// ArchiveReasonID is the reason an archived application was archived
	// for (one of ArchiveReasons); "" when it is active or none was given.
	ArchiveReasonID string
	Confidential    bool
	// URL is the application's page in the ATS, for people.
	URL string
	// Sources name where the candidate came from.
	Sources []string
}

// Job is a job the ATS hires for (Lever: a posting).
type Job struct {
	ID            string
	Title         string
	State         string // the ATS's own word: published, closed, open, …
	Tags          []string
	Confidential  bool
	Owner         User
	HiringManager User
	URL           string
	// How the ATS files the job, where it does ("" otherwise).
	Team, Department, Location, Commitment string
}

// Note is a note to write on an application.
type Note struct {
	Text string
	// MentionUserID, when set, is a user the note addresses: @-mentioned
	// (and notified) where the ATS has mentions.
	MentionUserID string
}

// File is a file to attach.
type File struct {
	Name        string // shown in the ATS, with its extension
	ContentType string // MIME type; "" lets the driver guess
	Data        []byte
}

// Results are structured results, such as an assessment's scores.
type Results struct {
	// Title names the results (and the form template holding them, where
	// the ATS has forms), e.g. "iMocha Assessment".
	Title  string
	Fields []Field
}

// Field is one named result. An empty Value is left unanswered.
type Field struct {
	Name  string
	Value string
	// Long marks a multi-line value (a textarea where the ATS has types).
	Long bool
}

// ResultsNote is the text structured results are written as where the ATS
// has no forms: the title, then one "name: value" line per answered field.
func ResultsNote(r Results) string {
	var b strings.Builder
	b.WriteString(r.Title)
	for _, f := range r.Fields {
		if f.Value == "" {
			continue
		}
		b.WriteString("\n")
		b.WriteString(f.Name)
		b.WriteString(": ")
		b.WriteString(f.Value)
	}
	return b.String()
}

// Rating is an interviewer's overall recommendation, 1 (strong no) to 4
// (strong yes), Lever's four-point scale.
type Rating int

// The ratings.
const (
	StrongNo  Rating = 1
	No        Rating = 2
	Yes       Rating = 3
	StrongYes Rating = 4
)

// String is the rating as a recruiter reads it.
func (r Rating) String() string {
	switch r {
	case StrongNo:
		return "Strong No Hire"
	case No:
		return "No Hire"
	case Yes:
		return "Hire"
	case StrongYes:
		return "Strong Hire"
	}
	return "Rating(" + strconv.Itoa(int(r)) + ")"
}

// Feedback is one interview round's feedback.
type Feedback struct {
	// Title names the feedback (and its template, where the ATS has
	// feedback forms), e.g. "JobTwine Interview".
	Title  string
	Rating Rating
	Fields []Field
}

// FeedbackNote is the text feedback is written as where the ATS has no
// feedback forms: the title, the rating, then the answered fields.
func FeedbackNote(f Feedback) string {
	return ResultsNote(Results{Title: f.Title, Fields: append([]Field{{Name: "Recommendation", Value: f.Rating.String()}}, f.Fields...)})
}

// NewCandidate is a sourced candidate to create with an application.
type NewCandidate struct {
	Name     string
	Emails   []string
	Headline string
	Location string
	Links    []string
	Phones   []Phone
	// JobID is the job to apply the candidate to; "" for none.
	JobID string
	// Stage is the stage (id or name) the application starts in; "" means
	// the ATS's first stage for new candidates.
	Stage string
	// Source names where the candidate came from (the provider).
	Source string
	Tags   []string
	// CV is the candidate's CV (a resume in Lever); nil for none.
	CV *File
}

// StageListing selects ApplicationsInStage.
type StageListing struct {
	// Stage is the stage's id.
	Stage string
	// JobID narrows the listing to one job; required where stages are per
	// job.
	JobID string
	// Since: only applications that entered the stage at or after it. Zero
	// lists them all.
	Since time.Time
	// Confidential includes confidential applications (the credentials
	// must be allowed to see them).
	Confidential bool
}

// ApplicationListing selects Applications.
type ApplicationListing struct {
	Tag   string // required; case-sensitive
	JobID string // "" for any job
	// UpdatedSince: only applications changed at or after it.
	UpdatedSince time.Time
	// Confidential includes confidential applications (the credentials
	// must be allowed to see them).
	Confidential bool
}

// JobListing selects JobsWithTag.
type JobListing struct {
	Tag string // case-sensitive
	// Confidential includes confidential jobs (the credentials must be
	// allowed to see them).
	Confidential bool
}

// Webhook is a webhook subscription made through the ATS's API.
type Webhook struct {
	ID   string
	URL  string
	Kind EventKind
	// Secret signs the deliveries; some ATSs show it only once.
	Secret string
}

// WebhookSecrets returns the secrets that may sign a delivery of an event
// kind ("" when the delivery names no kind the port knows, such as a
// test request); a driver tries each in constant time.
type WebhookSecrets func(kind EventKind) []string

// FindStage finds a stage by id, then by exact name, then by name
// regardless of case; ok is false when none matches.
func FindStage(stages []Stage, idOrName string) (s Stage, ok bool) {
	for _, s := range stages {
		if s.ID == idOrName || s.Name == idOrName {
			return s, true
		}
	}
	for _, s := range stages {
		if strings.EqualFold(s.Name, idOrName) {
			return s, true
		}
	}
	return Stage{}, false
}

// Hired reports whether app was hired: the application says so, or it is
// archived for one of the reasons that mean the candidate was hired.
func Hired(app *Application, reasons []ArchiveReason) bool {
	if app.Hired {
		return true
	}
	if !app.Archived || app.ArchiveReasonID == "" {
		return false
	}
	for _, r := range reasons {
		if r.ID == app.ArchiveReasonID {
			return r.Hired
		}
	}
	return false
}

// FormKind says which of an ATS's forms a template or form is: structured
// results on an application (Lever: a profile form) or an interviewer's
// feedback (Lever: a feedback form).
type FormKind string

// The form kinds.
const (
	ResultsForm  FormKind = "results"
	FeedbackForm FormKind = "feedback"
)

// Template is a form template the ATS keeps: the questions a form of its
// kind answers.
type Template struct {
	ID           string // set on a template read from the ATS
	Title        string
	Instructions string
	Fields       []TemplateField
}

// TemplateField is one question of a template.
type TemplateField struct {
	ID string // set on a template read from the ATS
	// Type is "text", "textarea", or "score-system" (the interviewer's
	// rating: one of Options).
	Type        string
	Name        string
	Description string
	Required    bool
	Options     []string
}

// Form is a filled-in form on an application.
type Form struct {
	ID         string
	TemplateID string
	// Values are the answers given, as text.
	Values []string
}
