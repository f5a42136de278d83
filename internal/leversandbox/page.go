package leversandbox

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the templates a handler renders; parsePages checks each one
// exists so a typo fails at New, not at the first request.
var pageNames = []string{"index.html", "opportunity.html", "consent.html", "error.html", "settings.html"}

func parsePages() (*template.Template, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"millis": func(ms int64) string {
			if ms == 0 {
				return ""
			}
			return time.UnixMilli(ms).UTC().Format("2006-01-02 15:04 UTC")
		},
		"join":      strings.Join,
		"rolelabel": roleLabel,
		"card": func(d pageData, o pageOpp) oppCard {
			return oppCard{Opp: o, Return: d.Return, Stages: d.Stages, Reasons: d.Reasons, Detail: d.Detail, CSRF: d.Session.CSRF}
		},
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("leversandbox: parse templates: %w", err)
	}
	for _, n := range pageNames {
		if t.Lookup(n) == nil {
			return nil, fmt.Errorf("leversandbox: template %s is missing", n)
		}
	}
	return t, nil
}

func (s *Sandbox) renderPage(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := s.pages.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("render page", "template", name, "error", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	Title   string
	Message string
}

type pageField struct {
	Label string
	Value string
}

type pageForm struct {
	Title  string
	By     string
	When   int64
	Fields []pageField
}

type pageNote struct {
	By       string
	When     int64
	Secret   bool
	Comments []string
}

type pageFile struct {
	Name   string
	URL    string
	Size   int64
	Status string
}

type pageOpp struct {
	ID            string
	Name          string
	Emails        []string
	Posting       string
	Stage         *stage
	Owner         string
	Origin        string
	Archived      bool
	ArchiveReason string
	Tags          []string
	Sources       []string
	CreatedAt     int64
	Notes         []pageNote
	Forms         []pageForm
	Files         []pageFile
	Resumes       []pageFile
	Feedback      []pageForm
	History       []pageField
}

// oppCard is what the "opp" template gets: one opportunity and the page's
// controls.
type oppCard struct {
	Opp     pageOpp
	Return  string
	Stages  []*stage
	Reasons []*archiveReason
	Detail  bool
	CSRF    string
}

// pagePosting is a posting as the index page lists it.
type pagePosting struct {
	ID    string
	Text  string
	State string
	Tags  []string
}

type pageData struct {
	Title    string
	Postings []pagePosting
	Opps     []pageOpp
	Stages   []*stage
	Reasons  []*archiveReason
	Filter   string
	Return   string
	Detail   bool
	Webhooks int
	Session  sessionView
}

func (s *Sandbox) userName(id *string) string {
	if id == nil || *id == "" {
		return "API"
	}
	if u := s.st.Users[*id]; u != nil {
		return u.Name
	}
	return *id
}

// fieldText renders a form answer for people.
func fieldText(f field) string {
	if len(f.Value) == 0 || string(f.Value) == "null" {
		return "—"
	}
	var v any
	if json.Unmarshal(f.Value, &v) != nil {
		return string(f.Value)
	}
	switch x := v.(type) {
	case string:
		return x
	case float64:
		if f.Type == "date" {
			return time.UnixMilli(int64(x)).UTC().Format("2006-01-02")
		}
		if f.Currency != "" {
			return fmt.Sprintf("%v %s", x, f.Currency)
		}
		return fmt.Sprintf("%v", x)
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			if str, isStr := e.(string); isStr {
				parts = append(parts, str)
			} else {
				b, _ := json.Marshal(e)
				parts = append(parts, string(b))
			}
		}
		return strings.Join(parts, ", ")
	}
	return string(f.Value)
}

