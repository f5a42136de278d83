package leversandbox

import (
	"cmp"
	"net/http"
	"slices"
)

var feedbackReminders = []string{"once", "daily", "frequently", "none"}

type interviewerView struct {
	ID               string  `json:"id"`
	Email            string  `json:"email"`
	Name             string  `json:"name"`
	FeedbackTemplate *string `json:"feedbackTemplate"`
}

type interviewView struct {
	ID               string            `json:"id"`
	Panel            string            `json:"panel"`
	Subject          string            `json:"subject"`
	Note             string            `json:"note"`
	Interviewers     []interviewerView `json:"interviewers"`
	Timezone         string            `json:"timezone"`
	CreatedAt        int64             `json:"createdAt"`
	Date             int64             `json:"date"`
	Duration         int64             `json:"duration"`
	Location         string            `json:"location"`
	FeedbackTemplate *string           `json:"feedbackTemplate"`
	FeedbackForms    any               `json:"feedbackForms"`
	FeedbackReminder string            `json:"feedbackReminder"`
	User             any               `json:"user"`
	Stage            any               `json:"stage"`
	CanceledAt       *int64            `json:"canceledAt"`
	Postings         any               `json:"postings"`
}

type panelView struct {
	ID                string          `json:"id"`
	Applications      []string        `json:"applications"`
	CanceledAt        *int64          `json:"canceledAt"`
	CreatedAt         int64           `json:"createdAt"`
	Start             int64           `json:"start"`
	End               int64           `json:"end"`
	Timezone          string          `json:"timezone"`
	FeedbackReminder  string          `json:"feedbackReminder"`
	User              any             `json:"user"`
	Stage             any             `json:"stage"`
	Note              string          `json:"note"`
	ExternallyManaged bool            `json:"externallyManaged"`
	ExternalURL       *string         `json:"externalUrl"`
	Interviews        []interviewView `json:"interviews"`
}

func (p *panel) interview(id string) *interview {
	for _, iv := range p.Interviews {
		if iv.ID == id {
			return iv
		}
	}
	return nil
}

// span is the start of the first and the end of the last interview.
func (p *panel) span() (int64, int64) {
	var start, end int64
	for i, iv := range p.Interviews {
		e := iv.Date + iv.Duration*60_000
		if i == 0 || iv.Date < start {
			start = iv.Date
		}
		if e > end {
			end = e
		}
	}
	return start, end
}

func (s *Sandbox) viewInterview(p *panel, iv *interview, base string, expand []string) interviewView {
	v := interviewView{
		ID: iv.ID, Panel: p.ID, Subject: iv.Subject, Note: iv.Note, Timezone: iv.Timezone, CreatedAt: iv.CreatedAt,
		Date: iv.Date, Duration: iv.Duration, Location: iv.Location, FeedbackReminder: iv.FeedbackReminder,
		User: iv.User, Stage: nilIfEmpty(p.Stage), CanceledAt: iv.CanceledAt, Interviewers: []interviewerView{},
	}
	if iv.FeedbackTemplate != "" {
		v.FeedbackTemplate = ptr(iv.FeedbackTemplate)
	}
	for _, in := range iv.Interviewers {
		iw := interviewerView{ID: in.ID, FeedbackTemplate: in.FeedbackTemplate}
		if u := s.st.Users[in.ID]; u != nil {
			iw.Email, iw.Name = u.Email, u.Name
		}
		v.Interviewers = append(v.Interviewers, iw)
	}
	forms := []string{}
	for _, f := range s.feedbackOf(p.OpportunityID) {
		if f.Interview == iv.ID {
			forms = append(forms, f.ID)
		}
	}
	v.FeedbackForms = forms
	postings := []string{}
	if o := s.st.Opportunities[p.OpportunityID]; o != nil && o.PostingID != "" {
		postings = append(postings, o.PostingID)
	}
	v.Postings = postings
	for _, e := range expand {
		switch e {
		case "user":
			v.User = s.userOrNil(iv.User)
		case "stage":
			if st := s.stageByID(p.Stage); st != nil {
				v.Stage = st
			}
		case "feedbackForms":
			out := []feedbackView{}
			for _, id := range forms {
				out = append(out, viewFeedback(s.st.Feedback[id]))
			}
			v.FeedbackForms = out
		case "postings":
			out := []any{}
			for _, id := range postings {
				if ps := s.st.Postings[id]; ps != nil {
					out = append(out, s.viewPosting(ps, base, nil, false))
				}
			}
			v.Postings = out
		}
	}
	return v
}

