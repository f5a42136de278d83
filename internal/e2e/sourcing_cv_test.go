package e2e

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/pdf"
	"stagecoach/provider"
)

// A CV given by URL is fetched and becomes the resume; a new CV in a later
// export is added to the opportunity's files, once.
func TestSourcingCVByURLAndANewCV(t *testing.T) {
	t.Parallel()
	// The CV server is on loopback: stagecoach must be told to fetch there.
	env := startSourcingDemo(t, func(cfg *demo.Config) {
		base := cfg.App
		cfg.App = func(c *app.Config) {
			base(c)
			c.Engine.Fetch.AllowPrivate = true
		}
	})
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")
	cv := pdf.Report("Curriculum vitae", []string{"CV-BY-URL"})
	cvSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/cv/kim.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			_, _ = w.Write(cv)
		case "/cv/fake.pdf":
			_, _ = w.Write([]byte("<html>not a PDF</html>"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(cvSrv.Close)

	kim := newSourcedPerson("kim")
	in := kim.export(provider.OutcomeSuccessful, "Offer")
	in.CV = &provider.CV{Filename: "kim.pdf", URL: cvSrv.URL + "/cv/kim.pdf"}
	x, _, err := tp.Client.ExportCandidate(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	x = waitExported(t, tp, x.ID)
	var got []byte
	for rs, err := range env.Lever.ListResumes(ctx, x.Opportunity.ID) {
		if err != nil {
			t.Fatal(err)
		}
		if rs.File != nil {
			got = []byte(rs.File.Name)
		}
	}
	if string(got) != "kim.pdf" {
		t.Fatalf("resume = %q, want the CV fetched from its URL", got)
	}

	// A new CV: added to the files, once, however often it is sent.
	in.CV = &provider.CV{Filename: "kim-2026.pdf", ContentBase64: base64.StdEncoding.EncodeToString(pdf.Report("CV", []string{"NEWER"}))}
	for range 2 {
		if _, _, err := tp.Client.ExportCandidate(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 20*time.Second, "the new CV among the files", func() bool {
		n := 0
		for f, err := range env.Lever.ListFiles(ctx, x.Opportunity.ID) {
			if err != nil {
				t.Fatal(err)
			}
			if f.Name == "kim-2026.pdf" {
				n++
			}
		}
		if n > 1 {
			t.Fatalf("%d copies of the new CV", n)
		}
		return n == 1
	})

	// A CV URL that serves something else fails the export, saying why.
	lee := newSourcedPerson("lee")
	bad := lee.export(provider.OutcomeSuccessful, "Offer")
	bad.CV = &provider.CV{Filename: "lee.pdf", URL: cvSrv.URL + "/cv/fake.pdf"}
	lx := exportThatFails(t, tp, bad)
	if lx.Status != provider.ExportFailed || !strings.Contains(lx.LastError, "PDF") {
		t.Errorf("export = %s %q, want failed because the CV is not a PDF", lx.Status, lx.LastError)
	}
}
