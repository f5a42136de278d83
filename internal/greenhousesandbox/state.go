package greenhousesandbox

import (
	"strings"
	"time"
)

// state is the account. Ids are integers, as in Greenhouse, from one
// counter so that no two records of any kind share an id.
type state struct {
	nextID int64

	users        []*user
	jobs         []*job
	stages       []*stage
	candidates   []*candidate
	applications []*application
	appStages    []*appStage
	notes        []*note
	tags         []*tag
	appliedTags  []*appliedTag
	attachments  []*attachment
	customFields []*customField
	sources      []*source
	reasons      []*rejectionReason
	webhooks     []*webhook
}

func (st *state) id() int64 { st.nextID++; return st.nextID }

// visibility is when a record created through the API can be read: a
// write the sandbox accepted but shows only after a delay (an injected
// fault) has a later time than its creation.
type visibility struct{ visibleAt time.Time }

func (v visibility) visible(now time.Time) bool { return !now.Before(v.visibleAt) }

type user struct {
	ID        int64
	FirstName string
	LastName  string
	Email     string
	SiteAdmin bool
}

func (u *user) name() string { return strings.TrimSpace(u.FirstName + " " + u.LastName) }

type job struct {
	ID           int64
	Name         string
	Status       string // open, closed, draft
	Confidential bool
	RecruiterID  int64
	// Tags are the values of the job's "Tags" multi-select custom field:
	// Greenhouse has no job tags.
	Tags      []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

type stage struct {
	ID        int64
	JobID     int64
	Name      string
	SortOrder int
	Active    bool
}

type typedValue struct {
	Value string `json:"value"`
	Type  string `json:"type,omitempty"`
}

type candidate struct {
	visibility
	ID        int64
	FirstName string
	LastName  string
	Title     string
	Company   string
	Emails    []typedValue
	Websites  []typedValue
	// CustomFields are the candidate's custom field values by field id.
	CustomFields map[int64]any
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (c *candidate) name() string { return strings.TrimSpace(c.FirstName + " " + c.LastName) }

type application struct {
	visibility
	ID          int64
	CandidateID int64
	JobID       int64
	StageID     int64  // 0 once hired
	Status      string // active, rejected, hired
	SourceID    int64
	RecruiterID int64
	RejectionID int64
	RejectedAt  *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

type appStage struct {
	ID            int64
	ApplicationID int64
	StageID       int64
	EnteredAt     time.Time
	ExitedAt      *time.Time
}

type note struct {
	visibility
	ID            int64
	CandidateID   int64
	ApplicationID int64
	UserID        int64
	Body          string
	Visibility    string
	NoteType      string
	CreatedAt     time.Time
}

type tag struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

type appliedTag struct {
	ID          int64
	CandidateID int64
	TagID       int64
	CreatedAt   time.Time
}

type attachment struct {
	visibility
	ID            int64
	ApplicationID int64
	CandidateID   int64
	Filename      string
	Type          string
	ContentType   string
	Visibility    string
	Data          []byte
	CreatedAt     time.Time
}

type customField struct {
	ID        int64
	Name      string
	NameKey   string
	FieldType string // candidate, application, job
	ValueType string // short_text, long_text, …
	CreatedAt time.Time
}

type source struct {
	ID   int64
	Name string
}

type rejectionReason struct {
	ID   int64
	Name string
	Type string
}

type webhook struct {
	ID              int64
	Name            string
	EndpointURL     string
	EventActionType string
	SecretKey       string
	MaxAttempts     int
	Deactivated     bool
	ClientID        string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// defaultStages are the stages a new job gets, in order (Greenhouse's
// default interview plan; each job has its own copies with their own ids).
var defaultStages = []string{"Application Review", "Preliminary Phone Screen", "Assessment", "Face to Face", "Offer"}

// buildSeed returns a new account.
func buildSeed(seed string, now time.Time) *state {
	now = now.UTC()
	st := &state{nextID: 1000}
	st.users = append(st.users, &user{ID: st.id(), FirstName: "Riya", LastName: "Khan", Email: "rkhan@example.com", SiteAdmin: true})
	for _, r := range []struct{ name, typ string }{
		{"Lacking skill(s)/qualification(s)", "We rejected them"},
		{"Other (add notes below)", "We rejected them"},
		{"Took another job", "They rejected us"},
	} {
		st.reasons = append(st.reasons, &rejectionReason{ID: st.id(), Name: r.name, Type: r.typ})
	}
	for _, name := range []string{"LinkedIn", "Referral", "Jobs page on your website"} {
		st.sources = append(st.sources, &source{ID: st.id(), Name: name})
	}
	if seed != "demo" {
		return st
	}
	st.users = append(st.users,
		&user{ID: st.id(), FirstName: "Marta", LastName: "Lopez", Email: "mlopez@example.com"},
		&user{ID: st.id(), FirstName: "Sam", LastName: "Okafor", Email: "sokafor@example.com"},
	)
	recruiter := st.users[1].ID
	backend := st.addJob("Backend Engineer", []string{"stagecoach-demo"}, recruiter, now)
	data := st.addJob("Data Analyst", nil, recruiter, now)
	for i, c := range []struct{ first, last, email string }{
		{"Ada", "Lovelace", "ada@candidates.example"},
		{"Grace", "Hopper", "grace@candidates.example"},
		{"Alan", "Turing", "alan@candidates.example"},
	} {
		jobID := backend.ID
		if i == 2 {
			jobID = data.ID
		}
		st.apply(jobID, c.first, c.last, c.email, now)
	}
	return st
}

// addJob adds an open job with the default stages.
func (st *state) addJob(name string, tags []string, recruiterID int64, now time.Time) *job {
	j := &job{ID: st.id(), Name: name, Status: "open", RecruiterID: recruiterID, Tags: tags, CreatedAt: now, UpdatedAt: now}
	st.jobs = append(st.jobs, j)
	for i, n := range defaultStages {
		st.stages = append(st.stages, &stage{ID: st.id(), JobID: j.ID, Name: n, SortOrder: i, Active: true})
	}
	return j
}

// apply creates a candidate with an application in the job's first stage.
func (st *state) apply(jobID int64, first, last, email string, now time.Time) (*candidate, *application) {
	c := &candidate{ID: st.id(), FirstName: first, LastName: last, CustomFields: map[int64]any{}, CreatedAt: now, UpdatedAt: now}
	if email != "" {
		c.Emails = []typedValue{{Value: email, Type: "personal"}}
	}
	st.candidates = append(st.candidates, c)
	j := st.job(jobID)
	a := &application{ID: st.id(), CandidateID: c.ID, JobID: jobID, Status: "active", CreatedAt: now, UpdatedAt: now}
	if j != nil {
		a.RecruiterID = j.RecruiterID
	}
	if first := st.jobStages(jobID); len(first) > 0 {
		st.enterStage(a, first[0].ID, now)
	}
	st.applications = append(st.applications, a)
	return c, a
}

// enterStage puts a in stage id, closing its current stage's history row.
func (st *state) enterStage(a *application, id int64, now time.Time) {
	for _, h := range st.appStages {
		if h.ApplicationID == a.ID && h.ExitedAt == nil {
			t := now
			h.ExitedAt = &t
		}
	}
	a.StageID = id
	a.UpdatedAt = now
	if id != 0 {
		st.appStages = append(st.appStages, &appStage{ID: st.id(), ApplicationID: a.ID, StageID: id, EnteredAt: now})
	}
}

func (st *state) user(id int64) *user {
	for _, u := range st.users {
		if u.ID == id {
			return u
		}
	}
	return nil
}

func (st *state) job(id int64) *job {
	for _, j := range st.jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

func (st *state) stage(id int64) *stage {
	for _, s := range st.stages {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// jobStages are the active stages of a job in order.
func (st *state) jobStages(jobID int64) []*stage {
	var out []*stage
	for _, s := range st.stages {
		if s.JobID == jobID && s.Active {
			out = append(out, s)
		}
	}
	return out
}

func (st *state) candidate(id int64) *candidate {
	for _, c := range st.candidates {
		if c.ID == id {
			return c
		}
	}
	return nil
}

func (st *state) application(id int64) *application {
	for _, a := range st.applications {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (st *state) source(id int64) *source {
	for _, s := range st.sources {
		if s.ID == id {
			return s
		}
	}
	return nil
}

func (st *state) tagNames(candidateID int64) []string {
	names := []string{}
	for _, at := range st.appliedTags {
		if at.CandidateID != candidateID {
			continue
		}
		for _, t := range st.tags {
			if t.ID == at.TagID {
				names = append(names, t.Name)
			}
		}
	}
	return names
}

func (st *state) currentStageRow(appID int64) *appStage {
	for _, h := range st.appStages {
		if h.ApplicationID == appID && h.ExitedAt == nil {
			return h
		}
	}
	return nil
}
