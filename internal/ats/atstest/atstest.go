// Package atstest is the ATS port's conformance suite: every driver runs
// Run from its own tests against its ATS's local sandbox, and each subtest
// asserts what a recruiter then sees in the ATS (a note present once, the
// tags, the stage, the file's bytes, the results as a form or as a note per
// the driver's capabilities, a sourced candidate with their CV on the right
// job and stage), what the listings return, and that a delivery the sandbox
// signs verifies and parses while a tampered one is refused.
//
// The scene is set and read through the Scene the driver's test gives (the
// sandbox acting as a recruiter in the ATS's app), never through the driver
// under test:
//
//	func TestDriver(t *testing.T) {
//		atstest.Run(t, func(t *testing.T) atstest.Harness {
//			sb := startSandbox(t)
//			return atstest.Harness{Driver: newDriver(t, sb), Scene: scene{sb}}
//		})
//	}
package atstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/ats"
)

// Harness is what one subtest gets: a driver for a fresh sandbox account,
// and the scene of that account.
type Harness struct {
	Driver ats.Driver
	Scene  Scene
}

// Scene sets the scene in the ATS's sandbox as people do in the ATS's app,
// and reads what a recruiter sees there. Its methods fail the test on error.
type Scene interface {
	// NewJob creates a job carrying tags and returns its id.
	NewJob(t testing.TB, title string, tags []string) string
	// NewApplication makes a candidate apply to a job and returns the
	// application's id.
	NewApplication(t testing.TB, jobID, name, email string) string
	// Move moves an application to a stage (id or name) as a recruiter
	// does; the ATS sends its stage-change webhooks.
	Move(t testing.TB, applicationID, stage string)
	// Archive archives (rejects) an application as a recruiter does, with
	// a reason that is not "hired".
	Archive(t testing.TB, applicationID string)
	// View is what a recruiter sees of an application.
	View(t testing.TB, applicationID string) View
	// Mentioned lists the ids of the users the application's notes
	// notified by @-mention.
	Mentioned(t testing.TB, applicationID string) []string
	// Webhooks lists the ids of the account's webhook subscriptions.
	Webhooks(t testing.TB) []string
	// ActingUser is a user the driver's writes can be made as; MentionUser
	// another active user a note can @-mention.
	ActingUser() string
	MentionUser() string
	// Stages names two stages, other than where a new application starts,
	// that any application can be moved to.
	Stages() (first, second string)
	// Tamper changes a signed delivery in a part the ATS's signature
	// covers, as a forger replaying it would.
	Tamper(header http.Header, body []byte) (http.Header, []byte)
}

// InterviewScene is a Scene that can schedule interviews, for the
// Interview subtest (skipped for a Scene without it).
type InterviewScene interface {
	// NewInterview schedules an interview on an application with one
	// interviewer (a user id), starting at start for minutes, and returns
	// its id.
	NewInterview(t testing.TB, applicationID, interviewer string, start time.Time, minutes int) string
}

// View is what a recruiter sees of one application in the ATS.
type View struct {
	Name     string
	Emails   []string
	JobID    string
	Stage    string // the stage's name
	Tags     []string
	Sources  []string
	Archived bool
	Notes    []string // each note's text
	Files    []ViewFile
	// CVs are the candidate's CVs (Lever's resumes), with their bytes.
	CVs   []ViewFile
	Forms []ViewForm
	// Feedback are the interview feedback forms (answered fields by name,
	// the rating as the ATS shows it).
	Feedback []ViewForm
}

// ViewFile is a file on an application, with its content.
type ViewFile struct {
	Name string
	Data []byte
}

// ViewForm is a filled-in form: its title and its answered fields by name.
type ViewForm struct {
	Title  string
	Fields map[string]string
}

// Run runs the conformance suite against the driver newHarness returns;
// it is called once per subtest, for a fresh account.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Helper()
	type subtest struct {
		name string
		run  func(t *testing.T, h Harness)
	}
	for _, st := range []subtest{
		{"ApplicationRead", testApplicationRead},
		{"NoteWrittenOnce", testNoteWrittenOnce},
		{"NoteMention", testNoteMention},
		{"Tags", testTags},
		{"MoveToStage", testMoveToStage},
		{"UploadFile", testUploadFile},
		{"Users", testUsers},
		{"Results", testResults},
		{"Feedback", testFeedback},
		{"FormsFromTemplates", testFormsFromTemplates},
		{"CreateCandidate", testCreateCandidate},
		{"ApplicationsInStageSince", testApplicationsInStageSince},
		{"JobsWithTag", testJobsWithTag},
		{"JobRead", testJobRead},
		{"AddJobTags", testAddJobTags},
		{"Interview", testInterview},
		{"Webhooks", testWebhooks},
	} {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			st.run(t, newHarness(t))
		})
	}
}

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var seq atomic.Int64

// unique returns a name no other subtest uses.
func unique(prefix string) string {
	return fmt.Sprintf("%s %d-%d", prefix, time.Now().UnixNano()%1e6, seq.Add(1))
}

// newApplication creates a job and a candidate applying to it.
func newApplication(t *testing.T, h Harness, tags ...string) (appID, jobID, name, email string) {
	t.Helper()
	jobID = h.Scene.NewJob(t, unique("Conformance Engineer"), tags)
	name = unique("Casey Candidate")
	email = fmt.Sprintf("casey.%d@candidates.example", seq.Add(1))
	return h.Scene.NewApplication(t, jobID, name, email), jobID, name, email
}

