package leversandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// apiError is an error answer in Lever's shape: {"code","message"}.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func errBadRequest(format string, args ...any) error {
	return &apiError{http.StatusBadRequest, "BadRequest", fmt.Sprintf(format, args...)}
}

func errUnauthorized(msg string) error {
	return &apiError{http.StatusUnauthorized, "Unauthorized", msg}
}

func errForbidden(format string, args ...any) error {
	return &apiError{http.StatusForbidden, "Forbidden", fmt.Sprintf(format, args...)}
}

// errNotFound renders Lever's message: "<resource> <id> was not found".
func errNotFound(resource, id string) error {
	return &apiError{http.StatusNotFound, "ResourceNotFound", resource + " " + id + " was not found"}
}

func errUnprocessable(format string, args ...any) error {
	return &apiError{http.StatusUnprocessableEntity, "UnprocessableEntity", fmt.Sprintf(format, args...)}
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"code":"InternalServerError","message":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError answers with err; anything but an *apiError is a 500.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{http.StatusInternalServerError, "InternalServerError", err.Error()}
	}
	writeJSON(w, ae.status, map[string]string{"code": ae.code, "message": ae.message})
}

// one wraps a single object: {"data": …}.
func one(v any) map[string]any { return map[string]any{"data": v} }

// checkBodyType refuses a write whose body Lever would not read. Lever's
// Data API takes JSON ("Lever accepts requests of type application/json"),
// and multipart/form-data where files are sent (create an opportunity,
// upload a file); a body of any other type, or one without a Content-Type,
// would reach Lever's handler as no fields at all.
func checkBodyType(r *http.Request) error {
	if r.Method == http.MethodGet || r.Method == http.MethodHead || r.ContentLength == 0 {
		return nil
	}
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || (mt != "application/json" && mt != "multipart/form-data") {
		if ct == "" {
			ct = "none"
		}
		return errBadRequest("Content-Type must be application/json (or multipart/form-data where files are sent), got %s", ct)
	}
	return nil
}

// maxJSONBody caps JSON request bodies.
const maxJSONBody = 4 << 20

// decodeJSON reads the request body into v. An empty body is an error.
func decodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return errBadRequest("read body: %v", err)
	}
	if len(b) > maxJSONBody {
		return errBadRequest("body is larger than %d bytes", maxJSONBody)
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return errBadRequest("a JSON body is required")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errBadRequest("invalid JSON body: %v", err)
	}
	return nil
}

// multi returns a repeatable query parameter: every occurrence of name and
// of name[], each also split on commas.
func multi(q url.Values, name string) []string {
	var out []string
	for _, key := range []string{name, name + "[]"} {
		for _, v := range q[key] {
			for _, part := range strings.Split(v, ",") {
				if part = strings.TrimSpace(part); part != "" {
					out = append(out, part)
				}
			}
		}
	}
	return out
}

// multiExact is multi without comma splitting, for values (tags, sources)
// that may themselves contain commas.
func multiExact(q url.Values, name string) []string {
	var out []string
	for _, key := range []string{name, name + "[]"} {
		for _, v := range q[key] {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// millisParam parses an optional millisecond timestamp parameter.
func millisParam(q url.Values, name string) (*int64, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, errBadRequest("%s must be a timestamp in milliseconds, got %q", name, v)
	}
	return &n, nil
}

// boolParam parses an optional true/false parameter.
func boolParam(q url.Values, name string) (*bool, error) {
	v := q.Get(name)
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, errBadRequest("%s must be true or false, got %q", name, v)
	}
	return &b, nil
}

// inRange reports whether t lies in [start, end] (either bound optional).
func inRange(t int64, start, end *int64) bool {
	if start != nil && t < *start {
		return false
	}
	if end != nil && t > *end {
		return false
	}
	return true
}

// listPage is Lever's list envelope.
type listPage struct {
	Data    any    `json:"data"`
	HasNext bool   `json:"hasNext"`
	Next    string `json:"next,omitempty"`
}

// offsetTokens remembers the offset tokens handed out, because Lever only
// accepts tokens it issued. The set is capped; it is not persisted.
type offsetTokens struct {
	mu     sync.Mutex
	issued map[string]struct{}
}

const maxOffsetTokens = 100_000

func newOffsetTokens() *offsetTokens { return &offsetTokens{issued: map[string]struct{}{}} }

func (o *offsetTokens) issue(key int64, id string) string {
	tok := "0." + strconv.FormatInt(key, 10) + "." + id
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.issued) >= maxOffsetTokens {
		clear(o.issued)
	}
	o.issued[tok] = struct{}{}
	return tok
}

// parse returns the sort key and id of an issued token.
func (o *offsetTokens) parse(tok string) (int64, string, error) {
	o.mu.Lock()
	_, ok := o.issued[tok]
	o.mu.Unlock()
	parts := strings.SplitN(tok, ".", 3)
	if !ok || len(parts) != 3 || parts[0] != "0" {
		return 0, "", errBadRequest("offset %q is not a valid offset token", tok)
	}
	key, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return 0, "", errBadRequest("offset %q is not a valid offset token", tok)
	}
	return key, parts[2], nil
}

// paginate cuts one page out of items, which are sorted by key ascending,
// following limit (1–100, default 100) and the offset token.
func paginate[T any](s *Sandbox, r *http.Request, items []T, key func(T) (int64, string)) ([]T, listPage, error) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, listPage{}, errBadRequest("limit must be an integer from 1 to 100, got %q", v)
		}
		limit = n
	}
	start := 0
	if tok := q.Get("offset"); tok != "" {
		k, id, err := s.offsets.parse(tok)
		if err != nil {
			return nil, listPage{}, err
		}
		start = len(items)
		for i, it := range items {
			ik, iid := key(it)
			if ik > k || ik == k && iid > id {
				start = i
				break
			}
		}
	}
	end := min(start+limit, len(items))
	out := items[start:end]
	var p listPage
	if end < len(items) {
		k, id := key(items[end-1])
		p.HasNext = true
		p.Next = s.offsets.issue(k, id)
	}
	return out, p, nil
}

// shape applies include to an already expanded object v: with include,
// only the named fields (plus id and the expanded ones) are kept.
func shape(v any, include, expand []string) any {
	if len(include) == 0 {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		return v
	}
	for k := range m {
		if k != "id" && !slices.Contains(include, k) && !slices.Contains(expand, k) {
			delete(m, k)
		}
	}
	return m
}

// performAs reads the perform_as user. required makes its absence a 400; a
// given id must name an active user.
func (s *Sandbox) performAs(r *http.Request, required bool) (*user, error) {
	id := r.URL.Query().Get("perform_as")
	if id == "" {
		if required {
			return nil, errBadRequest("perform_as is required")
		}
		return nil, nil
	}
	u := s.st.Users[id]
	if u == nil {
		return nil, errBadRequest("perform_as user %s was not found", id)
	}
	if u.DeactivatedAt != nil {
		return nil, errBadRequest("perform_as user %s is deactivated", id)
	}
	return u, nil
}

// userIDPtr is the id of u, or nil.
func userIDPtr(u *user) *string {
	if u == nil {
		return nil
	}
	return ptr(u.ID)
}

func itoa(i int) string { return strconv.Itoa(i) }
