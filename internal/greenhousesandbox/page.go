package greenhousesandbox

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
)

// The recruiter page: what a recruiter sees in Greenhouse, read-only. "/"
// lists the jobs with their applications; /applications/{id} shows one
// application's candidate (tags, custom fields), stage, status, source,
// the candidate's notes and the application's attachments.

var pageTemplates = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{.}} · Greenhouse sandbox</title>
<style>body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:.3em .8em;text-align:left;vertical-align:top}.note{white-space:pre-wrap;border-left:3px solid #4a8;padding-left:.8em;margin:.6em 0}</style></head><body>{{end}}
{{define "index"}}{{template "head" "Jobs"}}<h1>Jobs</h1>
{{range .}}<h2>{{.Job.Name}} <small>({{.Job.Status}}{{if .Job.Tags}}; Tags: {{range $i, $t := .Job.Tags}}{{if $i}}, {{end}}{{$t}}{{end}}{{end}})</small></h2>
<table><tr><th>Candidate</th><th>Stage</th><th>Status</th></tr>
{{range .Apps}}<tr><td><a href="/applications/{{.ID}}">{{.Name}}</a></td><td>{{.Stage}}</td><td>{{.Status}}</td></tr>{{else}}<tr><td colspan="3">No applications</td></tr>{{end}}
</table>{{else}}<p>No jobs.</p>{{end}}</body></html>{{end}}
{{define "application"}}{{template "head" .Name}}<p><a href="/">Jobs</a></p><h1>{{.Name}}</h1>
<table><tr><th>Job</th><td>{{.Job}}</td></tr><tr><th>Stage</th><td>{{.Stage}}</td></tr><tr><th>Status</th><td>{{.Status}}</td></tr>
<tr><th>Source</th><td>{{.Source}}</td></tr><tr><th>E-mail</th><td>{{range .Emails}}{{.}} {{end}}</td></tr>
<tr><th>Tags</th><td>{{range .Tags}}{{.}}<br>{{end}}</td></tr></table>
<h2>Custom fields</h2><table>{{range .Fields}}<tr><th>{{.Name}}</th><td class="note">{{.Value}}</td></tr>{{else}}<tr><td>None</td></tr>{{end}}</table>
<h2>Activity feed</h2>{{range .Notes}}<div class="note"><b>{{.Author}}</b> ({{.Visibility}})<br>{{.Body}}</div>{{else}}<p>No notes.</p>{{end}}
<h2>Attachments</h2><ul>{{range .Files}}<li><a href="/files/{{.ID}}">{{.Filename}}</a> ({{.Type}})</li>{{else}}<li>None</li>{{end}}</ul>
</body></html>{{end}}`))

type pageApp struct {
	ID                  int64
	Name, Stage, Status string
}

func (s *Sandbox) handlePageIndex(w http.ResponseWriter, _ *http.Request) {
	type jobView struct {
		Job  *job
		Apps []pageApp
	}
	s.mu.Lock()
	var jobs []jobView
	for _, j := range s.st.jobs {
		jv := jobView{Job: j}
		for _, a := range s.st.applications {
			if a.JobID != j.ID {
				continue
			}
			pa := pageApp{ID: a.ID, Status: a.Status}
			if c := s.st.candidate(a.CandidateID); c != nil {
				pa.Name = c.name()
			}
			if st := s.st.stage(a.StageID); st != nil {
				pa.Stage = st.Name
			}
			jv.Apps = append(jv.Apps, pa)
		}
		jobs = append(jobs, jv)
	}
	s.mu.Unlock()
	s.renderPage(w, "index", jobs)
}

func (s *Sandbox) handlePageApplication(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	type field struct{ Name, Value string }
	type noteView struct{ Author, Visibility, Body string }
	var v struct {
		Name, Job, Stage, Status, Source string
		Emails, Tags                     []string
		Fields                           []field
		Notes                            []noteView
		Files                            []*attachment
	}
	s.mu.Lock()
	a := s.st.application(id)
	if a == nil {
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	c := s.st.candidate(a.CandidateID)
	v.Name, v.Status, v.Tags = c.name(), a.Status, s.st.tagNames(c.ID)
	for _, e := range c.Emails {
		v.Emails = append(v.Emails, e.Value)
	}
	if j := s.st.job(a.JobID); j != nil {
		v.Job = j.Name
	}
	if st := s.st.stage(a.StageID); st != nil {
		v.Stage = st.Name
	}
	if so := s.st.source(a.SourceID); so != nil {
		v.Source = so.Name
	}
	for _, f := range s.st.customFields {
		if val, ok := c.CustomFields[f.ID]; ok && f.FieldType == "candidate" {
			if str, ok := val.(string); ok {
				v.Fields = append(v.Fields, field{f.Name, str})
			}
		}
	}
	for _, n := range slices.Backward(s.st.notes) {
		if n.CandidateID == c.ID {
			author := ""
			if u := s.st.user(n.UserID); u != nil {
				author = u.name()
			}
			v.Notes = append(v.Notes, noteView{author, n.Visibility, n.Body})
		}
	}
	for _, f := range s.st.attachments {
		if f.ApplicationID == a.ID {
			v.Files = append(v.Files, f)
		}
	}
	s.mu.Unlock()
	s.renderPage(w, "application", v)
}

func (s *Sandbox) renderPage(w http.ResponseWriter, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pageTemplates.ExecuteTemplate(w, name, data); err != nil {
		s.log.Error("render page", "page", name, "error", err)
	}
}