func (s *Sandbox) viewPanel(p *panel, base string, expand []string) panelView {
	start, end := p.span()
	v := panelView{
		ID: p.ID, Applications: nonNil(p.Applications), CanceledAt: p.CanceledAt, CreatedAt: p.CreatedAt,
		Start: start, End: end, Timezone: p.Timezone, FeedbackReminder: p.FeedbackReminder, User: p.User,
		Stage: nilIfEmpty(p.Stage), Note: p.Note, ExternallyManaged: p.ExternallyManaged, Interviews: []interviewView{},
	}
	if p.ExternalURL != "" {
		v.ExternalURL = ptr(p.ExternalURL)
	}
	for _, iv := range p.Interviews {
		v.Interviews = append(v.Interviews, s.viewInterview(p, iv, base, expand))
	}
	for _, e := range expand {
		switch e {
		case "user":
			v.User = s.userOrNil(p.User)
		case "stage":
			if st := s.stageByID(p.Stage); st != nil {
				v.Stage = st
			}
		}
	}
	return v
}

func panelKey(p *panel) (int64, string) { return p.CreatedAt, p.ID }

func (s *Sandbox) panelsOf(oppID string) []*panel {
	var out []*panel
	for _, p := range sortedValues(s.st.Panels, panelKey) {
		if p.OpportunityID == oppID {
			out = append(out, p)
		}
	}
	return out
}

// interviewInput is an interview as sent by a client.
type interviewInput struct {
	ID           string `json:"id"`
	Panel        string `json:"panel"`
	Subject      string `json:"subject"`
	Note         string `json:"note"`
	Interviewers []struct {
		ID               string  `json:"id"`
		FeedbackTemplate *string `json:"feedbackTemplate"`
	} `json:"interviewers"`
	Timezone         string `json:"timezone"`
	Date             *int64 `json:"date"`
	Duration         *int64 `json:"duration"`
	Location         string `json:"location"`
	FeedbackTemplate string `json:"feedbackTemplate"`
	FeedbackReminder string `json:"feedbackReminder"`
}

// buildInterview validates in; where names it in messages.
func (s *Sandbox) buildInterview(in interviewInput, where string, by *user, timezone string, now int64) (*interview, error) {
	if len(in.Interviewers) == 0 {
		return nil, errBadRequest("%sinterviewers must hold at least one interviewer", where)
	}
	iv := &interview{
		ID: newID(), Subject: in.Subject, Note: in.Note, Timezone: in.Timezone, CreatedAt: now, Location: in.Location,
		FeedbackTemplate: in.FeedbackTemplate, FeedbackReminder: in.FeedbackReminder, User: by.ID,
	}
	for i, in := range in.Interviewers {
		if s.st.Users[in.ID] == nil {
			return nil, errBadRequest("%sinterviewers[%d]: user %s was not found", where, i, in.ID)
		}
		if in.FeedbackTemplate != nil && s.st.FeedbackTemplates[*in.FeedbackTemplate] == nil {
			return nil, errBadRequest("%sinterviewers[%d]: feedback template %s was not found", where, i, *in.FeedbackTemplate)
		}
		iv.Interviewers = append(iv.Interviewers, interviewer{ID: in.ID, FeedbackTemplate: in.FeedbackTemplate})
	}
	if in.Date == nil {
		return nil, errBadRequest("%sdate is required", where)
	}
	iv.Date = *in.Date
	if in.Duration == nil || *in.Duration < 1 {
		return nil, errBadRequest("%sduration is required and must be at least 1 (minutes)", where)
	}
	iv.Duration = *in.Duration
	if iv.FeedbackTemplate != "" && s.st.FeedbackTemplates[iv.FeedbackTemplate] == nil {
		return nil, errBadRequest("%sfeedback template %s was not found", where, iv.FeedbackTemplate)
	}
	if iv.FeedbackReminder == "" {
		iv.FeedbackReminder = "frequently"
	}
	if !slices.Contains(feedbackReminders, iv.FeedbackReminder) {
		return nil, errBadRequest("%sfeedbackReminder must be once, daily, frequently or none", where)
	}
	if iv.Timezone == "" {
		iv.Timezone = timezone
	}
	return iv, nil
}

