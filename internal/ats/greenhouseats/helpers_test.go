package greenhouseats_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/ats/atstest"
	"stagecoach/internal/ats/greenhouseats"
	"stagecoach/internal/greenhousesandbox"
)

// sandbox is one Greenhouse sandbox on a test server.
type sandbox struct {
	srv            *httptest.Server
	actor, mention string // user ids
}

func startSandbox(tb testing.TB) *sandbox { return startSandboxAt(tb, nil) }

// startSandboxAt starts a sandbox on the clock now (nil: time.Now).
func startSandboxAt(tb testing.TB, now func() time.Time) *sandbox {
	return startSandboxWith(tb, greenhousesandbox.Config{NowFunc: now})
}

// startSandboxWith starts a demo sandbox configured by cfg, without
// webhook retries.
func startSandboxWith(tb testing.TB, cfg greenhousesandbox.Config) *sandbox {
	tb.Helper()
	cfg.Seed, cfg.WebhookRetryDelays = "demo", []time.Duration{}
	sb, err := greenhousesandbox.New(cfg)
	if err != nil {
		tb.Fatalf("greenhousesandbox.New: %v", err)
	}
	srv := httptest.NewServer(sb)
	tb.Cleanup(func() {
		srv.Close()
		_ = sb.Close()
	})
	s := &sandbox{srv: srv}
	var users []struct {
		ID           int64  `json:"id"`
		PrimaryEmail string `json:"primary_email"`
	}
	s.admin(tb, http.MethodGet, "/_sandbox/users", nil, &users)
	for _, u := range users {
		switch u.PrimaryEmail {
		case "rkhan@example.com":
			s.actor = strconv.FormatInt(u.ID, 10)
		case "mlopez@example.com":
			s.mention = strconv.FormatInt(u.ID, 10)
		}
	}
	// As docs/greenhouse.md asks an admin to: the provider's source.
	s.admin(tb, http.MethodPost, "/_sandbox/sources", map[string]string{"name": "hackajob"}, nil)
	return s
}

// config is a driver config for the sandbox.
func (s *sandbox) config() greenhouseats.Config {
	return greenhouseats.Config{HarvestURL: s.srv.URL, AuthURL: s.srv.URL, AppURL: s.srv.URL,
		Limiter: greenhouseats.Unlimited(), HTTPClient: s.srv.Client(), Timeout: 10 * time.Second}
}

