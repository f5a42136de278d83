package sampleprovider

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"stagecoach/internal/pdf"
	"stagecoach/provider"
)

// Defaults of SourcingConfig.
const (
	DefaultSourcingAddr = "127.0.0.1:8953"
	DefaultSourcingName = "hackajob"
	// StageInterview is the provider stage a candidate is in once the
	// interview is scheduled: the stage they are exported in.
	StageInterview = "Phone Interview - 1st Round"
	// StageOnsite is the stage the sample moves its first candidate to
	// after the export, to show a move at the provider reaching Lever.
	StageOnsite = "Onsite"
)

// SourcingCandidate is a candidate on the sample marketplace.
type SourcingCandidate struct {
	ID, Name, Email, Headline, Location string
	// Successful is the outcome of the candidate's interview; an
	// unsuccessful one is exported too (stagecoach decides whether, by the
	// integration's export policy, and under a pseudonym).
	Successful bool
}

// DefaultSourcingCandidates are the sample marketplace's candidates.
func DefaultSourcingCandidates() []SourcingCandidate {
	return []SourcingCandidate{
		{ID: "hj-1001", Name: "Noor Haddad", Email: "noor.haddad@talent.example", Headline: "Backend engineer, Go and Kafka", Location: "Manchester", Successful: true},
		{ID: "hj-1002", Name: "Tomasz Nowak", Email: "tomasz.nowak@talent.example", Headline: "Platform engineer", Location: "Warsaw", Successful: true},
		{ID: "hj-1003", Name: "Lena Vogel", Email: "lena.vogel@talent.example", Headline: "Junior developer", Location: "Hamburg", Successful: false},
	}
}

// SourcingConfig configures a Sourcer.
type SourcingConfig struct {
	StagecoachURL string // required
	APIKey        string // required
	WebhookSecret string // required
	Addr          string // default 127.0.0.1:8953
	Name          string // default "hackajob"
	// Delay is the wait before each step of a candidate (invited to
	// interview, interview scheduled, and after the export a move to
	// Onsite). Zero means 2s.
	Delay time.Duration
	// RoleID is the provider role the candidates apply to; the integration's
	// rolePostings maps it to a Lever posting. Default "backend".
	RoleID string
	// RecruiterEmail is the recruiter who exports; the opportunity is
	// created as them when they are a Lever user.
	RecruiterEmail string
	// Candidates are worked through on start; empty leaves the marketplace
	// idle (it still takes stagecoach's webhooks).
	Candidates []SourcingCandidate
	Logger     *slog.Logger
}

// Sourcer is the sample provider in sourcing mode: a hackajob-like
// marketplace. Its export rule is seed 004's default: a candidate is exported
// to Lever once they have been invited to interview and the interview is
// scheduled. It follows the stage stagecoach reports back from Lever.
type Sourcer struct {
	cfg      SourcingConfig
	log      *slog.Logger
	client   *provider.Client
	verifier *provider.WebhookVerifier
	ready    chan struct{}
	addr     atomic.Value
	started  atomic.Bool
	wg       sync.WaitGroup

	mu    sync.Mutex
	seen  map[string]bool
	cands map[string]*sourced // by provider candidate id
	byExp map[string]string   // export id -> candidate id
	got   map[string]int      // webhooks by type
}

// sourced is a candidate's state on the marketplace.
type sourced struct {
	SourcingCandidate
	Invited, Scheduled bool
	Stage              string
	ExportID           string
	Exported           bool   // stagecoach accepted the export
	Refused            string // why stagecoach refused it
	Opportunity        string
	Deleted            bool
}

// NewSourcer checks cfg and returns a Sourcer; it does no I/O.
func NewSourcer(cfg SourcingConfig) (*Sourcer, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultSourcingAddr
	}
	if cfg.Name == "" {
		cfg.Name = DefaultSourcingName
	}
	if cfg.Delay == 0 {
		cfg.Delay = DefaultDelay
	}
	if cfg.RoleID == "" {
		cfg.RoleID = "backend"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if u, err := url.Parse(cfg.StagecoachURL); cfg.StagecoachURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sample sourcer: stagecoach URL %q is not an http(s) URL", cfg.StagecoachURL)
	}
	if cfg.APIKey == "" || cfg.WebhookSecret == "" {
		return nil, errors.New("sample sourcer: the API key and the webhook secret are required")
	}
	if cfg.Delay < 0 {
		return nil, fmt.Errorf("sample sourcer: delay %v is negative", cfg.Delay)
	}
	v, err := provider.NewWebhookVerifier(cfg.WebhookSecret)
	if err != nil {
		return nil, fmt.Errorf("sample sourcer: %w", err)
	}
	s := &Sourcer{cfg: cfg, log: cfg.Logger.With("component", "samplesourcer"), client: provider.NewClient(cfg.StagecoachURL, cfg.APIKey), verifier: v,
		ready: make(chan struct{}), seen: map[string]bool{}, cands: map[string]*sourced{}, byExp: map[string]string{}, got: map[string]int{}}
	for _, c := range cfg.Candidates {
		s.cands[c.ID] = &sourced{SourcingCandidate: c, Stage: "Applied"}
	}
	return s, nil
}