func mustStage(t *testing.T, h Harness, jobID, name string) ats.Stage {
	t.Helper()
	stages, err := h.Driver.Stages(ctxOf(t), jobID)
	if err != nil {
		t.Fatalf("Stages: %v", err)
	}
	st, ok := ats.FindStage(stages, name)
	if !ok {
		t.Fatalf("Stages has no stage %q: %v", name, stages)
	}
	return st
}

// flowDriver returns the driver as an ats.FlowDriver, skipping the test
// for a driver that is not one yet.
func flowDriver(t *testing.T, h Harness) ats.FlowDriver {
	t.Helper()
	fd, ok := h.Driver.(ats.FlowDriver)
	if !ok {
		t.Skip("the driver is not an ats.FlowDriver yet")
	}
	return fd
}

// hired says whether app is hired: as the application says, and for a
// FlowDriver as its archive reasons say too.
func hired(t *testing.T, h Harness, app *ats.Application) bool {
	t.Helper()
	fd, ok := h.Driver.(ats.FlowDriver)
	if !ok {
		return app.Hired
	}
	reasons, err := fd.ArchiveReasons(ctxOf(t))
	if err != nil {
		t.Fatalf("ArchiveReasons: %v", err)
	}
	if len(reasons) == 0 {
		t.Fatal("ArchiveReasons lists none")
	}
	return ats.Hired(app, reasons)
}

func testApplicationRead(t *testing.T, h Harness) {
	ctx := ctxOf(t)
	appID, jobID, name, email := newApplication(t, h)
	first, _ := h.Scene.Stages()
	h.Scene.Move(t, appID, first)

	app, err := h.Driver.Application(ctx, appID)
	if err != nil {
		t.Fatalf("Application: %v", err)
	}
	if app.ID != appID || app.Candidate.Name != name || !slices.Contains(app.Candidate.Emails, email) {
		t.Errorf("Application = %s %q %v, want %s %q with %s", app.ID, app.Candidate.Name, app.Candidate.Emails, appID, name, email)
	}
	if app.JobID != jobID {
		t.Errorf("JobID = %q, want %q", app.JobID, jobID)
	}
	if want := mustStage(t, h, jobID, first); app.Stage.ID != want.ID || app.Stage.Name != want.Name {
		t.Errorf("Stage = %+v, want %+v", app.Stage, want)
	}
	if app.StageEnteredAt.IsZero() || app.URL == "" || app.Archived || hired(t, h, app) {
		t.Errorf("Application: entered %v, url %q, archived %v, hired %v; want a time, a link, active", app.StageEnteredAt, app.URL, app.Archived, hired(t, h, app))
	}

	h.Scene.Archive(t, appID)
	app, err = h.Driver.Application(ctx, appID)
	if err != nil {
		t.Fatalf("Application after archive: %v", err)
	}
	if !app.Archived || hired(t, h, app) {
		t.Errorf("after a recruiter archived it: archived %v, hired %v; want archived, not hired", app.Archived, hired(t, h, app))
	}
	if _, ok := h.Driver.(ats.FlowDriver); ok && app.ArchiveReasonID == "" {
		t.Error("after a recruiter archived it for a reason, ArchiveReasonID is empty")
	}

	if _, err := h.Driver.Application(ctx, "no-such-application"); !errors.Is(err, ats.ErrNotFound) {
		t.Errorf("Application(unknown) error = %v, want ats.ErrNotFound", err)
	}
}

func testNoteWrittenOnce(t *testing.T, h Harness) {
	appID, _, _, _ := newApplication(t, h)
	text := unique("Assessment sent; the candidate has 5 days. Reference")
	id, err := h.Driver.WriteNote(ctxOf(t), appID, ats.Note{Text: text}, h.Scene.ActingUser())
	if err != nil || id == "" {
		t.Fatalf("WriteNote = %q, %v", id, err)
	}
	n := 0
	for _, note := range h.Scene.View(t, appID).Notes {
		n += strings.Count(note, text)
	}
	if n != 1 {
		t.Fatalf("the recruiter sees the note %d times, want once: %q", n, h.Scene.View(t, appID).Notes)
	}
	// Notes finds it again, by id and text, as a retry looks for it.
	if fd, ok := h.Driver.(ats.FlowDriver); ok {
		found := false
		for note, err := range fd.Notes(ctxOf(t), appID) {
			if err != nil {
				t.Fatalf("Notes: %v", err)
			}
			found = found || note.ID == id && strings.Contains(note.Text, text)
		}
		if !found {
			t.Errorf("Notes does not list note %s with its text", id)
		}
	}
	if _, err := h.Driver.WriteNote(ctxOf(t), appID, ats.Note{Text: "  "}, h.Scene.ActingUser()); !errors.Is(err, ats.ErrRefused) {
		t.Errorf("WriteNote(blank) error = %v, want ats.ErrRefused", err)
	}
}

func testNoteMention(t *testing.T, h Harness) {
	appID, _, _, _ := newApplication(t, h)
	user := h.Scene.MentionUser()
	text := unique("Please schedule the interview. Reference")
	if _, err := h.Driver.WriteNote(ctxOf(t), appID, ats.Note{Text: text, MentionUserID: user}, h.Scene.ActingUser()); err != nil {
		t.Fatalf("WriteNote with a mention: %v", err)
	}
	if !slices.ContainsFunc(h.Scene.View(t, appID).Notes, func(n string) bool { return strings.Contains(n, text) }) {
		t.Fatalf("the note %q is not on the application", text)
	}
	mentioned := h.Scene.Mentioned(t, appID)
	if h.Driver.Capabilities().Mentions {
		if !slices.Contains(mentioned, user) {
			t.Errorf("the ATS notified %v, want %s (@-mentioned)", mentioned, user)
		}
	} else if len(mentioned) != 0 {
		t.Errorf("no mentions capability, yet the ATS notified %v", mentioned)
	}
}