// customer is a driver with the customer's own credential acting as the
// Site Admin.
func (s *sandbox) customer(tb testing.TB) *greenhouseats.Driver {
	tb.Helper()
	cfg := s.config()
	cfg.ClientID, cfg.ClientSecret, cfg.Sub = greenhousesandbox.CustomerClientID, greenhousesandbox.CustomerClientSecret, s.actor
	d, err := greenhouseats.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// partner connects as a partner: the user consents, the code is exchanged
// and each refreshed pair is stored in saved.
func (s *sandbox) partner(tb testing.TB, saved *tokenStore) *greenhouseats.Driver {
	tb.Helper()
	cfg := s.config()
	cfg.ClientID, cfg.ClientSecret, cfg.UserID = greenhousesandbox.PartnerClientID, greenhousesandbox.PartnerClientSecret, s.actor
	const redirect = "http://127.0.0.1:9/greenhouse/callback"
	hc := s.srv.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := hc.Get(greenhouseats.AuthorizeURL(cfg, redirect, "state-1", []string{"harvest:applications:list"}))
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") != "state-1" {
		tb.Fatalf("authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	tok, err := greenhouseats.ExchangeCode(context.Background(), cfg, loc.Query().Get("code"), redirect)
	if err != nil {
		tb.Fatalf("ExchangeCode: %v", err)
	}
	saved.set(tok)
	cfg.Token = &tok
	cfg.SaveTokenFunc = func(_ context.Context, t greenhouseats.Token) error { saved.set(t); return nil }
	d, err := greenhouseats.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

type tokenStore struct {
	mu     sync.Mutex
	tok    greenhouseats.Token
	stored int
}

func (ts *tokenStore) set(t greenhouseats.Token) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.tok = t
	ts.stored++
}

func (ts *tokenStore) get() (greenhouseats.Token, int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.tok, ts.stored
}

// admin calls the sandbox's admin endpoint (a recruiter in Greenhouse's
// app) and decodes the JSON answer into out.
func (s *sandbox) admin(tb testing.TB, method, path string, body, out any) {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		tb.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			tb.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

func (s *sandbox) download(tb testing.TB, u string) []byte {
	tb.Helper()
	resp, err := s.srv.Client().Get(u)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d", u, resp.StatusCode)
	}
	return b
}

// recruiterView is the sandbox's GET /_sandbox/applications/{id}.
type recruiterView struct {
	Application struct {
		Status string `json:"status"`
		JobID  int64  `json:"job_id"`
		Stage  *struct {
			Name string `json:"name"`
		} `json:"stage"`
		Source *string `json:"source"`
	} `json:"application"`
	Candidate struct {
		Name         string            `json:"name"`
		Title        string            `json:"title"`
		Emails       []string          `json:"emails"`
		Tags         []string          `json:"tags"`
		CustomFields map[string]string `json:"custom_fields"`
		Websites     []struct {
			Value string `json:"value"`
		} `json:"websites"`
	} `json:"candidate"`
	Notes []struct {
		Body   string `json:"body"`
		UserID int64  `json:"user_id"`
	} `json:"notes"`
	Attachments []struct {
		Filename string `json:"filename"`
		Type     string `json:"type"`
		URL      string `json:"url"`
	} `json:"attachments"`
}

func (s *sandbox) view(tb testing.TB, applicationID string) recruiterView {
	var rv recruiterView
	s.admin(tb, http.MethodGet, "/_sandbox/applications/"+applicationID, nil, &rv)
	return rv
}

func contains(s, sub string) bool { return bytes.Contains([]byte(s), []byte(sub)) }

// scene is the Greenhouse sandbox as people use Greenhouse's app.
type scene struct{ s *sandbox }

func (sc scene) NewJob(t testing.TB, title string, tags []string) string {
	var out struct {
		Job struct {
			ID int64 `json:"id"`
		} `json:"job"`
	}
	sc.s.admin(t, http.MethodPost, "/_sandbox/jobs", map[string]any{"name": title, "tags": tags}, &out)
	return strconv.FormatInt(out.Job.ID, 10)
}

func (sc scene) NewApplication(t testing.TB, jobID, name, email string) string {
	var out struct {
		ApplicationID int64 `json:"application_id"`
	}
	sc.s.admin(t, http.MethodPost, "/_sandbox/jobs/"+jobID+"/apply", map[string]string{"name": name, "email": email}, &out)
	return strconv.FormatInt(out.ApplicationID, 10)
}

func (sc scene) Move(t testing.TB, applicationID, stage string) {
	sc.s.admin(t, http.MethodPost, "/_sandbox/applications/"+applicationID+"/move", map[string]string{"stage": stage}, nil)
}

func (sc scene) Archive(t testing.TB, applicationID string) {
	sc.s.admin(t, http.MethodPost, "/_sandbox/applications/"+applicationID+"/reject", map[string]string{}, nil)
}

func (sc scene) View(t testing.TB, applicationID string) atstest.View {
	rv := sc.s.view(t, applicationID)
	v := atstest.View{Name: rv.Candidate.Name, Emails: rv.Candidate.Emails, Tags: rv.Candidate.Tags,
		JobID: strconv.FormatInt(rv.Application.JobID, 10), Archived: rv.Application.Status != "active"}
	if rv.Application.Stage != nil {
		v.Stage = rv.Application.Stage.Name
	}
	if rv.Application.Source != nil {
		v.Sources = []string{*rv.Application.Source}
	}
	for _, n := range rv.Notes {
		v.Notes = append(v.Notes, n.Body)
	}
	for _, a := range rv.Attachments {
		f := atstest.ViewFile{Name: a.Filename, Data: sc.s.download(t, a.URL)}
		if a.Type == "resume" {
			v.CVs = append(v.CVs, f)
		} else {
			v.Files = append(v.Files, f)
		}
	}
	return v
}

// Mentioned is empty: Greenhouse has no @-mentions, so no note notifies
// anyone.
func (sc scene) Mentioned(testing.TB, string) []string { return nil }

func (sc scene) Webhooks(t testing.TB) []string {
	var hooks []struct {
		ID int64 `json:"id"`
	}
	sc.s.admin(t, http.MethodGet, "/_sandbox/webhooks", nil, &hooks)
	var ids []string
	for _, h := range hooks {
		ids = append(ids, strconv.FormatInt(h.ID, 10))
	}
	return ids
}

func (sc scene) ActingUser() string             { return sc.s.actor }
func (sc scene) MentionUser() string            { return sc.s.mention }
func (sc scene) Stages() (first, second string) { return "Assessment", "Face to Face" }

// Tamper changes the application id in the body: Greenhouse signs the
// whole raw body, so any change is what a forger would make.
func (sc scene) Tamper(header http.Header, body []byte) (http.Header, []byte) {
	return header, bytes.Replace(body, []byte(`"application":{`), []byte(`"application":{"id":1,"x":`), 1)
}

var _ atstest.Scene = scene{}
