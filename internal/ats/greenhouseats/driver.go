// Package greenhouseats is the Greenhouse driver of the ATS port (package
// ats): it implements ats.Driver over a small Harvest v3 client, in
// Greenhouse's words: an application is an application (one candidate on
// one job), its candidate carries the notes, tags and custom fields, a job
// is a job whose stages are its own, and there are no forms, no job tags
// and no @-mentions (see Capabilities and docs/greenhouse.md).
//
//	d, err := greenhouseats.New(greenhouseats.Config{
//		ClientID: id, ClientSecret: secret, Sub: "4080",      // a customer's own credential
//		Limiter: sharedLimiter,
//	})
//	app, err := d.Application(ctx, applicationID)
package greenhouseats

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"stagecoach/internal/ats"
)

// Config configures a Driver.
type Config struct {
	// HarvestURL, AuthURL and AppURL are Greenhouse's hosts: the Harvest
	// API, the OAuth server and the web app people use. Empty means
	// https://harvest.greenhouse.io, https://auth.greenhouse.io and
	// https://app.greenhouse.io; the local sandbox serves all three.
	HarvestURL, AuthURL, AppURL string
	// ClientID and ClientSecret are the Harvest v3 OAuth credential
	// (required).
	ClientID, ClientSecret string
	// Token, when set, is a partner connection's token pair from the
	// authorization-code grant (see ExchangeCode): the driver refreshes it
	// and stores each new pair with SaveTokenFunc before using it. Nil means
	// a customer's own credential, used with the client-credentials grant.
	Token *Token
	// SaveTokenFunc stores a refreshed pair (required with Token). It runs
	// with the driver's refresh lock held; replicas sharing a connection
	// must also hold a lease around it so that two never refresh at once.
	SaveTokenFunc func(ctx context.Context, t Token) error
	// Sub is the Greenhouse user id the client-credentials token acts as;
	// empty means the credential's own service user.
	Sub string
	// UserID is the user notes are written as when a call names no acting
	// user. Empty means Sub; one of the two is required (Greenhouse
	// requires a note's author).
	UserID string
	// JobTagField is the name of the job custom field (multi-select) that
	// stands for job tags, which Greenhouse lacks. Empty means "Tags".
	JobTagField string
	// Limiter paces every HTTP attempt. Nil means NewTokenBucket(0, 0).
	Limiter Limiter
	// HTTPClient sends the requests. Nil means a client with no overall
	// timeout (Timeout bounds each attempt).
	HTTPClient *http.Client
	// Timeout bounds each HTTP attempt. Zero means 30 seconds.
	Timeout time.Duration
	// PendingWait is how long a write naming a record the driver has just
	// created is tried again while Greenhouse says that record does not
	// exist yet (Greenhouse may answer a create before the record can be
	// read). Zero means a minute.
	PendingWait time.Duration
	// NowFunc is the clock for token expiry. Nil means time.Now.
	NowFunc func() time.Time
}

func (c Config) withDefaults() Config {
	if c.HarvestURL == "" {
		c.HarvestURL = "https://harvest.greenhouse.io"
	}
	if c.AuthURL == "" {
		c.AuthURL = "https://auth.greenhouse.io"
	}
	if c.AppURL == "" {
		c.AppURL = "https://app.greenhouse.io"
	}
	c.HarvestURL = strings.TrimRight(c.HarvestURL, "/")
	c.AuthURL = strings.TrimRight(c.AuthURL, "/")
	c.AppURL = strings.TrimRight(c.AppURL, "/")
	if c.JobTagField == "" {
		c.JobTagField = "Tags"
	}
	if c.UserID == "" {
		c.UserID = c.Sub
	}
	if c.Limiter == nil {
		c.Limiter = NewTokenBucket(0, 0)
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
	if c.PendingWait == 0 {
		c.PendingWait = time.Minute
	}
	return c
}

func (c Config) validate() error {
	if c.ClientID == "" || c.ClientSecret == "" {
		return errors.New("greenhouseats: config: ClientID and ClientSecret are required")
	}
	for name, u := range map[string]string{"HarvestURL": c.HarvestURL, "AuthURL": c.AuthURL, "AppURL": c.AppURL} {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return fmt.Errorf("greenhouseats: config: %s %q is not an absolute http(s) URL", name, u)
		}
	}
	if c.Token != nil {
		if c.Token.RefreshToken == "" {
			return errors.New("greenhouseats: config: Token has no refresh token")
		}
		if c.SaveTokenFunc == nil {
			return errors.New("greenhouseats: config: SaveTokenFunc is required with Token (a refreshed pair must be stored before use)")
		}
	}
	if c.UserID == "" {
		return errors.New("greenhouseats: config: UserID (or Sub) is required: Greenhouse needs an author for every note")
	}
	if _, err := strconv.ParseInt(c.UserID, 10, 64); err != nil {
		return fmt.Errorf("greenhouseats: config: UserID %q is not a Greenhouse user id", c.UserID)
	}
	if c.Timeout < 0 {
		return errors.New("greenhouseats: config: Timeout must not be negative")
	}
	return nil
}