// pageOppOf gathers what the page shows of o. The caller holds s.mu.
func (s *Sandbox) pageOppOf(o *opportunity, base string) pageOpp {
	c := s.st.Contacts[o.ContactID]
	if c == nil {
		c = &contact{}
	}
	po := pageOpp{
		ID: o.ID, Name: c.Name, Emails: c.Emails, Stage: s.stageByID(o.StageID), Owner: s.userName(&o.Owner),
		Origin: o.Origin, Tags: o.Tags, Sources: o.Sources, CreatedAt: o.CreatedAt,
	}
	if p := s.st.Postings[o.PostingID]; p != nil {
		po.Posting = p.Text
	}
	if o.Archived != nil {
		po.Archived = true
		if ar := s.reasonByID(o.Archived.Reason); ar != nil {
			po.ArchiveReason = ar.Text
		}
	}
	for _, n := range s.notesOf(o.ID) {
		pn := pageNote{By: s.userName(n.User), When: n.CreatedAt, Secret: n.Secret}
		for _, cm := range n.Comments {
			pn.Comments = append(pn.Comments, cm.Value)
		}
		po.Notes = append(po.Notes, pn)
	}
	for _, f := range s.formsOf(o.ID) {
		pf := pageForm{Title: f.Text, By: s.userName(f.User), When: f.CreatedAt}
		for _, fl := range f.Fields {
			pf.Fields = append(pf.Fields, pageField{Label: fl.Text, Value: fieldText(fl)})
		}
		po.Forms = append(po.Forms, pf)
	}
	for _, f := range s.filesOf(o.ID) {
		po.Files = append(po.Files, pageFile{Name: f.Name, URL: fileDownloadURL(base, f), Size: f.Size, Status: f.Status})
	}
	for _, rs := range sortedValues(s.st.Resumes, resumeKey) {
		if rs.OpportunityID == o.ID && rs.File != nil {
			po.Resumes = append(po.Resumes, pageFile{
				Name: rs.File.Name, URL: base + "/opportunities/" + o.ID + "/resumes/" + rs.ID + "/download",
				Size: rs.File.Size, Status: rs.File.Status,
			})
		}
	}
	for _, f := range s.feedbackOf(o.ID) {
		pf := pageForm{Title: f.Text, By: s.userName(&f.User), When: f.CompletedAt}
		for _, fl := range f.Fields {
			pf.Fields = append(pf.Fields, pageField{Label: fl.Text, Value: fieldText(fl)})
		}
		po.Feedback = append(po.Feedback, pf)
	}
	for _, ch := range o.StageChanges {
		name := ch.ToStageID
		if st := s.stageByID(ch.ToStageID); st != nil {
			name = st.Text
		}
		po.History = append(po.History, pageField{Label: time.UnixMilli(ch.UpdatedAt).UTC().Format("2006-01-02 15:04 UTC"), Value: name + " (by " + s.userName(ch.UserID) + ")"})
	}
	return po
}

// handlePageIndex lists the opportunities, newest first; ?stage= and
// ?posting= narrow the list.
func (s *Sandbox) handlePageIndex(w http.ResponseWriter, r *http.Request) {
	se := s.pageSession(w, r)
	s.mu.Lock()
	q := r.URL.Query()
	var want *stage
	if v := q.Get("stage"); v != "" {
		want = s.stageByIDOrText(v)
	}
	postingID := q.Get("posting")
	base := s.baseURL(r)
	data := pageData{Title: "Lever sandbox", Stages: s.st.Stages, Reasons: s.st.ArchiveReasons, Return: r.URL.RequestURI(), Webhooks: len(s.st.Webhooks),
		Session: s.viewSession(se, r.URL.RequestURI())}
	if want != nil {
		data.Filter = want.Text
	}
	for _, p := range sortedValues(s.st.Postings, postingKey) {
		data.Postings = append(data.Postings, pagePosting{ID: p.ID, Text: p.Text, State: p.State, Tags: p.Tags})
	}
	opps := sortedValues(s.st.Opportunities, oppKey)
	for i := len(opps) - 1; i >= 0; i-- {
		o := opps[i]
		if o.deleted() || want != nil && o.StageID != want.ID || postingID != "" && o.PostingID != postingID {
			continue
		}
		data.Opps = append(data.Opps, s.pageOppOf(o, base))
	}
	s.mu.Unlock()
	s.renderPage(w, http.StatusOK, "index.html", data)
}

