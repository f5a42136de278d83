package e2e

import (
	"context"
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

		// The results' writes stop for good, saying why, before any of
		// them reaches the opportunity: for a redirect to loopback, and for
		// a URL that serves something other than a PDF.
		deadWith := func(want string) {
			t.Helper()
			eventually(t, 20*time.Second, "the dead letter of the results", func() bool {
				var dead []*domain.Job
				err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
					dead, err = tx.JobList(ctx, store.JobFilter{Status: domain.JobDead})
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				for _, j := range dead {
					if strings.Contains(j.LastError, want) {
						return true
					}
				}
				return false
			})
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
		deadWith("report.url: it redirects to 127.0.0.1, " + refusedSuffix)
		nothingLanded(opp.ID)

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
		deadWith("report.url: the file it serves is not a PDF")
		nothingLanded(other.ID)
	})

	if n := internalHits.Load(); n != 0 {
		t.Errorf("the loopback server got %d requests, want none", n)
	}
}
