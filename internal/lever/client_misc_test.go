package lever

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestFindUserByEmail(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("email") == "rae@x.org" {
			writeRaw(w, 200, `{"data":[{"id":"u1","name":"Rae","username":"rkhan","email":"rae@x.org","accessRole":"admin","createdAt":"1"}],"hasNext":false}`)
			return
		}
		writeRaw(w, 200, `{"data":[],"hasNext":false}`)
	})
	u, err := c.FindUserByEmail(context.Background(), "rae@x.org")
	if err != nil || u.ID != "u1" || u.Username != "rkhan" || u.CreatedAt != 1 {
		t.Fatalf("user=%+v err=%v", u, err)
	}
	if _, err := c.FindUserByEmail(context.Background(), "nobody@x.org"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("err=%v, want ErrNotFound", err)
	}
	if got := b.requests()[0].RawQuery; got != "email=rae%40x.org" {
		t.Fatalf("query=%q", got)
	}
}

func TestDownloadFile(t *testing.T) {
	t.Parallel()
	content := []byte{0x25, 0x50, 0x44, 0x46, 0x00, 0xff}
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/broken/") {
			leverError(w, 422, "UnprocessableEntity", "file could not be processed")
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write(content)
	})
	got, err := c.DownloadFile(context.Background(), "o1", "f1")
	if err != nil || string(got) != string(content) {
		t.Fatalf("content=%q err=%v", got, err)
	}
	if r := b.requests()[0]; r.Path != "/v1/opportunities/o1/files/f1/download" || r.Header.Get("Accept") != "*/*" {
		t.Fatalf("request %s Accept=%q", r.Path, r.Header.Get("Accept"))
	}
	if _, err := c.DownloadFile(context.Background(), "o1", "broken/x"); !errors.Is(err, ErrBadRequest) {
		// "broken/x" is escaped into one segment; the server sees the slash.
		t.Fatalf("err=%v, want ErrBadRequest (422)", err)
	}
}

// TestWriteNotTurnedIntoGetByRedirect: net/http would follow a 301 on a
// POST with a bodiless GET; the client reports the redirect instead.
func TestWriteNotTurnedIntoGetByRedirect(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/opportunities/o1/addTags" {
			http.Redirect(w, r, "/v1/elsewhere", http.StatusMovedPermanently)
			return
		}
		writeRaw(w, 200, `{"data":{}}`)
	})
	err := c.AddTags(context.Background(), "o1", []string{"a"}, "")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusMovedPermanently || errors.Is(err, ErrUncertain) {
		t.Fatalf("err=%v, want a 301 *Error", err)
	}
	if n := len(b.requests()); n != 1 {
		t.Fatalf("requests=%d, want 1 (redirect not followed)", n)
	}
	// Reads still follow redirects.
	c2, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/stages/old" {
			http.Redirect(w, r, "/v1/stages/new", http.StatusMovedPermanently)
			return
		}
		writeRaw(w, 200, `{"data":{"id":"new","text":"Moved"}}`)
	})
	if s, err := c2.GetStage(context.Background(), "old"); err != nil || s.ID != "new" {
		t.Fatalf("stage=%+v err=%v", s, err)
	}
}

func TestUncertainErrorMessage(t *testing.T) {
	t.Parallel()
	cause := &Error{StatusCode: 502, Method: "POST", Path: "/x"}
	err := error(&uncertainError{method: "POST", path: "/x", cause: cause})
	if !strings.Contains(err.Error(), "may have been applied") || !strings.Contains(err.Error(), "502") {
		t.Fatalf("Error()=%q", err.Error())
	}
	var got *Error
	if !errors.Is(err, ErrUncertain) || !errors.As(err, &got) || got != cause {
		t.Fatal("uncertainError must unwrap to ErrUncertain and its cause")
	}
}