func testTags(t *testing.T, h Harness) {
	ctx := ctxOf(t)
	appID, _, _, _ := newApplication(t, h)
	invited, completed := unique("Acme Invited"), unique("Acme Completed")
	if err := h.Driver.AddTags(ctx, appID, []string{invited, completed}, h.Scene.ActingUser()); err != nil {
		t.Fatalf("AddTags: %v", err)
	}
	tags := h.Scene.View(t, appID).Tags
	if !slices.Contains(tags, invited) || !slices.Contains(tags, completed) {
		t.Fatalf("tags = %q, want %q and %q", tags, invited, completed)
	}
	if err := h.Driver.RemoveTags(ctx, appID, []string{invited}, h.Scene.ActingUser()); err != nil {
		t.Fatalf("RemoveTags: %v", err)
	}
	tags = h.Scene.View(t, appID).Tags
	if slices.Contains(tags, invited) || !slices.Contains(tags, completed) {
		t.Fatalf("after removing %q: tags = %q", invited, tags)
	}
	app, err := h.Driver.Application(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(app.Tags, completed) || slices.Contains(app.Tags, invited) {
		t.Errorf("Application.Tags = %q, want %q without %q", app.Tags, completed, invited)
	}
}

func testMoveToStage(t *testing.T, h Harness) {
	ctx := ctxOf(t)
	appID, _, _, _ := newApplication(t, h)
	first, second := h.Scene.Stages()
	if err := h.Driver.MoveToStage(ctx, appID, first, h.Scene.ActingUser()); err != nil {
		t.Fatalf("MoveToStage(%q): %v", first, err)
	}
	if got := h.Scene.View(t, appID).Stage; got != first {
		t.Fatalf("stage = %q, want %q", got, first)
	}
	// By name regardless of case, as an operator types it.
	if err := h.Driver.MoveToStage(ctx, appID, strings.ToUpper(second), h.Scene.ActingUser()); err != nil {
		t.Fatalf("MoveToStage(%q): %v", strings.ToUpper(second), err)
	}
	if got := h.Scene.View(t, appID).Stage; got != second {
		t.Fatalf("stage = %q, want %q", got, second)
	}
	err := h.Driver.MoveToStage(ctx, appID, "No Such Stage", h.Scene.ActingUser())
	if !errors.Is(err, ats.ErrRefused) || !strings.Contains(err.Error(), "No Such Stage") {
		t.Errorf("MoveToStage(unknown) error = %v, want ats.ErrRefused naming the stage", err)
	}
	if got := h.Scene.View(t, appID).Stage; got != second {
		t.Errorf("after a refused move the stage is %q, want %q", got, second)
	}
}

func testUploadFile(t *testing.T, h Harness) {
	appID, _, _, _ := newApplication(t, h)
	data := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("report line\n"), 200)...)
	name := "Acme report " + fmt.Sprint(seq.Add(1)) + ".pdf"
	id, err := h.Driver.UploadFile(ctxOf(t), appID, ats.File{Name: name, ContentType: "application/pdf", Data: data}, h.Scene.ActingUser())
	if err != nil || id == "" {
		t.Fatalf("UploadFile = %q, %v", id, err)
	}
	files := h.Scene.View(t, appID).Files
	i := slices.IndexFunc(files, func(f ViewFile) bool { return f.Name == name })
	if i < 0 {
		t.Fatalf("files = %v, want %q", fileNames(files), name)
	}
	if !bytes.Equal(files[i].Data, data) {
		t.Errorf("the file's bytes differ: got %d bytes, want %d", len(files[i].Data), len(data))
	}
	// Files finds it again, by id and name, as a retry looks for it.
	if fd, ok := h.Driver.(ats.FlowDriver); ok {
		found := false
		for f, err := range fd.Files(ctxOf(t), appID) {
			if err != nil {
				t.Fatalf("Files: %v", err)
			}
			found = found || f.ID == id && f.Name == name
		}
		if !found {
			t.Errorf("Files does not list file %s named %q", id, name)
		}
	}
}

func testUsers(t *testing.T, h Harness) {
	fd := flowDriver(t, h)
	ctx := ctxOf(t)
	acting := h.Scene.ActingUser()
	u, err := fd.User(ctx, acting)
	if err != nil {
		t.Fatalf("User(%s): %v", acting, err)
	}
	if u.ID != acting || u.Name == "" || u.Email == "" || u.Deactivated {
		t.Errorf("User(%s) = %+v, want the active user with a name and an e-mail", acting, u)
	}
	byEmail, err := fd.UserByEmail(ctx, strings.ToUpper(u.Email))
	if err != nil || byEmail.ID != acting {
		t.Errorf("UserByEmail(%s) = %+v, %v; want user %s", strings.ToUpper(u.Email), byEmail, err, acting)
	}
	if _, err := fd.UserByEmail(ctx, "nobody.here@"+unique("x")+".example"); !errors.Is(err, ats.ErrNotFound) {
		t.Errorf("UserByEmail(unknown) error = %v, want ats.ErrNotFound", err)
	}
	if _, err := fd.User(ctx, "no-such-user"); !errors.Is(err, ats.ErrNotFound) {
		t.Errorf("User(unknown) error = %v, want ats.ErrNotFound", err)
	}
	var ids []string
	for u, err := range fd.Users(ctx, ats.UserListing{}) {
		if err != nil {
			t.Fatalf("Users: %v", err)
		}
		ids = append(ids, u.ID)
	}
	if !slices.Contains(ids, acting) || !slices.Contains(ids, h.Scene.MentionUser()) {
		t.Errorf("Users lists %v, want %s and %s among them", ids, acting, h.Scene.MentionUser())
	}
}