func (s *Sandbox) fireInterview(event string, p *panel, iv *interview) {
	s.fire(event, "", map[string]any{"interviewId": iv.ID, "panelId": p.ID, "opportunityId": p.OpportunityID})
}

func (s *Sandbox) handleInterviewList(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	type pair struct {
		p  *panel
		iv *interview
	}
	var all []pair
	for _, p := range s.panelsOf(o.ID) {
		for _, iv := range p.Interviews {
			all = append(all, pair{p, iv})
		}
	}
	key := func(x pair) (int64, string) { return x.iv.CreatedAt, x.iv.ID }
	slices.SortFunc(all, func(a, b pair) int {
		return cmp.Or(cmp.Compare(a.iv.CreatedAt, b.iv.CreatedAt), cmp.Compare(a.iv.ID, b.iv.ID))
	})
	items, pg, err := paginate(s, r, all, key)
	if err != nil {
		return nil, err
	}
	expand, base := multi(r.URL.Query(), "expand"), s.baseURL(r)
	out := make([]interviewView, 0, len(items))
	for _, x := range items {
		out = append(out, s.viewInterview(x.p, x.iv, base, expand))
	}
	return listReply(out, pg), nil
}

// interviewFor finds an interview of the opportunity and its panel.
func (s *Sandbox) interviewFor(r *http.Request, c *credential) (*opportunity, *panel, *interview, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, nil, nil, err
	}
	id := r.PathValue("interview")
	for _, p := range s.panelsOf(o.ID) {
		if iv := p.interview(id); iv != nil {
			return o, p, iv, nil
		}
	}
	return nil, nil, nil, errNotFound("interviews", id)
}

func (s *Sandbox) handleInterviewGet(r *http.Request, c *credential) (*reply, error) {
	_, p, iv, err := s.interviewFor(r, c)
	if err != nil {
		return nil, err
	}
	return ok(s.viewInterview(p, iv, s.baseURL(r), multi(r.URL.Query(), "expand"))), nil
}

func (s *Sandbox) handleInterviewCreate(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, true)
	if err != nil {
		return nil, err
	}
	var in interviewInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	if in.Panel == "" {
		return nil, errBadRequest("panel is required")
	}
	p := s.st.Panels[in.Panel]
	if p == nil || p.OpportunityID != o.ID {
		return nil, errBadRequest("panel %s was not found on this opportunity", in.Panel)
	}
	if !p.ExternallyManaged {
		return nil, errForbidden("panel %s is not externally managed: interviews can only be added to panels created through the API", p.ID)
	}
	iv, err := s.buildInterview(in, "", by, p.Timezone, s.now())
	if err != nil {
		return nil, err
	}
	p.Interviews = append(p.Interviews, iv)
	s.fireInterview(eventInterviewCreated, p, iv)
	return created(s.viewInterview(p, iv, s.baseURL(r), nil)), nil
}

