package web

import (
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

func TestLocalPathKeepsPathsOnThisSite(t *testing.T) {
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
		if got := LocalPath(tc.in); got != tc.want {
			t.Errorf("LocalPath(%q)=%q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzLocalPath: whatever next is, what LocalPath lets through is a path
// that a browser resolves to this site.
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{"/orders", "/\t/evil.example", "//evil.example", "/\\evil", "/%09/x", "/%2f%2fevil", "/a?b=//c", "/./evil", "/..//evil", "https://x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://stagecoach.example/login")
	f.Fuzz(func(t *testing.T, next string) {
		got := LocalPath(next)
		if got == "" {
			return
		}
		if got != next || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || !utf8.ValidString(got) {
			t.Fatalf("LocalPath(%q)=%q", next, got)
		}
		// What http.Redirect writes into Location, as the browser reads it.
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest(http.MethodPost, "/login", nil), got, http.StatusSeeOther)
		u, err := browserResolve(base, w.Header().Get("Location"))
		if err != nil {
			return
		}
		if u.Scheme != "https" || u.Host != "stagecoach.example" {
			t.Fatalf("LocalPath(%q)=%q sends the browser to %s", next, got, u)
		}
	})
}