func fileNames(fs []ViewFile) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func testResults(t *testing.T, h Harness) {
	ctx := ctxOf(t)
	appID, _, _, _ := newApplication(t, h)
	r := ats.Results{Title: unique("Acme Assessment"), Fields: []ats.Field{
		{Name: "Score", Value: "42"}, {Name: "Max score", Value: "50"}, {Name: "Result", Value: ""},
		{Name: "Details", Value: "SQL: 20/20\nGo: 22/30", Long: true},
	}}
	if _, err := h.Driver.WriteResults(ctx, appID, r, h.Scene.ActingUser()); err != nil {
		t.Fatalf("WriteResults: %v", err)
	}
	v := h.Scene.View(t, appID)
	if h.Driver.Capabilities().Forms {
		if len(v.Forms) != 1 || v.Forms[0].Title != r.Title {
			t.Fatalf("forms = %+v, want one titled %q", v.Forms, r.Title)
		}
		want := map[string]string{"Score": "42", "Max score": "50", "Details": "SQL: 20/20\nGo: 22/30"}
		for k, w := range want {
			if got := v.Forms[0].Fields[k]; got != w {
				t.Errorf("form field %q = %q, want %q", k, got, w)
			}
		}
		if got, ok := v.Forms[0].Fields["Result"]; ok && got != "" {
			t.Errorf("form field Result = %q, want unanswered", got)
		}
		// The template made by the first write serves the next.
		if _, err := h.Driver.WriteResults(ctx, appID, r, h.Scene.ActingUser()); err != nil {
			t.Fatalf("WriteResults again: %v", err)
		}
		if n := len(h.Scene.View(t, appID).Forms); n != 2 {
			t.Errorf("after a second write there are %d forms, want 2", n)
		}
		// A result the template has no field for is refused, not dropped.
		extra := ats.Results{Title: r.Title, Fields: append(slices.Clone(r.Fields), ats.Field{Name: "Percentile", Value: "90"})}
		if _, err := h.Driver.WriteResults(ctx, appID, extra, h.Scene.ActingUser()); !errors.Is(err, ats.ErrRefused) || !strings.Contains(err.Error(), "Percentile") {
			t.Errorf("WriteResults with a field the template lacks: error = %v, want ats.ErrRefused naming it", err)
		}
	} else {
		if len(v.Forms) != 0 {
			t.Errorf("no forms capability, yet forms = %+v", v.Forms)
		}
		want := ats.ResultsNote(r)
		if !slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Fatalf("notes = %q, want one holding the results %q", v.Notes, want)
		}
	}
	if _, err := h.Driver.WriteResults(ctx, appID, ats.Results{Title: "", Fields: r.Fields}, h.Scene.ActingUser()); !errors.Is(err, ats.ErrRefused) {
		t.Errorf("WriteResults without a title: error = %v, want ats.ErrRefused", err)
	}
}

