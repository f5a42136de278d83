package web

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// LocalPath returns s if it is a path on this site, safe to redirect a
// browser to, else "". Browsers drop tabs and newlines from URLs and read
// a backslash as a slash, so "/\t/evil.example" is "//evil.example" to
// them: anything with a control character or a backslash, or whose path
// (decoded or not) starts with two slashes, is refused.
func LocalPath(s string) string {
	if s == "" || s[0] != '/' || strings.ContainsRune(s, '\\') {
		return ""
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == utf8.RuneError {
			return ""
		}
	}
	p, err := url.Parse(s)
	if err != nil || p.Scheme != "" || p.Host != "" || p.User != nil || p.Opaque != "" || !strings.HasPrefix(p.Path, "/") {
		return ""
	}
	if strings.HasPrefix(s, "//") || strings.HasPrefix(p.Path, "//") || strings.Contains(p.Path, "\\") {
		return ""
	}
	for _, c := range p.Path {
		if c < 0x20 || c == 0x7f {
			return ""
		}
	}
	return s
}
