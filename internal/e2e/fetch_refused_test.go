package e2e

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/pdf"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// refusedSuffix ends every refusal of a provider URL.
const refusedSuffix = "a loopback address; stagecoach fetches only public addresses (see --allow-private-fetch)"

// A provider points cv.url and report.url at stagecoach's own network:
// straight at loopback (refused when given, 400) and through a server that
// looks public and redirects to loopback (refused when fetched, before
// connecting). Nothing the loopback server holds reaches Lever, and it is
// never even asked.
func TestProviderURLsToPrivateAddressesAreRefused(t *testing.T) {
	t.Parallel()
	var internalHits atomic.Int32
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		internalHits.Add(1)
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write(pdf.Report("Internal", []string{"INTERNAL-SECRET"}))
	}))
	t.Cleanup(internal.Close)
	// The "public" server: on a second loopback address that this
	// stagecoach is told to treat as public.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address here: %v", err)
	}
	public := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/page.pdf" {
			_, _ = w.Write([]byte("<html>a page, not a PDF</html>"))
			return
		}
		http.Redirect(w, r, internal.URL+"/admin/export.pdf", http.StatusFound)
	}))
	public.Listener.Close()
	public.Listener = ln
	public.Start()
	t.Cleanup(public.Close)

	env := startSourcingDemo(t, func(cfg *demo.Config) {
		base := cfg.App
		cfg.App = func(c *app.Config) {
			base(c)
			c.Engine.Fetch.AllowPrivate = false
			c.Engine.Fetch.Allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
		}
	})
	ctx := context.Background()

	t.Run("cv.url", func(t *testing.T) {
		tp := addSourcer(t, env, "successful")
		kim := newSourcedPerson("kim")
		in := kim.export(provider.OutcomeSuccessful, "Offer")
		in.CV = &provider.CV{Filename: "kim.pdf", URL: internal.URL + "/cv/kim.pdf"}
		_, _, err := tp.Client.ExportCandidate(ctx, in)
		var p *provider.Problem
		if !errors.As(err, &p) || p.Status != http.StatusBadRequest || !problemNamesField(p, "cv.url") ||
			p.Detail != "cv.url: 127.0.0.1 is "+refusedSuffix {
			t.Fatalf("export with a loopback cv.url: %v (%+v), want a 400 naming cv.url and the loopback address", err, p)
		}

		lee := newSourcedPerson("lee")
		in = lee.export(provider.OutcomeSuccessful, "Offer")
		in.CV = &provider.CV{Filename: "lee.pdf", URL: public.URL + "/cv/lee.pdf"}
		x := exportThatFails(t, tp, in)
		if want := "cv.url: it redirects to 127.0.0.1, " + refusedSuffix; x.Status != provider.ExportFailed || x.LastError != want {
			t.Errorf("export = %s %q, want failed with %q", x.Status, x.LastError, want)
		}
		for _, person := range []sourcedPerson{kim, lee} {
			if opps := opportunitiesOf(t, env.Lever, person.email); len(opps) != 0 {
				t.Errorf("%s has %d opportunities in Lever, want none", person.name, len(opps))
			}
		}
	})

	t.Run("report.url", func(t *testing.T) {
		tp := addTestProvider(t, env, "acme-assess", "Acme", domain.KindAssessment,
			[]provider.Package{{ID: "java", Name: "Java", Kind: "assessment", LeverTag: "Acme: Java"}}, `{}`)
		opp := findCandidate(t, env.Lever, "New applicant", "")
		if err := env.Lever.AddTags(ctx, opp.ID, []string{"Acme: Java"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := env.MoveToStage(ctx, opp.ID, "Assessment"); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, "order.created", func() bool { return len(tp.messages("order.created")) == 1 })
		order := orderOf(t, tp.messages("order.created")[0])
		score, maxScore := 7.0, 10.0
		completed := func(url string) provider.Event {
			return provider.Event{Type: "completed", Score: &score, MaxScore: &maxScore,
				Report: &provider.Report{Filename: "report.pdf", URL: url}}
		}

		_, err := tp.Client.ReportEvent(ctx, order.ID, completed(internal.URL+"/report.pdf"))
		var p *provider.Problem
		if !errors.As(err, &p) || p.Status != http.StatusBadRequest || !problemNamesField(p, "report.url") ||
			p.Detail != "report.url: 127.0.0.1 is "+refusedSuffix {
			t.Fatalf("completed with a loopback report.url: %v (%+v), want a 400 naming report.url and the loopback address", err, p)
		}

		// The results' writes stop before any of them reaches the
		// opportunity, and the provider hears why, naming the refused
		// address (never the URL): in an order.failed webhook and in the
		// order it reads back, which is back to its status before the
		// event. No dead letter is left for the operator to retry.
		toldWhy := func(o *provider.Order, want string) {
			t.Helper()
			eventually(t, 20*time.Second, "order.failed for "+o.ID, func() bool {
				for _, m := range tp.messages(provider.WebhookOrderFailed) {
					if orderOf(t, m).ID == o.ID {
						return true
					}
				}
				return false
			})
			var hooked *provider.Order
			for _, m := range tp.messages(provider.WebhookOrderFailed) {
				if got := orderOf(t, m); got.ID == o.ID {
					hooked = got
				}
			}
			got, err := tp.Client.GetOrder(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			for what, v := range map[string]*provider.Order{"the order.failed webhook": hooked, "GET /v1/orders/{id}": got} {
				if v.LastError != want || v.Status != provider.StatusCreated || v.Result != nil {
					t.Errorf("%s: status %s, lastError %q, result %+v; want created, %q, no result", what, v.Status, v.LastError, v.Result, want)
				}
				if strings.Contains(v.LastError, public.URL) {
					t.Errorf("%s: lastError %q names the URL", what, v.LastError)
				}
			}
		}
		nothingLanded := func(oppID string) {
			t.Helper()
			v := view(t, env.Lever, oppID)
			if len(v.Files) != 0 || len(v.Forms) != 0 || v.notesContaining("Java") != 0 || v.Stage != "Assessment" {
				t.Errorf("the opportunity got %d files, %d forms, notes %q, stage %q: want nothing from the refused results", len(v.Files), len(v.Forms), v.Notes, v.Stage)
			}
		}
		if _, err := tp.Client.ReportEvent(ctx, order.ID, completed(public.URL+"/report.pdf")); err != nil {
			t.Fatal(err)
		}
		toldWhy(order, "report.url: it redirects to 127.0.0.1, "+refusedSuffix)
		waitIdle(t, env)
		nothingLanded(opp.ID)
		var dead []*domain.Job
		if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
			dead, err = tx.JobList(ctx, store.JobFilter{Status: domain.JobDead})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, j := range dead {
			if strings.Contains(j.LastError, "report.url") {
				t.Errorf("dead letter %d (%s): want none, the provider was told", j.ID, j.LastError)
			}
		}

		// The provider reports the results again, with the report inline:
		// they land in Lever and the error is gone.
		inline := completed("")
		inline.Report = &provider.Report{Filename: "report.pdf", ContentBase64: base64.StdEncoding.EncodeToString(pdf.Report("Java", []string{"7/10"}))}
		again, err := tp.Client.ReportEvent(ctx, order.ID, inline)
		if err != nil {
			t.Fatalf("reporting completed again after order.failed: %v", err)
		}
		if again.Status != provider.StatusCompleted || again.LastError != "" {
			t.Errorf("order after the second report: %s, lastError %q; want completed, none", again.Status, again.LastError)
		}
		eventually(t, 20*time.Second, "the report in Lever", func() bool { return len(view(t, env.Lever, opp.ID).Files) == 1 })

		other := findCandidate(t, env.Lever, "New applicant", "", opp.ID)
		if err := env.Lever.AddTags(ctx, other.ID, []string{"Acme: Java"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := env.MoveToStage(ctx, other.ID, "Assessment"); err != nil {
			t.Fatal(err)
		}
		eventually(t, 20*time.Second, "the second order.created", func() bool { return len(tp.messages("order.created")) == 2 })
		second := orderOf(t, tp.messages("order.created")[1])
		if _, err := tp.Client.ReportEvent(ctx, second.ID, completed(public.URL+"/page.pdf")); err != nil {
			t.Fatal(err)
		}
		toldWhy(second, "report.url: the file it serves is not a PDF")
		waitIdle(t, env)
		nothingLanded(other.ID)
	})

	if n := internalHits.Load(); n != 0 {
		t.Errorf("the loopback server got %d requests, want none", n)
	}
}