// Ready is closed once Run listens.
func (s *Sourcer) Ready() <-chan struct{} { return s.ready }

// Addr returns the address it listens on, once Ready.
func (s *Sourcer) Addr() string {
	if a, ok := s.addr.Load().(string); ok {
		return a
	}
	return s.cfg.Addr
}

// URL is the base of its pages and of its webhook URL (URL()+"/webhooks").
func (s *Sourcer) URL() string {
	host, port, err := net.SplitHostPort(s.Addr())
	if err != nil {
		return "http://" + s.Addr()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Handler serves POST /webhooks, GET /profiles/{id} and GET /stats.
func (s *Sourcer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks", s.handleWebhook)
	mux.HandleFunc("GET /profiles/{id}", s.handleProfile)
	mux.HandleFunc("GET /stats", s.handleStats)
	return mux
}

// Run listens, works through the candidates and serves until ctx is done.
func (s *Sourcer) Run(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("sample sourcer: Run called twice")
	}
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("sample sourcer: listen: %w", err)
	}
	s.addr.Store(ln.Addr().String())
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	close(s.ready)
	s.log.Info("sample sourcing provider listening", slog.String("addr", s.Addr()))
	runCtx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		s.wg.Wait()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = srv.Shutdown(sctx)
	}()
	for i, c := range s.cfg.Candidates {
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.work(runCtx, c.ID, i == 0) }()
	}
	select {
	case <-ctx.Done():
		return nil
	case err := <-served:
		return fmt.Errorf("sample sourcer: serve: %w", err)
	}
}