// testFormsFromTemplates: a template made once is found by its title and
// read with its fields; a form written from it answers them (results by
// field name, feedback by field id, the rating one of its options), shows
// to the recruiter, and is listed with its answers, as a retry looks for
// it. Without the capability each call is refused.
func testFormsFromTemplates(t *testing.T, h Harness) {
	fd := flowDriver(t, h)
	ctx := ctxOf(t)
	appID, _, _, _ := newApplication(t, h)
	caps := h.Driver.Capabilities()
	for _, tc := range []struct {
		kind ats.FormKind
		can  bool
		tpl  ats.Template
	}{
		{ats.ResultsForm, caps.Forms, ats.Template{Title: unique("Acme Results"), Instructions: "Written by a test.", Fields: []ats.TemplateField{
			{Type: "text", Name: "Score", Required: true}, {Type: "textarea", Name: "Details"}, {Type: "text", Name: "Reference", Description: "order id"}}}},
		{ats.FeedbackForm, caps.FeedbackForms, ats.Template{Title: unique("Acme Round"), Instructions: "Written by a test.", Fields: []ats.TemplateField{
			{Type: "score-system", Name: "Recommendation", Required: true, Options: []string{"4 - Strong Hire", "3 - Hire", "2 - No Hire", "1 - Strong No Hire"}},
			{Type: "textarea", Name: "Summary"}, {Type: "text", Name: "Reference"}}}},
	} {
		t.Run(string(tc.kind), func(t *testing.T) {
			if !tc.can {
				if _, err := fd.CreateTemplate(ctx, tc.kind, tc.tpl); !errors.Is(err, ats.ErrRefused) {
					t.Errorf("CreateTemplate without the capability: error = %v, want ats.ErrRefused", err)
				}
				for _, err := range fd.Forms(ctx, appID, tc.kind) {
					if !errors.Is(err, ats.ErrRefused) {
						t.Errorf("Forms without the capability: error = %v, want ats.ErrRefused", err)
					}
				}
				return
			}
			made, err := fd.CreateTemplate(ctx, tc.kind, tc.tpl)
			if err != nil || made.ID == "" || made.Title != tc.tpl.Title {
				t.Fatalf("CreateTemplate = %+v, %v", made, err)
			}
			listed := 0
			for have, err := range fd.Templates(ctx, tc.kind) {
				if err != nil {
					t.Fatalf("Templates: %v", err)
				}
				if have.Title == tc.tpl.Title {
					listed++
					if have.ID != made.ID {
						t.Errorf("Templates lists %q as %s, want %s", have.Title, have.ID, made.ID)
					}
				}
			}
			if listed != 1 {
				t.Fatalf("Templates lists %q %d times, want once", tc.tpl.Title, listed)
			}
			tpl, err := fd.Template(ctx, tc.kind, made.ID)
			if err != nil || len(tpl.Fields) != len(tc.tpl.Fields) {
				t.Fatalf("Template(%s) = %+v, %v; want its %d fields", made.ID, tpl, err, len(tc.tpl.Fields))
			}
			if _, err := fd.Template(ctx, tc.kind, "no-such-template"); !errors.Is(err, ats.ErrNotFound) {
				t.Errorf("Template(unknown) error = %v, want ats.ErrNotFound", err)
			}
			ref := unique("ord")
			answers := map[string]string{}
			for _, f := range tpl.Fields {
				key := f.ID
				if tc.kind == ats.ResultsForm {
					key = strings.ToLower(f.Name) // by name
				}
				switch f.Name {
				case "Score":
					answers[key] = "42"
				case "Recommendation":
					if len(f.Options) != 4 || f.Type != "score-system" {
						t.Fatalf("the rating field reads as %+v", f)
					}
					answers[key] = f.Options[1]
				case "Summary", "Details":
					answers[key] = "Clear on trade-offs."
				case "Reference":
					answers[key] = ref
				}
			}
			id, err := fd.WriteForm(ctx, appID, tc.kind, made.ID, answers, h.Scene.ActingUser())
			if err != nil || id == "" {
				t.Fatalf("WriteForm = %q, %v", id, err)
			}
			v := h.Scene.View(t, appID)
			seen := v.Forms
			if tc.kind == ats.FeedbackForm {
				seen = v.Feedback
			}
			if !slices.ContainsFunc(seen, func(f ViewForm) bool { return f.Title == tc.tpl.Title && f.Fields["Reference"] == ref }) {
				t.Errorf("the recruiter sees %+v, want a form %q with reference %s", seen, tc.tpl.Title, ref)
			}
			found := 0
			for f, err := range fd.Forms(ctx, appID, tc.kind) {
				if err != nil {
					t.Fatalf("Forms: %v", err)
				}
				if slices.Contains(f.Values, ref) {
					found++
					if f.ID != id || f.TemplateID != made.ID {
						t.Errorf("Forms lists the form as %s from %s, want %s from %s", f.ID, f.TemplateID, id, made.ID)
					}
				}
			}
			if found != 1 {
				t.Errorf("Forms lists the form with reference %s %d times, want once", ref, found)
			}
			if tc.kind == ats.ResultsForm {
				// A required field left unanswered is refused, naming it.
				_, err := fd.WriteForm(ctx, appID, tc.kind, made.ID, map[string]string{"reference": ref}, h.Scene.ActingUser())
				if !errors.Is(err, ats.ErrRefused) || !strings.Contains(err.Error(), "Score") {
					t.Errorf("WriteForm without the required Score: error = %v, want ats.ErrRefused naming it", err)
				}
			}
		})
	}
}

func testFeedback(t *testing.T, h Harness) {
	ctx := ctxOf(t)
	appID, _, _, _ := newApplication(t, h)
	f := ats.Feedback{Title: unique("Acme Interview"), Rating: ats.Yes, Fields: []ats.Field{
		{Name: "Round", Value: "2"}, {Name: "Summary", Value: "Clear on trade-offs.", Long: true}, {Name: "Video URL"},
	}}
	if _, err := h.Driver.WriteFeedback(ctx, appID, f, h.Scene.ActingUser()); err != nil {
		t.Fatalf("WriteFeedback: %v", err)
	}
	v := h.Scene.View(t, appID)
	if h.Driver.Capabilities().FeedbackForms {
		if len(v.Feedback) != 1 || v.Feedback[0].Title != f.Title {
			t.Fatalf("feedback = %+v, want one form titled %q", v.Feedback, f.Title)
		}
		got := v.Feedback[0].Fields
		if got["Round"] != "2" || got["Summary"] != "Clear on trade-offs." {
			t.Errorf("feedback fields = %q, want Round 2 and the summary", got)
		}
		rated := false
		for _, val := range got {
			rated = rated || strings.Contains(val, ats.Yes.String()) && !strings.Contains(val, ats.StrongYes.String())
		}
		if !rated {
			t.Errorf("feedback fields = %q, want the rating %q", got, ats.Yes)
		}
	} else {
		if len(v.Feedback) != 0 {
			t.Errorf("no feedback forms capability, yet feedback = %+v", v.Feedback)
		}
		want := ats.FeedbackNote(f)
		if !slices.ContainsFunc(v.Notes, func(n string) bool { return strings.Contains(n, want) }) {
			t.Fatalf("notes = %q, want one holding the feedback %q", v.Notes, want)
		}
	}
	if _, err := h.Driver.WriteFeedback(ctx, appID, ats.Feedback{Title: f.Title, Rating: 9}, h.Scene.ActingUser()); !errors.Is(err, ats.ErrRefused) {
		t.Errorf("WriteFeedback with rating 9: error = %v, want ats.ErrRefused", err)
	}
}

