package pages

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The recruiter page: the opportunities with their notes, forms, files and
// feedback, and the controls a recruiter uses in Lever to move a candidate
// to another stage or archive them.

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

// pageOpp is an opportunity as the "opp" template shows it.
type pageOpp struct {
	Opportunity
	Forms    []pageForm
	Feedback []pageForm
	History  []pageField
}

// oppCard is what the "opp" template gets: one opportunity and the page's
// controls.
type oppCard struct {
	Opp     pageOpp
	Return  string
	Stages  []Stage
	Reasons []ArchiveReason
	Detail  bool
	CSRF    string
}

type pageData struct {
	Title    string
	Postings []Posting
	Opps     []pageOpp
	Stages   []Stage
	Reasons  []ArchiveReason
	Filter   string
	Return   string
	Detail   bool
	Webhooks int
	Session  sessionView
}

// fieldText renders a form answer for people.
func fieldText(f Field) string {
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

func pageForms(forms []Form) []pageForm {
	var out []pageForm
	for _, f := range forms {
		pf := pageForm{Title: f.Title, By: f.By, When: f.When}
		for _, fl := range f.Fields {
			pf.Fields = append(pf.Fields, pageField{Label: fl.Text, Value: fieldText(fl)})
		}
		out = append(out, pf)
	}
	return out
}

func pageOppOf(o Opportunity) pageOpp {
	po := pageOpp{Opportunity: o, Forms: pageForms(o.Forms), Feedback: pageForms(o.Feedback)}
	for _, ch := range o.History {
		po.History = append(po.History, pageField{Label: time.UnixMilli(ch.At).UTC().Format("2006-01-02 15:04 UTC"), Value: ch.Stage + " (by " + ch.By + ")"})
	}
	return po
}

func (p *Pages) boardData(b Board, title, ret string, detail bool, se *session) pageData {
	data := pageData{Title: title, Postings: b.Postings, Stages: b.Stages, Reasons: b.Reasons, Filter: b.Filter, Return: ret,
		Detail: detail, Webhooks: b.Webhooks, Session: p.viewSession(se, ret)}
	for _, o := range b.Opportunities {
		data.Opps = append(data.Opps, pageOppOf(o))
	}
	return data
}

// handlePageIndex lists the opportunities, newest first; ?stage= and
// ?posting= narrow the list.
func (p *Pages) handlePageIndex(w http.ResponseWriter, r *http.Request) {
	se := p.pageSession(w, r)
	q := r.URL.Query()
	b := p.state.Board(r, q.Get("stage"), q.Get("posting"))
	p.render(w, http.StatusOK, "index.html", p.boardData(b, "Lever sandbox", r.URL.RequestURI(), false, se))
}

func (p *Pages) handlePageOpportunity(w http.ResponseWriter, r *http.Request) {
	se := p.pageSession(w, r)
	b, err := p.state.Opportunity(r, r.PathValue("id"))
	if err != nil {
		status, msg := errorStatus(err)
		p.RenderError(w, status, "Not found", msg)
		return
	}
	title := ""
	if len(b.Opportunities) > 0 {
		title = b.Opportunities[0].Name
	}
	p.render(w, http.StatusOK, "opportunity.html", p.boardData(b, title, r.URL.Path, true, se))
}

// pageForm parses a recruiter page form and checks its CSRF token; on
// failure it has answered already.
func (p *Pages) pageForm(w http.ResponseWriter, r *http.Request) (*session, bool) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return nil, false
	}
	se, why := p.CheckForm(r)
	if se == nil {
		p.RenderError(w, http.StatusForbidden, "Refused", why)
		return nil, false
	}
	return se, true
}

// pageActor is the user a recruiter page action is recorded as: the
// signed-in user.
func (p *Pages) pageActor(se *session) string {
	if u := p.SignedIn(se); u != nil {
		return u.ID
	}
	return p.state.DefaultUser()
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
func (p *Pages) handlePageStage(w http.ResponseWriter, r *http.Request) {
	se, ok := p.pageForm(w, r)
	if !ok {
		return
	}
	p.state.LogAs(r.Context(), "page")
	if err := p.state.MoveStage(r.PathValue("id"), r.PostFormValue("stage"), p.pageActor(se)); err != nil {
		_, msg := errorStatus(err)
		p.RenderError(w, http.StatusBadRequest, "Cannot move", msg)
		return
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}

// handlePageArchive archives with the chosen reason, or unarchives when the
// reason is empty.
func (p *Pages) handlePageArchive(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.pageForm(w, r); !ok {
		return
	}
	p.state.LogAs(r.Context(), "page")
	if err := p.state.Archive(r.PathValue("id"), r.PostFormValue("reason")); err != nil {
		_, msg := errorStatus(err)
		p.RenderError(w, http.StatusBadRequest, "Cannot archive", msg)
		return
	}
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}
