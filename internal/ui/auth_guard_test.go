package ui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

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