func testCreateCandidate(t *testing.T, h Harness) {
	ctx := ctxOf(t)
	jobID := h.Scene.NewJob(t, unique("Sourced Role"), nil)
	first, _ := h.Scene.Stages()
	cv := append([]byte("%PDF-1.4\n"), []byte("Robin Sourced, Go engineer\n")...)
	email := fmt.Sprintf("robin.%d@sourced.example", seq.Add(1))
	tag, source := unique("hackajob"), "hackajob"
	app, err := h.Driver.CreateCandidate(ctx, ats.NewCandidate{
		Name: "Robin Sourced", Emails: []string{email}, Headline: "Go engineer", Links: []string{"https://hackajob.example/p/robin"},
		Phones: []ats.Phone{{Type: "mobile", Value: "+44 20 7946 0123"}},
		JobID:  jobID, Stage: first, Source: source, Tags: []string{tag},
		CV: &ats.File{Name: "Robin Sourced CV.pdf", ContentType: "application/pdf", Data: cv},
	}, h.Scene.ActingUser())
	if err != nil {
		t.Fatalf("CreateCandidate: %v", err)
	}
	if app.ID == "" || app.JobID != jobID {
		t.Fatalf("CreateCandidate = id %q job %q, want an id on job %q", app.ID, app.JobID, jobID)
	}
	v := h.Scene.View(t, app.ID)
	if v.Name != "Robin Sourced" || !slices.Contains(v.Emails, email) || v.JobID != jobID || v.Stage != first {
		t.Errorf("the recruiter sees %q %v on job %q in %q, want Robin Sourced %s on %q in %q", v.Name, v.Emails, v.JobID, v.Stage, email, jobID, first)
	}
	if !slices.Contains(v.Tags, tag) || !slices.Contains(v.Sources, source) {
		t.Errorf("tags %q sources %q, want tag %q and source %q", v.Tags, v.Sources, tag, source)
	}
	if !slices.ContainsFunc(v.CVs, func(f ViewFile) bool { return bytes.Equal(f.Data, cv) }) {
		t.Errorf("CVs = %v, want the CV sent (%d bytes)", fileNames(v.CVs), len(cv))
	}
	// Read back (a FlowDriver): the phone, link and source kept; listed by
	// its tag (on its job, updated since before it was made), as a retry of
	// an uncertain create looks for it.
	if fd, ok := h.Driver.(ats.FlowDriver); ok {
		createdFound(t, fd, app.ID, jobID, email, tag, source)
	}
	_, err = h.Driver.CreateCandidate(ctx, ats.NewCandidate{Name: "Nobody", JobID: jobID, Stage: "No Such Stage"}, h.Scene.ActingUser())
	if !errors.Is(err, ats.ErrRefused) || !strings.Contains(err.Error(), "No Such Stage") {
		t.Errorf("CreateCandidate at an unknown stage: error = %v, want ats.ErrRefused naming it", err)
	}
}