// Driver is the Greenhouse driver. It is safe for concurrent use.
type Driver struct {
	cfg Config
	c   *client
}

// New returns a Driver for cfg.
func New(cfg Config) (*Driver, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	ts := &tokenSource{authURL: cfg.AuthURL, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret, sub: cfg.Sub,
		partner: cfg.Token != nil, http: cfg.HTTPClient, timeout: cfg.Timeout, save: cfg.SaveTokenFunc, now: cfg.NowFunc}
	if cfg.Token != nil {
		ts.tok = *cfg.Token
	}
	return &Driver{cfg: cfg, c: &client{base: cfg.HarvestURL, http: cfg.HTTPClient, tokens: ts, limiter: cfg.Limiter,
		timeout: cfg.Timeout, retries: 4, maxWait: 30 * time.Second}}, nil
}

// Name returns "greenhouse".
func (d *Driver) Name() string { return "greenhouse" }

// Capabilities reports what Greenhouse can do: no forms (results are
// candidate custom fields plus a note; feedback a note), no @-mentions
// (the user is named in the note), stages per job, the webhooks API only
// for partner OAuth connections, confidential jobs.
func (d *Driver) Capabilities() ats.Capabilities {
	return ats.Capabilities{Forms: false, FeedbackForms: false, Mentions: false, PerJobStages: true,
		WebhooksAPI: d.cfg.Token != nil, ConfidentialJobs: true}
}

// Refresh renews the connection's token now and stores a partner's new
// pair: the keep-alive a partner connection needs at least daily, since a
// refresh token unused for 24 hours is lost.
func (d *Driver) Refresh(ctx context.Context) error {
	return mapErr("greenhouse: refresh token", d.c.tokens.refresh(ctx))
}

// --- wire types (the fields the driver reads) ---

type ghApplication struct {
	ID          int64   `json:"id"`
	CandidateID int64   `json:"candidate_id"`
	JobID       *int64  `json:"job_id"`
	Status      string  `json:"status"`
	StageID     *int64  `json:"stage_id"`
	AltStageID  *int64  `json:"job_interview_stage_id"`
	StageName   *string `json:"stage_name"`
	RecruiterID *int64  `json:"recruiter_id"`
	Prospect    bool    `json:"prospect"`
}

// stageID reads either spelling of the current stage's id.
func (a *ghApplication) stageID() int64 {
	if a.StageID != nil {
		return *a.StageID
	}
	if a.AltStageID != nil {
		return *a.AltStageID
	}
	return 0
}

// active: Greenhouse's list filter says "active", its v3 objects have been
// seen to say "in_process".
func (a *ghApplication) active() bool { return a.Status == "active" || a.Status == "in_process" }

type typedValue struct {
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

type ghCandidate struct {
	ID        int64        `json:"id"`
	FirstName string       `json:"first_name"`
	LastName  string       `json:"last_name"`
	Emails    []typedValue `json:"email_addresses"`
	Tags      []string     `json:"tags"`
}

type ghStage struct {
	ID        int64  `json:"id"`
	JobID     int64  `json:"job_id"`
	Name      string `json:"name"`
	SortOrder int    `json:"sort_order"`
	Active    bool   `json:"active"`
}

type ghUser struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name"`
	PrimaryEmail string `json:"primary_email"`
}

type ghAppStage struct {
	ApplicationID int64  `json:"application_id"`
	EnteredAt     string `json:"entered_at"`
	Current       bool   `json:"current"`
}

