package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// browserResolve is what a browser makes of a Location header: it drops
// tabs and newlines, reads backslashes as slashes, and resolves the rest
// against the page's URL.
func browserResolve(base *url.URL, loc string) (*url.URL, error) {
	loc = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, loc)
	loc = strings.TrimLeft(loc, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
	ref, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	return base.ResolveReference(ref), nil
}

func TestSafeNextKeepsLocalPathsOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/orders?status=failed", "/orders?status=failed"},
		{"/connections/acme", "/connections/acme"},
		{"/", "/"},
		{"", ""},
		{"orders", ""},
		{"//evil.example", ""},
		{"/\t/evil.example", ""},
		{"/\n/evil.example", ""},
		{"/\\evil.example", ""},
		{"\\/evil.example", ""},
		{"/%2F/evil.example", ""},
		{"/%5C/evil.example", ""},
		{"https://evil.example/", ""},
		{"javascript:alert(1)", ""},
		{"/\x00/evil.example", ""},
		{"/\u00a0/x", "/\u00a0/x"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q)=%q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzSafeNext: whatever next is, what safeNext lets through is a path
// that a browser resolves to this site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/orders", "/\t/evil.example", "//evil.example", "/\\evil", "/%09/x", "/%2f%2fevil", "/a?b=//c", "/./evil", "/..//evil", "https://x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://stagecoach.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got == "" {
			return
		}
		if got != next || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || !utf8.ValidString(got) {
			t.Fatalf("safeNext(%q)=%q", next, got)
		}
		// What http.Redirect writes into Location, as the browser reads it.
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest(http.MethodPost, "/login", nil), got, http.StatusSeeOther)
		u, err := browserResolve(base, w.Header().Get("Location"))
		if err != nil {
			return
		}
		if u.Scheme != "https" || u.Host != "stagecoach.example" {
			t.Fatalf("safeNext(%q)=%q sends the browser to %s", next, got, u)
		}
	})
}

// countingReader counts what the server reads of a request body.
type countingReader struct {
	n, size int
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.size {
		return 0, io.EOF
	}
	k := min(len(p), c.size-c.n)
	for i := range p[:k] {
		p[i] = 'a'
	}
	c.n += k
	return k, nil
}

// The UI never reads more of a body than its cap, whether the length is
// declared or not, and refuses multipart without reading it.
func TestGuardNeverReadsPastTheCap(t *testing.T) {
	t.Parallel()
	u := &UI{}
	called := false
	h := u.guard(func(w http.ResponseWriter, r *http.Request) { called = true })
	for _, tc := range []struct {
		name, contentType string
		declared          bool
		want              int
	}{
		{"declared length", "application/x-www-form-urlencoded", true, http.StatusRequestEntityTooLarge},
		{"chunked", "application/x-www-form-urlencoded", false, http.StatusRequestEntityTooLarge},
		{"multipart", "multipart/form-data; boundary=x", false, http.StatusUnsupportedMediaType},
	} {
		body := &countingReader{size: 40 << 20}
		r := httptest.NewRequest(http.MethodPost, "/login", body)
		r.Header.Set("Content-Type", tc.contentType)
		r.ContentLength = -1
		if tc.declared {
			r.ContentLength = int64(body.size)
		}
		w := httptest.NewRecorder()
		h(w, r)
		if w.Code != tc.want || called {
			t.Errorf("%s: %d (handler called: %v), want %d", tc.name, w.Code, called, tc.want)
		}
		if body.n > maxBodyBytes+1 {
			t.Errorf("%s: read %d bytes of the body, want at most %d", tc.name, body.n, maxBodyBytes+1)
		}
	}
}
