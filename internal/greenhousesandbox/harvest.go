package greenhousesandbox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Harvest v3 list endpoints: bare JSON arrays, per_page 1..500 (default
// 100), the next page as a Link header with an opaque cursor that must be
// the request's only query parameter.

const (
	defaultPerPage = 100
	maxPerPage     = 500
	maxIDs         = 50
)

// ts formats a time as Harvest v3 does: UTC ISO 8601 with milliseconds.
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ts(*t)
}

// cursor is what the opaque cursor carries: the first request's query and
// the offset of the next page.
type cursor struct {
	Query  string `json:"q"`
	Offset int    `json:"o"`
}

// listQuery works out the query a list request stands for: its own, or,
// with a cursor, the first request's. A cursor beside any other parameter
// is refused, as Harvest v3 refuses it.
func listQuery(r *http.Request) (q url.Values, offset, perPage int, err *apiError) {
	q = r.URL.Query()
	if q.Has("cursor") {
		if len(q) != 1 || len(q["cursor"]) != 1 {
			var others []string
			for k := range q {
				if k != "cursor" {
					others = append(others, k)
				}
			}
			slices.Sort(others)
			return nil, 0, 0, errField(http.StatusUnprocessableEntity, "cursor",
				"cursor must be the only query parameter; also given: %s", strings.Join(others, ", "))
		}
		raw, decErr := base64.RawURLEncoding.DecodeString(q.Get("cursor"))
		var c cursor
		if decErr != nil || json.Unmarshal(raw, &c) != nil || c.Offset < 0 {
			return nil, 0, 0, errField(http.StatusUnprocessableEntity, "cursor", "cursor is not valid")
		}
		if q, decErr = url.ParseQuery(c.Query); decErr != nil {
			return nil, 0, 0, errField(http.StatusUnprocessableEntity, "cursor", "cursor is not valid")
		}
		offset = c.Offset
	}
	perPage = defaultPerPage
	if v := q.Get("per_page"); v != "" {
		n, convErr := strconv.Atoi(v)
		if convErr != nil || n < 1 || n > maxPerPage {
			return nil, 0, 0, errField(http.StatusUnprocessableEntity, "per_page", "per_page must be 1 to %d, got %q", maxPerPage, v)
		}
		perPage = n
	}
	return q, offset, perPage, nil
}

// filters reads a list request's filters, refusing parameters the
// endpoint does not take.
type filters struct {
	q       url.Values
	allowed []string
	err     *apiError
}

func newFilters(q url.Values, allowed ...string) *filters {
	f := &filters{q: q, allowed: append(allowed, "per_page", "ids")}
	for k := range q {
		if !slices.Contains(f.allowed, k) {
			f.err = errField(http.StatusUnprocessableEntity, k, "unknown query parameter %q", k)
		}
	}
	return f
}

// ids reads a comma-separated id list (at most 50); nil when absent.
func (f *filters) ids(name string) []int64 {
	v := f.q.Get(name)
	if v == "" || f.err != nil {
		return nil
	}
	parts := strings.Split(v, ",")
	if len(parts) > maxIDs {
		f.err = errField(http.StatusUnprocessableEntity, name, "%s takes at most %d ids, got %d", name, maxIDs, len(parts))
		return nil
	}
	out := make([]int64, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil {
			f.err = errField(http.StatusUnprocessableEntity, name, "%s: %q is not an integer id", name, p)
			return nil
		}
		out = append(out, n)
	}
	return out
}

func (f *filters) boolean(name string) *bool {
	v := f.q.Get(name)
	if v == "" || f.err != nil {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		f.err = errField(http.StatusUnprocessableEntity, name, "%s must be true or false, got %q", name, v)
		return nil
	}
	return &b
}

// match reports whether id passes an id filter (nil passes all).
func match(list []int64, id int64) bool { return list == nil || slices.Contains(list, id) }

// writePage answers one page of items with the Link header to the next.
func (s *Sandbox) writePage(w http.ResponseWriter, r *http.Request, q url.Values, offset, perPage int, items []any) {
	if offset > len(items) {
		offset = len(items)
	}
	end := min(offset+perPage, len(items))
	if end < len(items) {
		raw, _ := json.Marshal(cursor{Query: q.Encode(), Offset: end})
		next := s.baseURL(r) + r.URL.Path + "?cursor=" + base64.RawURLEncoding.EncodeToString(raw)
		w.Header().Set("Link", "<"+next+`>; rel="next"`)
	}
	page := items[offset:end]
	if page == nil {
		page = []any{}
	}
	writeJSON(w, http.StatusOK, page)
}

// listFunc returns every item of a list endpoint that passes the query's
// filters, in order. The caller holds s.mu.
type listFunc func(r *http.Request, g grant, q url.Values) ([]any, *apiError)

// writeFunc handles a write; it returns the status and body to answer.
// The caller holds s.mu.
type writeFunc func(r *http.Request, g grant) (int, any, *apiError)

// list serves a v3 list endpoint.
func (s *Sandbox) list(fn listFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.faultsBefore(w, r) {
			return
		}
		q, offset, perPage, err := listQuery(r)
		if err != nil {
			writeError(w, err)
			return
		}
		s.mu.Lock()
		g, aerr := s.authenticate(r)
		if aerr == nil {
			aerr = s.rateLimit(w, g)
		}
		if aerr != nil {
			s.mu.Unlock()
			writeError(w, aerr)
			return
		}
		items, lerr := fn(r, g, q)
		s.mu.Unlock()
		if lerr != nil {
			writeError(w, lerr)
			return
		}
		s.writePage(w, r, q, offset, perPage, items)
	}
}