// createdFound checks what a FlowDriver reads of a sourced candidate it
// created, and that Applications lists it by its tag.
func createdFound(t *testing.T, fd ats.FlowDriver, appID, jobID, email, tag, source string) {
	t.Helper()
	ctx := ctxOf(t)
	got, err := fd.Application(ctx, appID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(got.Candidate.Phones, func(p ats.Phone) bool { return strings.Contains(p.Value, "7946") }) ||
		!slices.ContainsFunc(got.Candidate.Links, func(l string) bool { return strings.Contains(l, "hackajob.example/p/robin") }) ||
		!slices.Contains(got.Sources, source) {
		t.Errorf("read back: phones %v links %v sources %v; want the phone, the link and %q", got.Candidate.Phones, got.Candidate.Links, got.Sources, source)
	}
	listed := 0
	for a, err := range fd.Applications(ctx, ats.ApplicationListing{Tag: tag, JobID: jobID, UpdatedSince: time.Now().Add(-time.Hour)}) {
		if err != nil {
			t.Fatalf("Applications: %v", err)
		}
		if a.ID == appID && slices.Contains(a.Candidate.Emails, email) {
			listed++
		}
	}
	if listed != 1 {
		t.Errorf("Applications by tag %q lists the new application %d times, want once", tag, listed)
	}
	for a, err := range fd.Applications(ctx, ats.ApplicationListing{Tag: unique("untagged")}) {
		if err != nil {
			t.Fatalf("Applications: %v", err)
		}
		t.Errorf("Applications by an unused tag lists %s", a.ID)
	}
}

func testApplicationsInStageSince(t *testing.T, h Harness) {
	ctx := ctxOf(t)
	first, second := h.Scene.Stages()
	before, jobID, _, _ := newApplication(t, h)
	h.Scene.Move(t, before, first)
	app, err := h.Driver.Application(ctx, before)
	if err != nil {
		t.Fatal(err)
	}
	// since is just after the first entry, on the ATS's own clock; the
	// ATS keeps milliseconds. Wait until the clock has passed it, so that
	// the next entry is after it.
	since := app.StageEnteredAt.Add(time.Millisecond)
	for time.Now().Before(since.Add(time.Millisecond)) {
		time.Sleep(time.Millisecond)
	}
	after := h.Scene.NewApplication(t, jobID, unique("Sam After"), fmt.Sprintf("sam.%d@candidates.example", seq.Add(1)))
	h.Scene.Move(t, after, first)
	elsewhere := h.Scene.NewApplication(t, jobID, unique("Kim Elsewhere"), fmt.Sprintf("kim.%d@candidates.example", seq.Add(1)))
	h.Scene.Move(t, elsewhere, second)
	archived := h.Scene.NewApplication(t, jobID, unique("Lee Archived"), fmt.Sprintf("lee.%d@candidates.example", seq.Add(1)))
	h.Scene.Move(t, archived, first)
	h.Scene.Archive(t, archived)

	stage := mustStage(t, h, jobID, first)
	list := func(since time.Time) []string {
		var ids []string
		for a, err := range h.Driver.ApplicationsInStage(ctx, ats.StageListing{Stage: stage.ID, JobID: jobID, Since: since}) {
			if err != nil {
				t.Fatalf("ApplicationsInStage: %v", err)
			}
			if a.Stage.ID != stage.ID || a.Archived {
				t.Errorf("listed %s in stage %+v archived %v, want active in %+v", a.ID, a.Stage, a.Archived, stage)
			}
			ids = append(ids, a.ID)
		}
		return ids
	}
	got := list(since)
	if !slices.Contains(got, after) || slices.Contains(got, before) || slices.Contains(got, elsewhere) || slices.Contains(got, archived) {
		t.Errorf("in %q since %v: %v; want %s (entered after) and not %s (before), %s (other stage), %s (archived)",
			first, since, got, after, before, elsewhere, archived)
	}
	if all := list(time.Time{}); !slices.Contains(all, before) || !slices.Contains(all, after) {
		t.Errorf("in %q with no since: %v, want both %s and %s", first, all, before, after)
	}
}

func testJobsWithTag(t *testing.T, h Harness) {
	tag := unique("JobTwine")
	tagged := h.Scene.NewJob(t, unique("Tagged Role"), []string{tag})
	other := h.Scene.NewJob(t, unique("Untagged Role"), []string{unique("Other")})
	var got []string
	for j, err := range h.Driver.JobsWithTag(ctxOf(t), ats.JobListing{Tag: tag}) {
		if err != nil {
			t.Fatalf("JobsWithTag: %v", err)
		}
		if !slices.Contains(j.Tags, tag) || j.Title == "" {
			t.Errorf("listed job %+v, want one titled, carrying %q", j, tag)
		}
		got = append(got, j.ID)
	}
	if !slices.Equal(got, []string{tagged}) {
		t.Errorf("JobsWithTag(%q) = %v, want only %s (not %s)", tag, got, tagged, other)
	}
	for _, err := range h.Driver.JobsWithTag(ctxOf(t), ats.JobListing{}) {
		if !errors.Is(err, ats.ErrRefused) {
			t.Errorf("JobsWithTag without a tag: error = %v, want ats.ErrRefused", err)
		}
		break
	}
}

func testAddJobTags(t *testing.T, h Harness) {
	fd := flowDriver(t, h)
	ctx := ctxOf(t)
	have, want := unique("Acme Existing"), unique("Acme Package")
	id := h.Scene.NewJob(t, unique("Tagged Role"), []string{have})
	added, err := fd.AddJobTags(ctx, id, []string{have, want}, h.Scene.ActingUser())
	if !h.Driver.Capabilities().JobTags {
		if !errors.Is(err, ats.ErrRefused) {
			t.Errorf("AddJobTags without the capability: error = %v, want ats.ErrRefused", err)
		}
		return
	}
	if err != nil || !slices.Equal(added, []string{want}) {
		t.Fatalf("AddJobTags = %q, %v; want only %q added", added, err, want)
	}
	j, err := h.Driver.Job(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(j.Tags, have) || !slices.Contains(j.Tags, want) {
		t.Errorf("the job's tags are %q, want %q kept and %q added", j.Tags, have, want)
	}
	if added, err := fd.AddJobTags(ctx, id, []string{want}, h.Scene.ActingUser()); err != nil || len(added) != 0 {
		t.Errorf("AddJobTags again = %q, %v; want nothing added", added, err)
	}
	if _, err := fd.AddJobTags(ctx, "no-such-job", []string{want}, h.Scene.ActingUser()); !errors.Is(err, ats.ErrNotFound) {
		t.Errorf("AddJobTags(unknown job) error = %v, want ats.ErrNotFound", err)
	}
}

func testInterview(t *testing.T, h Harness) {
	fd := flowDriver(t, h)
	is, ok := h.Scene.(InterviewScene)
	if !ok {
		t.Skip("the scene cannot schedule interviews")
	}
	ctx := ctxOf(t)
	appID, _, _, _ := newApplication(t, h)
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	id := is.NewInterview(t, appID, h.Scene.MentionUser(), start, 45)
	iv, err := fd.Interview(ctx, appID, id)
	if err != nil {
		t.Fatalf("Interview: %v", err)
	}
	if iv.ID != id || !iv.Start.Equal(start) || iv.Duration != 45*time.Minute || !iv.CanceledAt.IsZero() {
		t.Errorf("Interview = %+v, want %s at %v for 45 minutes, not cancelled", iv, id, start)
	}
	if len(iv.Interviewers) != 1 || iv.Interviewers[0].ID != h.Scene.MentionUser() {
		t.Errorf("interviewers = %+v, want %s", iv.Interviewers, h.Scene.MentionUser())
	}
	if _, err := fd.Interview(ctx, appID, "no-such-interview"); !errors.Is(err, ats.ErrNotFound) {
		t.Errorf("Interview(unknown) error = %v, want ats.ErrNotFound", err)
	}
}

func testJobRead(t *testing.T, h Harness) {
	tag := unique("Acme")
	title := unique("Read Role")
	id := h.Scene.NewJob(t, title, []string{tag})
	j, err := h.Driver.Job(ctxOf(t), id)
	if err != nil {
		t.Fatalf("Job: %v", err)
	}
	if j.ID != id || j.Title != title || !slices.Contains(j.Tags, tag) {
		t.Errorf("Job = %+v, want %s titled %q carrying %q", j, id, title, tag)
	}
	if _, err := h.Driver.Job(ctxOf(t), "no-such-job"); !errors.Is(err, ats.ErrNotFound) {
		t.Errorf("Job(unknown) error = %v, want ats.ErrNotFound", err)
	}
}

// delivery is one webhook request as the receiver got it.
type delivery struct {
	header http.Header
	body   []byte
}

func testWebhooks(t *testing.T, h Harness) {
	ctx := ctxOf(t)
	if !h.Driver.Capabilities().WebhooksAPI {
		if _, err := h.Driver.RegisterWebhook(ctx, "https://hooks.example/ats", ats.EventStageChanged); !errors.Is(err, ats.ErrRefused) {
			t.Errorf("RegisterWebhook without the webhooks API: error = %v, want ats.ErrRefused", err)
		}
		return
	}
	got := make(chan delivery, 32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got <- delivery{r.Header.Clone(), body}
	}))
	t.Cleanup(srv.Close)

	appID, jobID, _, _ := newApplication(t, h)
	hooks := map[ats.EventKind]*ats.Webhook{}
	for _, kind := range []ats.EventKind{ats.EventStageChanged, ats.EventArchived} {
		wh, err := h.Driver.RegisterWebhook(ctx, srv.URL+"/hooks", kind)
		if err != nil {
			t.Fatalf("RegisterWebhook(%s): %v", kind, err)
		}
		if wh.ID == "" || wh.Secret == "" || wh.Kind != kind {
			t.Fatalf("RegisterWebhook(%s) = %+v, want an id and a secret", kind, wh)
		}
		if !slices.Contains(h.Scene.Webhooks(t), wh.ID) {
			t.Fatalf("the account's webhooks %v lack %s", h.Scene.Webhooks(t), wh.ID)
		}
		hooks[kind] = wh
	}
	secrets := func(kind ats.EventKind) []string {
		if wh := hooks[kind]; wh != nil {
			return []string{wh.Secret}
		}
		return nil
	}
	wait := func(kind ats.EventKind) (delivery, *ats.Delivery) {
		t.Helper()
		timeout := time.After(15 * time.Second)
		for {
			select {
			case d := <-got:
				del, err := h.Driver.ReadWebhook(d.header, d.body, secrets)
				if err != nil {
					t.Fatalf("ReadWebhook of a delivery the sandbox signed: %v\n%s", err, d.body)
				}
				if len(del.Events) == 1 && del.Events[0].Kind == kind && del.Events[0].ApplicationID == appID {
					return d, del
				}
			case <-timeout:
				t.Fatalf("no %s delivery for %s arrived", kind, appID)
			}
		}
	}

	first, _ := h.Scene.Stages()
	h.Scene.Move(t, appID, first)
	raw, del := wait(ats.EventStageChanged)
	ev := del.Events[0]
	if want := mustStage(t, h, jobID, first); ev.ToStageID != want.ID {
		t.Errorf("stage change to %q, want %q (%s)", ev.ToStageID, want.ID, first)
	}
	if del.ID == "" || del.At.IsZero() || del.Test || ev.Native == "" {
		t.Errorf("delivery = %+v, want an id, a time and the ATS's event name", del)
	}

	// Tampered, or checked against a secret that is not the account's: refused.
	th, tb := h.Scene.Tamper(raw.header.Clone(), bytes.Clone(raw.body))
	if d, err := h.Driver.ReadWebhook(th, tb, secrets); !errors.Is(err, ats.ErrInvalidWebhook) || d != nil {
		t.Errorf("ReadWebhook(tampered): delivery returned %v, error %v; want no delivery and ats.ErrInvalidWebhook", d != nil, err)
	}
	wrong := func(ats.EventKind) []string { return []string{"not-the-secret"} }
	if d, err := h.Driver.ReadWebhook(raw.header, raw.body, wrong); !errors.Is(err, ats.ErrInvalidWebhook) || d != nil {
		t.Errorf("ReadWebhook with a wrong secret: delivery returned %v, error %v; want no delivery and ats.ErrInvalidWebhook", d != nil, err)
	}
	if d, err := h.Driver.ReadWebhook(raw.header, []byte("{not json"), secrets); !errors.Is(err, ats.ErrInvalidWebhook) || d != nil {
		t.Errorf("ReadWebhook(malformed): delivery returned %v, error %v; want no delivery and ats.ErrInvalidWebhook", d != nil, err)
	}

	h.Scene.Archive(t, appID)
	_, del = wait(ats.EventArchived)
	if a := del.Events[0].Archived; a != nil && !*a {
		t.Errorf("archive event says archived=false, want true (or unknown)")
	}

	for kind, wh := range hooks {
		if err := h.Driver.DeleteWebhook(ctx, wh.ID); err != nil {
			t.Fatalf("DeleteWebhook(%s): %v", kind, err)
		}
		if slices.Contains(h.Scene.Webhooks(t), wh.ID) {
			t.Errorf("webhook %s is still registered after DeleteWebhook", wh.ID)
		}
	}
	if err := h.Driver.DeleteWebhook(ctx, "no-such-webhook"); !errors.Is(err, ats.ErrNotFound) {
		t.Errorf("DeleteWebhook(unknown) error = %v, want ats.ErrNotFound", err)
	}
}