func (s *Sourcer) sleep(ctx context.Context) bool {
	t := time.NewTimer(s.cfg.Delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// work plays one candidate: invited to interview, interview scheduled,
// exported by the rule; the first one is then moved on at the provider.
func (s *Sourcer) work(ctx context.Context, id string, moveOn bool) {
	log := s.log.With(slog.String("candidate", id))
	for _, step := range []func(c *sourced){
		func(c *sourced) { c.Invited = true },
		func(c *sourced) { c.Scheduled = true; c.Stage = StageInterview },
	} {
		if !s.sleep(ctx) {
			return
		}
		s.mu.Lock()
		step(s.cands[id])
		s.mu.Unlock()
		if s.readyToExport(id) {
			if !s.export(ctx, log, id) {
				return
			}
		}
	}
	if !moveOn || !s.sleep(ctx) {
		return
	}
	s.mu.Lock()
	c := s.cands[id]
	expID, ok := c.ExportID, c.Exported && !c.Deleted
	if ok {
		c.Stage = StageOnsite
	}
	s.mu.Unlock()
	if !ok {
		return
	}
	if _, err := s.client.ReportExportStage(ctx, expID, StageOnsite, provider.WithIdempotencyKey(id+":stage:"+StageOnsite)); err != nil {
		log.Warn("could not report the stage change", slog.Any("error", err))
		return
	}
	log.Info("moved the candidate on at the provider", slog.String("stage", StageOnsite))
}

// readyToExport is the export rule: invited to interview and the interview
// scheduled, and not exported yet.
func (s *Sourcer) readyToExport(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cands[id]
	return c.Invited && c.Scheduled && !c.Exported && c.Refused == ""
}

// export sends the candidate to stagecoach, retrying while it is away.
func (s *Sourcer) export(ctx context.Context, log *slog.Logger, id string) bool {
	s.mu.Lock()
	c := *s.cands[id]
	s.mu.Unlock()
	outcome := provider.OutcomeSuccessful
	if !c.Successful {
		outcome = provider.OutcomeUnsuccessful
	}
	cv := pdf.Report(c.Name+" - CV", []string{c.Headline, c.Location, "Exported from " + s.cfg.Name + " after the interview was scheduled."})
	in := provider.ExportInput{
		ProviderCandidateID: c.ID, Outcome: outcome, RoleID: s.cfg.RoleID, Stage: c.Stage, Recruiter: s.cfg.RecruiterEmail,
		Candidate: provider.ExportCandidate{Name: c.Name, Emails: []string{c.Email}, ProfileURL: s.URL() + "/profiles/" + c.ID, Headline: c.Headline, Location: c.Location},
		CV:        &provider.CV{Filename: strings.ReplaceAll(strings.ToLower(c.Name), " ", "-") + "-cv.pdf", ContentBase64: base64.StdEncoding.EncodeToString(cv)},
	}
	for n := 1; ; n++ {
		x, _, err := s.client.ExportCandidate(ctx, in, provider.WithIdempotencyKey(c.ID+":export"))
		if err == nil {
			s.mu.Lock()
			s.cands[id].Exported, s.cands[id].ExportID = true, x.ID
			s.byExp[x.ID] = id
			s.mu.Unlock()
			log.Info("exported the candidate", slog.String("export_id", x.ID), slog.String("outcome", outcome))
			return true
		}
		if permanent(err) {
			s.mu.Lock()
			s.cands[id].Refused = err.Error()
			s.mu.Unlock()
			log.Info("stagecoach did not export the candidate", slog.Any("reason", err))
			return false
		}
		log.Warn("cannot export yet; retrying", slog.Any("error", err))
		t := time.NewTimer(retryWait(n))
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
	}
}

// handleWebhook follows what stagecoach reports about the exports.
func (s *Sourcer) handleWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	msg, err := s.verifier.Verify(r.Header, body)
	if err != nil {
		http.Error(w, "invalid webhook signature", http.StatusUnauthorized)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen[msg.ID] {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.seen[msg.ID] = true
	s.got[msg.Type]++
	x, err := msg.Export()
	if err != nil || !strings.HasPrefix(msg.Type, "export.") {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	c := s.cands[x.Export.ProviderCandidateID]
	if c == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	switch msg.Type {
	case provider.WebhookExportCreated:
		c.Opportunity = x.Export.Opportunity.ID
	case provider.WebhookExportStageChange:
		// Follow the recruiter; nothing is reported back, so there is no
		// loop.
		if st, ok := x.Change["stage"].(string); ok {
			c.Stage = st
		}
	case provider.WebhookExportDeleted:
		c.Deleted = true
	}
	s.log.Info("webhook from stagecoach", slog.String("type", msg.Type), slog.String("candidate", c.ID))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sourcer) handleProfile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	c := s.cands[r.PathValue("id")]
	var cp sourced
	if c != nil {
		cp = *c
	}
	s.mu.Unlock()
	if c == nil {
		http.Error(w, "no such candidate here", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>%s</title><h1>%s</h1><p>%s, %s</p><p>Stage at %s: <strong>%s</strong></p>",
		htmlEscape(cp.Name), htmlEscape(cp.Name), htmlEscape(cp.Headline), htmlEscape(cp.Location), htmlEscape(s.cfg.Name), htmlEscape(cp.Stage))
}

// SourcingStats is the JSON of GET /stats.
type SourcingStats struct {
	Received   map[string]int     `json:"received"`
	Candidates []SourcingSnapshot `json:"candidates"`
}

// SourcingSnapshot is one candidate's state on the marketplace.
type SourcingSnapshot struct {
	ID          string `json:"id"`
	Stage       string `json:"stage"`
	Invited     bool   `json:"invited"`
	Scheduled   bool   `json:"scheduled"`
	ExportID    string `json:"exportId,omitempty"`
	Opportunity string `json:"opportunityId,omitempty"`
	Refused     string `json:"refused,omitempty"`
	Deleted     bool   `json:"deleted,omitempty"`
}

// Stats returns the marketplace's state.
func (s *Sourcer) Stats() SourcingStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := SourcingStats{Received: map[string]int{}}
	for k, v := range s.got {
		st.Received[k] = v
	}
	for _, c := range s.cfg.Candidates {
		x := s.cands[c.ID]
		st.Candidates = append(st.Candidates, SourcingSnapshot{ID: x.ID, Stage: x.Stage, Invited: x.Invited, Scheduled: x.Scheduled, ExportID: x.ExportID,
			Opportunity: x.Opportunity, Refused: x.Refused, Deleted: x.Deleted})
	}
	return st
}

func (s *Sourcer) handleStats(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Stats())
}

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

func htmlEscape(s string) string { return htmlReplacer.Replace(s) }