// write serves a v3 write endpoint, with the write faults: applied then
// never answered, or accepted and shown only after a delay.
func (s *Sandbox) write(fn writeFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.faultsBefore(w, r) {
			return
		}
		s.mu.Lock()
		g, aerr := s.authenticate(r)
		if aerr == nil {
			aerr = s.rateLimit(w, g)
		}
		if aerr != nil {
			s.mu.Unlock()
			writeError(w, aerr)
			return
		}
		s.pendingDelay = s.delayedWrite(r)
		status, body, werr := fn(r, g)
		s.pendingDelay = 0
		s.mu.Unlock()
		if werr != nil {
			writeError(w, werr)
			return
		}
		if s.timeoutAfterWrite(r) {
			s.hangUp(r.Context(), w)
			return
		}
		if body == nil {
			w.WriteHeader(status)
			return
		}
		writeJSON(w, status, body)
	}
}

// rateWindow is one client's fixed window.
type rateWindow struct {
	start time.Time
	used  int
}

// rateLimit counts a call against g's client and refuses it past
// Config.RateLimit in the window, with Retry-After until the window ends.
// The caller holds s.mu.
func (s *Sandbox) rateLimit(w http.ResponseWriter, g grant) *apiError {
	limit := s.cfg.RateLimit
	if limit <= 0 {
		return nil
	}
	now := time.Now()
	win := s.windows[g.clientID]
	if win == nil || now.Sub(win.start) >= s.cfg.RateWindow {
		win = &rateWindow{start: now}
		s.windows[g.clientID] = win
	}
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
	if win.used >= limit {
		w.Header().Set("X-RateLimit-Remaining", "0")
		wait := win.start.Add(s.cfg.RateWindow).Sub(now)
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		w.Header().Set("X-RateLimit-Reset", win.start.Add(s.cfg.RateWindow).UTC().Format(http.TimeFormat))
		return errStatus(http.StatusTooManyRequests, "Rate limit of %d calls per %s exceeded", limit, s.cfg.RateWindow)
	}
	win.used++
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(limit-win.used))
	return nil
}

// created returns the visibility of a record created now: at once, or
// after the injected delay. The caller holds s.mu.
func (s *Sandbox) created(now time.Time) visibility {
	return visibility{visibleAt: now.Add(s.pendingDelay)}
}

func (s *Sandbox) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /token", s.handleToken)
	m.HandleFunc("GET /authorize", s.handleAuthorize)

	m.HandleFunc("GET /v3/applications", s.list(s.listApplications))
	m.HandleFunc("POST /v3/applications", s.write(s.createApplication))
	m.HandleFunc("POST /v3/applications/{id}/move", s.write(s.moveApplication))
	m.HandleFunc("POST /v3/applications/{id}/reject", s.write(s.rejectApplication))
	m.HandleFunc("GET /v3/application_stages", s.list(s.listApplicationStages))
	m.HandleFunc("GET /v3/candidates", s.list(s.listCandidates))
	m.HandleFunc("POST /v3/candidates", s.write(s.createCandidate))
	m.HandleFunc("PATCH /v3/candidates/{id}", s.write(s.updateCandidate))
	m.HandleFunc("GET /v3/jobs", s.list(s.listJobs))
	m.HandleFunc("GET /v3/job_interview_stages", s.list(s.listStages))
	m.HandleFunc("GET /v3/users", s.list(s.listUsers))
	m.HandleFunc("GET /v3/notes", s.list(s.listNotes))
	m.HandleFunc("POST /v3/notes", s.write(s.createNote))
	m.HandleFunc("GET /v3/candidate_tags", s.list(s.listTags))
	m.HandleFunc("POST /v3/candidate_tags", s.write(s.createTag))
	m.HandleFunc("GET /v3/applied_candidate_tags", s.list(s.listAppliedTags))
	m.HandleFunc("POST /v3/applied_candidate_tags", s.write(s.applyTag))
	m.HandleFunc("DELETE /v3/applied_candidate_tags/{id}", s.write(s.unapplyTag))
	m.HandleFunc("GET /v3/attachments", s.list(s.listAttachments))
	m.HandleFunc("POST /v3/attachments", s.write(s.createAttachment))
	m.HandleFunc("GET /v3/custom_fields", s.list(s.listCustomFields))
	m.HandleFunc("POST /v3/custom_fields", s.write(s.createCustomField))
	m.HandleFunc("GET /v3/sources", s.list(s.listSources))
	m.HandleFunc("GET /v3/rejection_reasons", s.list(s.listReasons))
	m.HandleFunc("GET /v3/webhooks", s.list(s.listWebhooks))
	m.HandleFunc("POST /v3/webhooks", s.write(s.createWebhook))
	m.HandleFunc("DELETE /v3/webhooks/{id}", s.write(s.deleteWebhook))
	m.HandleFunc("/v3/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errStatus(http.StatusNotFound, "%s %s is not a Harvest v3 endpoint of this sandbox", r.Method, r.URL.Path))
	})

	m.HandleFunc("GET /files/{id}", s.handleFile)
	m.HandleFunc("GET /{$}", s.handlePageIndex)
	m.HandleFunc("GET /applications/{id}", s.handlePageApplication)
	s.adminRoutes(m)
	return m
}

// pathID reads the {id} path value.
func pathID(r *http.Request) (int64, *apiError) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return 0, errStatus(http.StatusNotFound, "%q is not an id", r.PathValue("id"))
	}
	return id, nil
}