type ghCustomValue struct {
	Name  string `json:"name"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type ghJob struct {
	ID           int64                    `json:"id"`
	Name         string                   `json:"name"`
	Status       string                   `json:"status"`
	Confidential bool                     `json:"confidential"`
	CustomFields map[string]ghCustomValue `json:"custom_fields"`
}

type ghCustomField struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	NameKey   string `json:"name_key"`
	FieldType string `json:"field_type"`
	ValueType string `json:"value_type"`
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// parseID reads a Greenhouse id; what is not one cannot exist.
func parseID(op, what, id string) (int64, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, notFound(op, "%s %q is not a Greenhouse id", what, id)
	}
	return n, nil
}

func idsQuery(name string, ids ...int64) url.Values {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = itoa(id)
	}
	return url.Values{name: {strings.Join(s, ",")}}
}

// --- reads ---

// application reads one application by id (v3 has no GET by id: a list
// with ids=).
func (d *Driver) application(ctx context.Context, op string, id int64) (*ghApplication, error) {
	apps, err := all[ghApplication](ctx, d.c, "/v3/applications", idsQuery("ids", id))
	if err != nil {
		return nil, mapErr(op, err)
	}
	if len(apps) == 0 {
		return nil, notFound(op, "Greenhouse has no application %d (or the credential may not see it)", id)
	}
	return &apps[0], nil
}

// Application reads the application with its candidate, the time it
// entered its stage (application_stages), its recruiter as owner and its
// link. A rejected application is archived; a hired one archived and
// hired.
func (d *Driver) Application(ctx context.Context, id string) (*ats.Application, error) {
	const op = "greenhouse: read application"
	n, err := parseID(op, "application", id)
	if err != nil {
		return nil, err
	}
	a, err := d.application(ctx, op, n)
	if err != nil {
		return nil, err
	}
	apps, err := d.complete(ctx, op, []ghApplication{*a})
	if err != nil {
		return nil, err
	}
	return apps[0], nil
}

// complete turns applications (at most 50) into the port's, with their
// candidates, stage names, stage entry times and recruiters, in four
// calls whatever their number.
func (d *Driver) complete(ctx context.Context, op string, apps []ghApplication) ([]*ats.Application, error) {
	if len(apps) == 0 {
		return nil, nil
	}
	var appIDs, candIDs, userIDs, jobIDs []int64
	for _, a := range apps {
		appIDs = append(appIDs, a.ID)
		if !slices.Contains(candIDs, a.CandidateID) {
			candIDs = append(candIDs, a.CandidateID)
		}
		if a.RecruiterID != nil && !slices.Contains(userIDs, *a.RecruiterID) {
			userIDs = append(userIDs, *a.RecruiterID)
		}
		if a.JobID != nil && (a.StageName == nil || *a.StageName == "") && a.stageID() != 0 && !slices.Contains(jobIDs, *a.JobID) {
			jobIDs = append(jobIDs, *a.JobID)
		}
	}
	cands, err := all[ghCandidate](ctx, d.c, "/v3/candidates", idsQuery("ids", candIDs...))
	if err != nil {
		return nil, mapErr(op, err)
	}
	q := idsQuery("application_ids", appIDs...)
	q.Set("current", "true")
	rows, err := all[ghAppStage](ctx, d.c, "/v3/application_stages", q)
	if err != nil {
		return nil, mapErr(op, err)
	}
	var users []ghUser
	if len(userIDs) > 0 {
		if users, err = all[ghUser](ctx, d.c, "/v3/users", idsQuery("ids", userIDs...)); err != nil {
			return nil, mapErr(op, err)
		}
	}
	var stages []ghStage
	if len(jobIDs) > 0 {
		if stages, err = all[ghStage](ctx, d.c, "/v3/job_interview_stages", idsQuery("job_ids", jobIDs...)); err != nil {
			return nil, mapErr(op, err)
		}
	}
	out := make([]*ats.Application, 0, len(apps))
	for _, a := range apps {
		app := &ats.Application{
			ID:       itoa(a.ID),
			Archived: a.Status == "rejected" || a.Status == "hired",
			Hired:    a.Status == "hired",
			URL:      d.cfg.AppURL + "/people/" + itoa(a.CandidateID) + "?application_id=" + itoa(a.ID),
		}
		if a.JobID != nil {
			app.JobID = itoa(*a.JobID)
		}
		if sid := a.stageID(); sid != 0 {
			app.Stage.ID = itoa(sid)
			if a.StageName != nil {
				app.Stage.Name = *a.StageName
			}
			for _, s := range stages {
				if s.ID == sid && app.Stage.Name == "" {
					app.Stage.Name = s.Name
				}
			}
		}
		app.Candidate.ID = itoa(a.CandidateID)
		for _, c := range cands {
			if c.ID == a.CandidateID {
				app.Candidate.Name = strings.TrimSpace(c.FirstName + " " + c.LastName)
				for _, e := range c.Emails {
					app.Candidate.Emails = append(app.Candidate.Emails, e.Value)
				}
				app.Tags = c.Tags
			}
		}
		for _, r := range rows {
			if r.ApplicationID == a.ID && r.Current {
				if t, err := time.Parse(time.RFC3339Nano, r.EnteredAt); err == nil {
					app.StageEnteredAt = t
				}
			}
		}
		if a.RecruiterID != nil {
			for _, u := range users {
				if u.ID == *a.RecruiterID {
					app.Owner = toUser(u)
				}
			}
		}
		out = append(out, app)
	}
	return out, nil
}

func toUser(u ghUser) ats.User {
	name := u.Name
	if name == "" {
		name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return ats.User{ID: itoa(u.ID), Name: name, Email: u.PrimaryEmail}
}

// Job reads one job. Its tags are the values of the job custom field
// Config.JobTagField.
func (d *Driver) Job(ctx context.Context, id string) (*ats.Job, error) {
	const op = "greenhouse: read job"
	n, err := parseID(op, "job", id)
	if err != nil {
		return nil, err
	}
	jobs, err := all[ghJob](ctx, d.c, "/v3/jobs", idsQuery("ids", n))
	if err != nil {
		return nil, mapErr(op, err)
	}
	if len(jobs) == 0 {
		return nil, notFound(op, "Greenhouse has no job %d (or the credential may not see it)", n)
	}
	return d.toJob(jobs[0]), nil
}

func (d *Driver) toJob(j ghJob) *ats.Job {
	return &ats.Job{ID: itoa(j.ID), Title: j.Name, State: j.Status, Tags: d.jobTags(j), Confidential: j.Confidential,
		URL: d.cfg.AppURL + "/sdash/" + itoa(j.ID)}
}

// jobTags reads the job tag custom field: a multi-select (a list of
// option names) or a single value.
func (d *Driver) jobTags(j ghJob) []string {
	for _, f := range j.CustomFields {
		if !strings.EqualFold(f.Name, d.cfg.JobTagField) {
			continue
		}
		switch v := f.Value.(type) {
		case []any:
			var out []string
			for _, x := range v {
				if s, ok := x.(string); ok {
					out = append(out, s)
				}
			}
			return out
		case string:
			if v != "" {
				return []string{v}
			}
		}
	}
	return nil
}

// Stages lists the active stages of job jobID in pipeline order (required:
// Greenhouse's stages belong to a job).
func (d *Driver) Stages(ctx context.Context, jobID string) ([]ats.Stage, error) {
	const op = "greenhouse: list stages"
	if jobID == "" {
		return nil, refused(op, "a job is required: Greenhouse's stages belong to a job")
	}
	n, err := parseID(op, "job", jobID)
	if err != nil {
		return nil, err
	}
	stages, err := all[ghStage](ctx, d.c, "/v3/job_interview_stages", idsQuery("job_ids", n))
	if err != nil {
		return nil, mapErr(op, err)
	}
	stages = slices.DeleteFunc(stages, func(s ghStage) bool { return !s.Active || s.JobID != n })
	slices.SortStableFunc(stages, func(a, b ghStage) int { return a.SortOrder - b.SortOrder })
	out := make([]ats.Stage, len(stages))
	for i, s := range stages {
		out[i] = ats.Stage{ID: itoa(s.ID), Name: s.Name}
	}
	return out, nil
}

// resolveStage finds a stage of job jobID by id or name.
func (d *Driver) resolveStage(ctx context.Context, op, jobID, stage string) (ats.Stage, error) {
	if strings.TrimSpace(stage) == "" {
		return ats.Stage{}, refused(op, "a stage is required")
	}
	stages, err := d.Stages(ctx, jobID)
	if err != nil {
		return ats.Stage{}, err
	}
	st, ok := ats.FindStage(stages, stage)
	if !ok {
		return ats.Stage{}, refused(op, "job %s has no stage %q", jobID, stage)
	}
	return st, nil
}

// --- writes ---

func (d *Driver) author(op, as string) (int64, error) {
	if as == "" {
		as = d.cfg.UserID
	}
	n, err := strconv.ParseInt(as, 10, 64)
	if err != nil {
		return 0, refused(op, "acting user %q is not a Greenhouse user id", as)
	}
	return n, nil
}

// WriteNote adds a note to the application's candidate (Greenhouse's notes
// are the candidate's activity feed), tied to the application, written by
// as (or Config.UserID). Greenhouse has no @-mentions: a mentioned user is
// named at the start of the note ("For Name: …").
func (d *Driver) WriteNote(ctx context.Context, applicationID string, n ats.Note, as string) (string, error) {
	const op = "greenhouse: write note"
	if strings.TrimSpace(n.Text) == "" {
		return "", refused(op, "the note's text is empty")
	}
	author, err := d.author(op, as)
	if err != nil {
		return "", err
	}
	id, err := parseID(op, "application", applicationID)
	if err != nil {
		return "", err
	}
	a, err := d.application(ctx, op, id)
	if err != nil {
		return "", err
	}
	text := n.Text
	if n.MentionUserID != "" {
		uid, err := parseID(op, "mentioned user", n.MentionUserID)
		if err != nil {
			return "", err
		}
		users, err := all[ghUser](ctx, d.c, "/v3/users", idsQuery("ids", uid))
		if err != nil {
			return "", mapErr(op+": read the mentioned user", err)
		}
		if len(users) == 0 {
			return "", refused(op, "Greenhouse has no user %d to address the note to", uid)
		}
		text = "For " + toUser(users[0]).Name + ": " + text
	}
	var out struct {
		ID int64 `json:"id"`
	}
	_, err = d.c.do(ctx, http.MethodPost, "/v3/notes", map[string]any{
		"candidate_id": a.CandidateID, "application_id": a.ID, "user_id": author, "body": text,
		"visibility": "admin_only", "note_type": "NOTE",
	}, &out)
	if err != nil {
		return "", mapErr(op, err)
	}
	return itoa(out.ID), nil
}

type ghTag struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type ghApplied struct {
	ID          int64 `json:"id"`
	CandidateID int64 `json:"candidate_id"`
	TagID       int64 `json:"candidate_tag_id"`
}

// candidateOf reads the candidate id of an application.
func (d *Driver) candidateOf(ctx context.Context, op, applicationID string) (int64, error) {
	id, err := parseID(op, "application", applicationID)
	if err != nil {
		return 0, err
	}
	a, err := d.application(ctx, op, id)
	if err != nil {
		return 0, err
	}
	return a.CandidateID, nil
}

// tagIDs finds the organization's tags by name (exactly, else regardless
// of case: Greenhouse's tag names are case-insensitive); create makes the
// missing ones.
func (d *Driver) tagIDs(ctx context.Context, op string, names []string, create bool) (map[string]int64, error) {
	tags, err := all[ghTag](ctx, d.c, "/v3/candidate_tags", nil)
	if err != nil {
		return nil, mapErr(op, err)
	}
	out := map[string]int64{}
	for _, name := range names {
		i := slices.IndexFunc(tags, func(t ghTag) bool { return t.Name == name })
		if i < 0 {
			i = slices.IndexFunc(tags, func(t ghTag) bool { return strings.EqualFold(t.Name, name) })
		}
		if i >= 0 {
			out[name] = tags[i].ID
			continue
		}
		if !create {
			continue
		}
		var t ghTag
		if _, err := d.c.do(ctx, http.MethodPost, "/v3/candidate_tags", map[string]string{"name": name}, &t); err != nil {
			return nil, mapErr(op+": create tag "+strconv.Quote(name), err)
		}
		out[name] = t.ID
	}
	return out, nil
}

func (d *Driver) applied(ctx context.Context, op string, candidateID int64) ([]ghApplied, error) {
	rows, err := all[ghApplied](ctx, d.c, "/v3/applied_candidate_tags", idsQuery("candidate_ids", candidateID))
	return rows, mapErr(op, err)
}

// AddTags tags the application's candidate (Greenhouse tags candidates,
// not applications), creating tags the organization lacks; a tag already
// applied is left as it is.
func (d *Driver) AddTags(ctx context.Context, applicationID string, tags []string, _ string) error {
	const op = "greenhouse: add tags"
	if len(tags) == 0 {
		return refused(op, "no tags given")
	}
	cand, err := d.candidateOf(ctx, op, applicationID)
	if err != nil {
		return err
	}
	ids, err := d.tagIDs(ctx, op, tags, true)
	if err != nil {
		return err
	}
	rows, err := d.applied(ctx, op, cand)
	if err != nil {
		return err
	}
	for _, name := range tags {
		tid := ids[name]
		if slices.ContainsFunc(rows, func(r ghApplied) bool { return r.TagID == tid }) {
			continue
		}
		if _, err := d.c.do(ctx, http.MethodPost, "/v3/applied_candidate_tags", map[string]int64{"candidate_id": cand, "candidate_tag_id": tid}, nil); err != nil {
			return mapErr(op+": apply "+strconv.Quote(name), err)
		}
		rows = append(rows, ghApplied{CandidateID: cand, TagID: tid})
	}
	return nil
}

// RemoveTags removes tags from the application's candidate; absent tags
// are ignored.
func (d *Driver) RemoveTags(ctx context.Context, applicationID string, tags []string, _ string) error {
	const op = "greenhouse: remove tags"
	if len(tags) == 0 {
		return refused(op, "no tags given")
	}
	cand, err := d.candidateOf(ctx, op, applicationID)
	if err != nil {
		return err
	}
	ids, err := d.tagIDs(ctx, op, tags, false)
	if err != nil {
		return err
	}
	rows, err := d.applied(ctx, op, cand)
	if err != nil {
		return err
	}
	for _, r := range rows {
		for name, tid := range ids {
			if r.TagID != tid {
				continue
			}
			if _, err := d.c.do(ctx, http.MethodDelete, "/v3/applied_candidate_tags/"+itoa(r.ID), nil, nil); err != nil {
				if ae := (*apiError)(nil); errors.As(err, &ae) && ae.Status == http.StatusNotFound {
					continue // removed meanwhile
				}
				return mapErr(op+": remove "+strconv.Quote(name), err)
			}
		}
	}
	return nil
}

// MoveToStage moves the application to a stage of its job, by id or name,
// with from_stage_id set to the stage it is in now: Greenhouse refuses the
// move if it has moved meanwhile. An application already in the stage is
// left there (a retried move after an uncertain one is then a no-op).
func (d *Driver) MoveToStage(ctx context.Context, applicationID, stage string, _ string) error {
	const op = "greenhouse: move to stage"
	id, err := parseID(op, "application", applicationID)
	if err != nil {
		return err
	}
	a, err := d.application(ctx, op, id)
	if err != nil {
		return err
	}
	if a.JobID == nil {
		return refused(op, "application %d has no job (a prospect) and so no stages", id)
	}
	st, err := d.resolveStage(ctx, op, itoa(*a.JobID), stage)
	if err != nil {
		return err
	}
	if st.ID == itoa(a.stageID()) {
		return nil
	}
	if !a.active() {
		return refused(op, "application %d is %s; Greenhouse moves only active applications", id, a.Status)
	}
	to, _ := strconv.ParseInt(st.ID, 10, 64)
	_, err = d.c.do(ctx, http.MethodPost, "/v3/applications/"+itoa(id)+"/move", map[string]int64{"from_stage_id": a.stageID(), "to_stage_id": to}, nil)
	return mapErr(op, err)
}

// UploadFile attaches f to the application as type "other", visible to
// admins.
func (d *Driver) UploadFile(ctx context.Context, applicationID string, f ats.File, _ string) (string, error) {
	const op = "greenhouse: upload file"
	id, err := parseID(op, "application", applicationID)
	if err != nil {
		return "", err
	}
	return d.attach(ctx, op, id, f, "other")
}

func (d *Driver) attach(ctx context.Context, op string, appID int64, f ats.File, typ string) (string, error) {
	if strings.TrimSpace(f.Name) == "" || path.Ext(f.Name) == "" {
		return "", refused(op, "the file needs a name with an extension, got %q", f.Name)
	}
	if len(f.Data) == 0 {
		return "", refused(op, "the file %q is empty", f.Name)
	}
	ct := f.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(path.Ext(f.Name))
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	body := map[string]any{"application_id": appID, "filename": f.Name, "type": typ,
		"content": base64.StdEncoding.EncodeToString(f.Data), "content_type": ct}
	if typ == "other" {
		body["visibility"] = "admin_only"
	}
	var out struct {
		ID int64 `json:"id"`
	}
	if _, err := d.c.do(ctx, http.MethodPost, "/v3/attachments", body, &out); err != nil {
		return "", mapErr(op, err)
	}
	return itoa(out.ID), nil
}

// ResultsFieldName is the candidate custom field a result is written to:
// the results' title and the field's name.
func ResultsFieldName(title, field string) string { return title + ": " + field }

// WriteResults records results as Greenhouse can: each answered field in a
// candidate custom field named ResultsFieldName(r.Title, f.Name) (created,
// long or short text, when missing), then the results as a note
// (ats.ResultsNote), whose id it returns.
func (d *Driver) WriteResults(ctx context.Context, applicationID string, r ats.Results, as string) (string, error) {
	const op = "greenhouse: write results"
	if strings.TrimSpace(r.Title) == "" {
		return "", refused(op, "the results have no title")
	}
	if len(r.Fields) == 0 {
		return "", refused(op, "the results have no fields")
	}
	cand, err := d.candidateOf(ctx, op, applicationID)
	if err != nil {
		return "", err
	}
	fields, err := all[ghCustomField](ctx, d.c, "/v3/custom_fields", url.Values{"field_type": {"candidate"}})
	if err != nil {
		return "", mapErr(op, err)
	}
	var values []map[string]any
	for _, f := range r.Fields {
		if f.Value == "" {
			continue
		}
		name := ResultsFieldName(r.Title, f.Name)
		i := slices.IndexFunc(fields, func(cf ghCustomField) bool { return cf.Name == name })
		if i < 0 {
			typ := "short_text"
			if f.Long || len(f.Value) > 255 || strings.Contains(f.Value, "\n") {
				typ = "long_text"
			}
			var cf ghCustomField
			if _, err := d.c.do(ctx, http.MethodPost, "/v3/custom_fields", map[string]any{"name": name, "field_type": "candidate", "value_type": typ}, &cf); err != nil {
				return "", mapErr(op+": create custom field "+strconv.Quote(name), err)
			}
			fields = append(fields, cf)
			i = len(fields) - 1
		}
		values = append(values, map[string]any{"custom_field_id": fields[i].ID, "value": f.Value})
	}
	if len(values) > 0 {
		if _, err := d.c.do(ctx, http.MethodPatch, "/v3/candidates/"+itoa(cand), map[string]any{"custom_fields": values}, nil); err != nil {
			return "", mapErr(op+": write custom fields", err)
		}
	}
	return d.WriteNote(ctx, applicationID, ats.Note{Text: ats.ResultsNote(r)}, as)
}

// WriteFeedback writes interview feedback as a note (ats.FeedbackNote):
// Greenhouse's scorecards cannot be written through Harvest.
func (d *Driver) WriteFeedback(ctx context.Context, applicationID string, f ats.Feedback, as string) (string, error) {
	const op = "greenhouse: write feedback"
	if strings.TrimSpace(f.Title) == "" {
		return "", refused(op, "the feedback has no title")
	}
	if f.Rating < ats.StrongNo || f.Rating > ats.StrongYes {
		return "", refused(op, "rating %d is not 1 (strong no) to 4 (strong yes)", int(f.Rating))
	}
	return d.WriteNote(ctx, applicationID, ats.Note{Text: ats.FeedbackNote(f)}, as)
}

// CreateCandidate creates a candidate (name, e-mails, headline as title,
// location as an address, links as websites, tags), then their application
// on the job at the stage with the source, then attaches the CV as the
// application's resume. The job, the stage (on that job) and the source
// (by name among the organization's sources) are resolved before anything
// is written. The writes are three: an error after the first is
// ErrUncertain, naming the candidate, so that the caller looks for the
// candidate (by e-mail) before creating again.
func (d *Driver) CreateCandidate(ctx context.Context, c ats.NewCandidate, _ string) (*ats.Application, error) {
	const op = "greenhouse: create candidate"
	if c.JobID == "" {
		return nil, refused(op, "a job is required: a Greenhouse candidate applies to a job")
	}
	jobID, err := parseID(op, "job", c.JobID)
	if err != nil {
		return nil, refused(op, "job %q is not a Greenhouse job id", c.JobID)
	}
	var st ats.Stage
	if c.Stage != "" {
		if st, err = d.resolveStage(ctx, op, c.JobID, c.Stage); err != nil {
			return nil, err
		}
	}
	first, last, ok := splitName(c.Name)
	if !ok {
		return nil, refused(op, "Greenhouse requires a first and a last name, got %q", c.Name)
	}
	var sourceID int64
	if c.Source != "" {
		sources, err := all[struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		}](ctx, d.c, "/v3/sources", nil)
		if err != nil {
			return nil, mapErr(op, err)
		}
		for _, s := range sources {
			if strings.EqualFold(s.Name, c.Source) {
				sourceID = s.ID
			}
		}
		if sourceID == 0 {
			return nil, refused(op, "Greenhouse has no source %q: add it in Configure > Custom Options > Sources", c.Source)
		}
	}
	in := map[string]any{"first_name": first, "last_name": last}
	if c.Headline != "" {
		in["title"] = c.Headline
	}
	var emails, sites, addresses []typedValue
	for _, e := range c.Emails {
		emails = append(emails, typedValue{Value: e, Type: "personal"})
	}
	for _, l := range c.Links {
		sites = append(sites, typedValue{Value: l, Type: "other"})
	}
	if c.Location != "" {
		addresses = append(addresses, typedValue{Value: c.Location, Type: "other"})
	}
	if emails != nil {
		in["email_addresses"] = emails
	}
	if sites != nil {
		in["website_addresses"] = sites
	}
	if addresses != nil {
		in["addresses"] = addresses
	}
	if len(c.Tags) > 0 {
		in["tags"] = c.Tags
	}
	var created struct {
		Candidate ghCandidate `json:"candidate"`
	}
	if _, err := d.c.do(ctx, http.MethodPost, "/v3/candidates", in, &created); err != nil {
		return nil, mapErr(op, err)
	}
	cand := created.Candidate
	// After the candidate exists the outcome is partial: uncertain, and
	// only that (the step's own error is kept as text, not as a sentinel
	// a caller could take for "nothing was written").
	partial := func(step string, err error) error {
		return &ats.Error{Kind: ats.ErrUncertain, Op: op,
			Cause: fmt.Errorf("candidate %d was created but %s failed: %v", cand.ID, step, err)}
	}
	appIn := map[string]any{"candidate_id": cand.ID, "job_id": jobID}
	if st.ID != "" {
		appIn["initial_stage_id"], _ = strconv.ParseInt(st.ID, 10, 64)
	}
	if sourceID != 0 {
		appIn["source_id"] = sourceID
	}
	var a ghApplication
	err = d.whilePending(ctx, "candidate_id", func() error {
		_, err := d.c.do(ctx, http.MethodPost, "/v3/applications", appIn, &a)
		return err
	})
	if err != nil {
		return nil, partial("its application", err)
	}
	if c.CV != nil {
		err = d.whilePending(ctx, "application_id", func() error {
			_, err := d.attach(ctx, op, a.ID, *c.CV, "resume")
			return err
		})
		if err != nil {
			return nil, partial("attaching the CV to application "+itoa(a.ID), err)
		}
	}
	app := &ats.Application{ID: itoa(a.ID), JobID: itoa(jobID), Candidate: ats.Candidate{ID: itoa(cand.ID), Name: strings.TrimSpace(first + " " + last), Emails: c.Emails},
		Tags: c.Tags, URL: d.cfg.AppURL + "/people/" + itoa(cand.ID) + "?application_id=" + itoa(a.ID)}
	app.Stage = st
	if sid := a.stageID(); sid != 0 && st.ID == "" {
		app.Stage.ID = itoa(sid)
		if a.StageName != nil {
			app.Stage.Name = *a.StageName
		}
	}
	return app, nil
}

// whilePending runs write again, for up to Config.PendingWait, while
// Greenhouse refuses it because the record in field (one the driver has
// just created) does not exist yet.
func (d *Driver) whilePending(ctx context.Context, field string, write func() error) error {
	deadline := time.Now().Add(d.cfg.PendingWait)
	wait := 100 * time.Millisecond
	for {
		err := write()
		var ae *apiError
		if err == nil || !errors.As(err, &ae) {
			return err
		}
		pending := ae.Status == http.StatusUnprocessableEntity && ae.Field == field ||
			ae.Status == http.StatusNotFound && (ae.Field == "" || ae.Field == field)
		if !pending || time.Now().Add(wait).After(deadline) || !sleep(ctx, wait) {
			return err
		}
		wait = min(2*wait, 5*time.Second)
	}
}

// splitName splits a full name into Greenhouse's first and last name at
// the last space.
func splitName(name string) (first, last string, ok bool) {
	name = strings.Join(strings.Fields(name), " ")
	i := strings.LastIndexByte(name, ' ')
	if i <= 0 {
		return "", "", false
	}
	return name[:i], name[i+1:], true
}

// ApplicationsInStage lists the active applications in a stage (stage ids
// are unique across jobs in Greenhouse; p.JobID narrows further) that
// entered it at or after p.Since, by the stage history's entered_at.
// Confidential jobs' applications are listed when the credential may see
// them: Greenhouse filters by the token's user, not by a parameter.
func (d *Driver) ApplicationsInStage(ctx context.Context, p ats.StageListing) iter.Seq2[*ats.Application, error] {
	const op = "greenhouse: list applications in stage"
	return func(yield func(*ats.Application, error) bool) {
		if p.Stage == "" {
			yield(nil, refused(op, "a stage id is required"))
			return
		}
		sid, err := strconv.ParseInt(p.Stage, 10, 64)
		if err != nil {
			yield(nil, refused(op, "stage %q is not a Greenhouse stage id", p.Stage))
			return
		}
		q := url.Values{"stage_ids": {itoa(sid)}, "status": {"active"}, "per_page": {"50"}}
		if p.JobID != "" {
			jid, err := strconv.ParseInt(p.JobID, 10, 64)
			if err != nil {
				yield(nil, refused(op, "job %q is not a Greenhouse job id", p.JobID))
				return
			}
			q.Set("job_ids", itoa(jid))
		}
		var batch []ghApplication
		flush := func() bool {
			apps, err := d.complete(ctx, op, batch)
			batch = batch[:0]
			if err != nil {
				yield(nil, err)
				return false
			}
			for _, a := range apps {
				if a.Stage.ID != itoa(sid) || a.Archived {
					continue
				}
				if !p.Since.IsZero() && a.StageEnteredAt.Before(p.Since) {
					continue
				}
				if !yield(a, nil) {
					return false
				}
			}
			return true
		}
		for a, err := range list[ghApplication](ctx, d.c, "/v3/applications", q) {
			if err != nil {
				yield(nil, mapErr(op, err))
				return
			}
			batch = append(batch, a)
			if len(batch) == 50 && !flush() {
				return
			}
		}
		if len(batch) > 0 {
			flush()
		}
	}
}

// JobsWithTag lists the jobs whose tag custom field (Config.JobTagField)
// holds the tag, exactly. Confidential jobs only when p.Confidential.
func (d *Driver) JobsWithTag(ctx context.Context, p ats.JobListing) iter.Seq2[*ats.Job, error] {
	const op = "greenhouse: list jobs with tag"
	return func(yield func(*ats.Job, error) bool) {
		if p.Tag == "" {
			yield(nil, refused(op, "a tag is required"))
			return
		}
		for j, err := range list[ghJob](ctx, d.c, "/v3/jobs", nil) {
			if err != nil {
				yield(nil, mapErr(op, err))
				return
			}
			if j.Confidential && !p.Confidential {
				continue
			}
			if !slices.Contains(d.jobTags(j), p.Tag) {
				continue
			}
			if !yield(d.toJob(j), nil) {
				return
			}
		}
	}
}

var _ ats.Driver = (*Driver)(nil)
