package lever

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// dataCentre is a second Lever host: it records what reaches it.
type dataCentre struct {
	srv  *httptest.Server
	host string // as the redirect names it
	mu   sync.Mutex
	auth []string
	body []string
}

func newDataCentre(tb testing.TB, hostname string) *dataCentre {
	tb.Helper()
	d := &dataCentre{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		d.mu.Lock()
		d.auth = append(d.auth, r.Header.Get("Authorization"))
		d.body = append(d.body, string(b))
		d.mu.Unlock()
		if r.Header.Get("Authorization") == "" {
			leverError(w, 401, "Unauthorized", "no credentials")
			return
		}
		if r.Method == http.MethodPost {
			writeRaw(w, 201, `{"data":{"noteId":"n1"}}`)
			return
		}
		writeRaw(w, 200, `{"data":{"id":"o1","name":"Ada"}}`)
	}))
	tb.Cleanup(d.srv.Close)
	u, _ := url.Parse(d.srv.URL)
	d.host = hostname + ":" + u.Port()
	return d
}

func (d *dataCentre) seen() ([]string, []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.auth...), append([]string(nil), d.body...)
}

// redirector is the first Lever host: it sends every call on to target with
// 307, as Lever does for an account in another data centre.
func redirector(tb testing.TB, target func() string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+target()+r.URL.RequestURI(), http.StatusTemporaryRedirect)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// TestRedirectKeepsCredentialsBetweenLeverHosts follows Lever's redirect to
// the account's other data centre with the credentials (net/http drops the
// Authorization header on a change of host), for a read and for a write
// with its body.
func TestRedirectKeepsCredentialsBetweenLeverHosts(t *testing.T) {
	t.Parallel()
	eu := newDataCentre(t, "localhost") // a different host name from 127.0.0.1
	first := redirector(t, func() string { return eu.host })
	env := Custom(first.URL)
	env.Hosts = []string{eu.host}
	c := mustNew(t, Config{Environment: env, APIKey: "test-key", Limiter: Unlimited()})

	o, err := c.GetOpportunity(context.Background(), "o1")
	if err != nil || o.Name != "Ada" {
		t.Fatalf("opportunity=%+v err=%v", o, err)
	}
	if _, err := c.CreateNote(context.Background(), "o1", NoteInput{Value: "hello"}, "u1"); err != nil {
		t.Fatal(err)
	}
	auth, body := eu.seen()
	want := "Basic " + basicAuth("test-key")
	if len(auth) != 2 || auth[0] != want || auth[1] != want {
		t.Fatalf("the other data centre saw Authorization %q, want %q twice", auth, want)
	}
	if !strings.Contains(body[1], "hello") {
		t.Fatalf("the note's body did not follow the redirect: %q", body[1])
	}
}

// TestRedirectToOtherHostRefused never sends a call (or its credentials) to
// a host that is not one of the environment's, even one net/http would
// trust with the header (same host name, other port).
func TestRedirectToOtherHostRefused(t *testing.T) {
	t.Parallel()
	for name, hostname := range map[string]string{"other host": "localhost", "same name, other port": "127.0.0.1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			other := newDataCentre(t, hostname)
			first := redirector(t, func() string { return other.host })
			c := mustNew(t, Config{Environment: Custom(first.URL), APIKey: "test-key", Limiter: Unlimited()})

			_, err := c.GetOpportunity(context.Background(), "o1")
			if err == nil || !strings.Contains(err.Error(), other.host+" is not a Lever API host") {
				t.Fatalf("read: err=%v, want the redirect refused naming %s", err, other.host)
			}
			_, err = c.CreateNote(context.Background(), "o1", NoteInput{Value: "hello"}, "u1")
			if err == nil || errors.Is(err, ErrUncertain) {
				t.Fatalf("write: err=%v, want a definite refusal", err)
			}
			if auth, _ := other.seen(); len(auth) != 0 {
				t.Fatalf("the other host received %d calls", len(auth))
			}
		})
	}
}

func TestEnvironmentsByName(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"production": "https://api.lever.co/v1",
		"eu":         "https://api.eu.lever.co/v1",
		"sandbox":    "https://api.sandbox.lever.co/v1",
	} {
		env, ok := Environments[name]
		if !ok || env.Name != name || env.APIBaseURL != want {
			t.Errorf("Environments[%q]=%+v, want API root %s", name, env, want)
		}
	}
	// Production and EU hand calls to each other; the sandbox is apart.
	if !contains(Production.Hosts, "api.eu.lever.co") || !contains(EU.Hosts, "api.lever.co") || len(Sandbox.Hosts) != 0 {
		t.Fatalf("hosts: production %v, eu %v, sandbox %v", Production.Hosts, EU.Hosts, Sandbox.Hosts)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func basicAuth(key string) string {
	r, _ := http.NewRequest("GET", "http://x", nil)
	r.SetBasicAuth(key, "")
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}