func (s *Sandbox) handlePageOpportunity(w http.ResponseWriter, r *http.Request) {
	se := s.pageSession(w, r)
	s.mu.Lock()
	o, err := s.liveOpportunity(r.PathValue("id"))
	var data pageData
	if err == nil {
		po := s.pageOppOf(o, s.baseURL(r))
		data = pageData{Title: po.Name, Opps: []pageOpp{po}, Stages: s.st.Stages, Reasons: s.st.ArchiveReasons, Return: r.URL.Path, Detail: true,
			Session: s.viewSession(se, r.URL.Path)}
	}
	s.mu.Unlock()
	if err != nil {
		s.renderPage(w, http.StatusNotFound, "error.html", errorPage{Title: "Not found", Message: err.Error()})
		return
	}
	s.renderPage(w, http.StatusOK, "opportunity.html", data)
}

// pageForm parses a recruiter page form and checks its CSRF token; on
// failure it has answered already.
func (s *Sandbox) pageForm(w http.ResponseWriter, r *http.Request) (*session, bool) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, false
	}
	se, why := s.csrfCheck(r)
	if se == nil {
		s.renderPage(w, http.StatusForbidden, "error.html", errorPage{Title: "Refused", Message: why})
		return nil, false
	}
	return se, true
}

// pageActor is the user a recruiter page action is recorded as: the
// signed-in user. The caller holds s.mu.
func (s *Sandbox) pageActor(se *session) string {
	if u := s.sessionUser(se); u != nil {
		return u.ID
	}
	return s.actingAdmin()
}

// backTo returns the form's return path when it is a local path, else "/".
func backTo(r *http.Request) string {
	ret := r.PostFormValue("return")
	if strings.HasPrefix(ret, "/") && !strings.HasPrefix(ret, "//") && !strings.HasPrefix(ret, "/\\") {
		return ret
	}
	return "/"
}

// handlePageStage moves an opportunity as the signed-in user (firing
// candidateStageChange) and goes back to the page.
func (s *Sandbox) handlePageStage(w http.ResponseWriter, r *http.Request) {
	se, ok := s.pageForm(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	o, err := s.liveOpportunity(r.PathValue("id"))
	st := s.stageByIDOrText(r.PostFormValue("stage"))
	if err == nil && st == nil {
		err = errBadRequest("unknown stage %q", r.PostFormValue("stage"))
	}
	if err == nil {
		infoFrom(r.Context()).credential = "page"
		s.moveStage(o, st, ptr(s.pageActor(se)))
		s.commit()
	}
	s.mu.Unlock()
	if err != nil {
		s.renderPage(w, http.StatusBadRequest, "error.html", errorPage{Title: "Cannot move", Message: err.Error()})
		return
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}

// handlePageArchive archives with the chosen reason, or unarchives when the
// reason is empty.
func (s *Sandbox) handlePageArchive(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.pageForm(w, r); !ok {
		return
	}
	s.mu.Lock()
	o, err := s.liveOpportunity(r.PathValue("id"))
	var reason *archiveReason
	if v := r.PostFormValue("reason"); err == nil && v != "" {
		if reason = s.reasonByIDOrText(v); reason == nil {
			err = errBadRequest("unknown archive reason %q", v)
		}
	}
	if err == nil {
		infoFrom(r.Context()).credential = "page"
		s.setArchived(o, reason, false)
		s.commit()
	}
	s.mu.Unlock()
	if err != nil {
		s.renderPage(w, http.StatusBadRequest, "error.html", errorPage{Title: "Cannot archive", Message: err.Error()})
		return
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}

// handlePageFileDownload serves a file to the browser; this is where a
// file's downloadUrl points, as Lever's points into its web app.
func (s *Sandbox) handlePageFileDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.st.Files[r.PathValue("file")]
	var rep *reply
	var err error
	if f == nil || f.OpportunityID != r.PathValue("id") {
		err = errNotFound("files", r.PathValue("file"))
	} else {
		rep, err = downloadReply(f)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	rep.write(w)
}

func (s *Sandbox) handlePageResumeDownload(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rs := s.st.Resumes[r.PathValue("resume")]
	var rep *reply
	var err error
	switch {
	case rs == nil || rs.OpportunityID != r.PathValue("id"):
		err = errNotFound("resumes", r.PathValue("resume"))
	case rs.File == nil:
		err = errUnprocessable("resume %s has no file", rs.ID)
	default:
		rep, err = downloadReply(rs.File)
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	rep.write(w)
}