func (s *Sandbox) handleInterviewUpdate(r *http.Request, c *credential) (*reply, error) {
	_, p, old, err := s.interviewFor(r, c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, true)
	if err != nil {
		return nil, err
	}
	if !p.ExternallyManaged {
		return nil, errForbidden("interview %s is not externally managed and cannot be changed through the API", old.ID)
	}
	var in interviewInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	iv, err := s.buildInterview(in, "", by, p.Timezone, old.CreatedAt)
	if err != nil {
		return nil, err
	}
	iv.ID, iv.User = old.ID, old.User
	p.Interviews[slices.Index(p.Interviews, old)] = iv
	s.fireInterview(eventInterviewUpdated, p, iv)
	return ok(s.viewInterview(p, iv, s.baseURL(r), nil)), nil
}

func (s *Sandbox) handleInterviewDelete(r *http.Request, c *credential) (*reply, error) {
	_, p, iv, err := s.interviewFor(r, c)
	if err != nil {
		return nil, err
	}
	if _, err := s.performAs(r, true); err != nil {
		return nil, err
	}
	if !p.ExternallyManaged {
		return nil, errForbidden("interview %s is not externally managed and cannot be deleted through the API", iv.ID)
	}
	s.removeInterview(p, iv)
	return noContent(), nil
}

// removeInterview deletes iv (and its panel when it was the last one) and
// fires interviewDeleted.
func (s *Sandbox) removeInterview(p *panel, iv *interview) {
	p.Interviews = slices.DeleteFunc(p.Interviews, func(x *interview) bool { return x == iv })
	s.fireInterview(eventInterviewDeleted, p, iv)
	if len(p.Interviews) == 0 {
		delete(s.st.Panels, p.ID)
	}
}

// cleanPendingInterviews removes the interviews still to come, as archiving
// with cleanInterviews does.
func (s *Sandbox) cleanPendingInterviews(o *opportunity, now int64) {
	for _, p := range s.panelsOf(o.ID) {
		for _, iv := range slices.Clone(p.Interviews) {
			if iv.Date > now {
				s.removeInterview(p, iv)
			}
		}
	}
}

func (s *Sandbox) handlePanelList(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	items, pg, err := paginate(s, r, s.panelsOf(o.ID), panelKey)
	if err != nil {
		return nil, err
	}
	expand, base := multi(r.URL.Query(), "expand"), s.baseURL(r)
	out := make([]panelView, 0, len(items))
	for _, p := range items {
		out = append(out, s.viewPanel(p, base, expand))
	}
	return listReply(out, pg), nil
}

func (s *Sandbox) panelFor(r *http.Request, c *credential) (*opportunity, *panel, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, nil, err
	}
	id := r.PathValue("panel")
	p := s.st.Panels[id]
	if p == nil || p.OpportunityID != o.ID {
		return nil, nil, errNotFound("panels", id)
	}
	return o, p, nil
}

func (s *Sandbox) handlePanelGet(r *http.Request, c *credential) (*reply, error) {
	_, p, err := s.panelFor(r, c)
	if err != nil {
		return nil, err
	}
	return ok(s.viewPanel(p, s.baseURL(r), multi(r.URL.Query(), "expand"))), nil
}

type panelInput struct {
	Applications     *[]string        `json:"applications"`
	Timezone         string           `json:"timezone"`
	FeedbackReminder string           `json:"feedbackReminder"`
	Note             string           `json:"note"`
	ExternalURL      string           `json:"externalUrl"`
	Interviews       []interviewInput `json:"interviews"`
}

// applyPanel validates in and sets the panel's own fields (not its
// interviews).
func (s *Sandbox) applyPanel(o *opportunity, p *panel, in panelInput) error {
	if in.Timezone == "" {
		return errBadRequest("timezone is required")
	}
	if len(in.Interviews) == 0 {
		return errBadRequest("interviews must hold at least one interview")
	}
	apps := []string{}
	if o.ApplicationID != "" && o.Archived == nil {
		apps = []string{o.ApplicationID}
	}
	if in.Applications != nil {
		if len(*in.Applications) == 0 {
			return errBadRequest("applications must not be empty; leave it out to use the opportunity's active applications")
		}
		for _, id := range *in.Applications {
			if id != o.ApplicationID {
				return errBadRequest("application %s is not an application of this opportunity", id)
			}
		}
		apps = *in.Applications
	}
	reminder := in.FeedbackReminder
	if reminder == "" {
		reminder = "daily"
	}
	if !slices.Contains(feedbackReminders, reminder) {
		return errBadRequest("feedbackReminder must be once, daily, frequently or none")
	}
	p.Applications, p.Timezone, p.FeedbackReminder, p.Note, p.ExternalURL = apps, in.Timezone, reminder, in.Note, in.ExternalURL
	return nil
}

func (s *Sandbox) handlePanelCreate(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, true)
	if err != nil {
		return nil, err
	}
	var in panelInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	now := s.now()
	p := &panel{ID: newID(), OpportunityID: o.ID, CreatedAt: now, User: by.ID, Stage: o.StageID, ExternallyManaged: true}
	if err := s.applyPanel(o, p, in); err != nil {
		return nil, err
	}
	for i, ii := range in.Interviews {
		iv, err := s.buildInterview(ii, "interviews["+itoa(i)+"].", by, p.Timezone, now)
		if err != nil {
			return nil, err
		}
		p.Interviews = append(p.Interviews, iv)
	}
	s.st.Panels[p.ID] = p
	for _, iv := range p.Interviews {
		s.fireInterview(eventInterviewCreated, p, iv)
	}
	return created(s.viewPanel(p, s.baseURL(r), nil)), nil
}

// handlePanelUpdate replaces a panel: interviews sent with an id are kept
// (and updated), ones without are new, ones left out are deleted.
func (s *Sandbox) handlePanelUpdate(r *http.Request, c *credential) (*reply, error) {
	o, p, err := s.panelFor(r, c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, true)
	if err != nil {
		return nil, err
	}
	if !p.ExternallyManaged {
		return nil, errForbidden("panel %s is not externally managed and cannot be changed through the API", p.ID)
	}
	var in panelInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	next := *p
	if err := s.applyPanel(o, &next, in); err != nil {
		return nil, err
	}
	now := s.now()
	var kept, added []*interview
	next.Interviews = nil
	for i, ii := range in.Interviews {
		iv, err := s.buildInterview(ii, "interviews["+itoa(i)+"].", by, next.Timezone, now)
		if err != nil {
			return nil, err
		}
		if ii.ID != "" {
			old := p.interview(ii.ID)
			if old == nil {
				return nil, errBadRequest("interviews[%d].id %s is not an interview of panel %s", i, ii.ID, p.ID)
			}
			iv.ID, iv.CreatedAt, iv.User = old.ID, old.CreatedAt, old.User
			kept = append(kept, iv)
		} else {
			added = append(added, iv)
		}
		next.Interviews = append(next.Interviews, iv)
	}
	var removed []*interview
	for _, old := range p.Interviews {
		if next.interview(old.ID) == nil {
			removed = append(removed, old)
		}
	}
	*p = next
	for _, iv := range removed {
		s.fireInterview(eventInterviewDeleted, p, iv)
	}
	for _, iv := range kept {
		s.fireInterview(eventInterviewUpdated, p, iv)
	}
	for _, iv := range added {
		s.fireInterview(eventInterviewCreated, p, iv)
	}
	return ok(s.viewPanel(p, s.baseURL(r), nil)), nil
}

func (s *Sandbox) handlePanelDelete(r *http.Request, c *credential) (*reply, error) {
	_, p, err := s.panelFor(r, c)
	if err != nil {
		return nil, err
	}
	if _, err := s.performAs(r, true); err != nil {
		return nil, err
	}
	if !p.ExternallyManaged {
		return nil, errForbidden("panel %s is not externally managed and cannot be deleted through the API", p.ID)
	}
	delete(s.st.Panels, p.ID)
	for _, iv := range p.Interviews {
		s.fireInterview(eventInterviewDeleted, p, iv)
	}
	return noContent(), nil
}
