package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// API keys of the sourcing providers addSourcing seeds.
const (
	keySourcer = "sc_test_sourcer_key" // exportPolicy "all", on acme
	keyStrict  = "sc_test_strict_key"  // the default policy, on acme and globex
)

func addSourcing(tb testing.TB, b *testBundle) {
	tb.Helper()
	ctx := context.Background()
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		for _, p := range []*domain.Provider{
			{ID: "sourcer", Name: "Sourcer", Kind: domain.KindSourcing, APIKeyHash: admin.HashAPIKey(keySourcer)},
			{ID: "strict", Name: "Strict", Kind: domain.KindSourcing, APIKeyHash: admin.HashAPIKey(keyStrict)},
		} {
			if err := tx.ProviderCreate(ctx, p); err != nil {
				return err
			}
		}
		for _, in := range []*domain.Integration{
			{ID: "int_sourcer_acme", ProviderID: "sourcer", ConnectionID: "acme", Settings: json.RawMessage(`{"exportPolicy":"all"}`), Enabled: true},
			{ID: "int_strict_acme", ProviderID: "strict", ConnectionID: "acme", Settings: json.RawMessage(`{}`), Enabled: true},
			{ID: "int_strict_globex", ProviderID: "strict", ConnectionID: "globex", Settings: json.RawMessage(`{}`), Enabled: true},
		} {
			if err := tx.IntegrationCreate(ctx, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestExportValidationNamesTheField(t *testing.T) {
	t.Parallel()
	b := setup(t)
	addSourcing(t, b)
	ok := `"providerCandidateId":"c1","outcome":"successful","candidate":{"name":"Ada Park"}`
	big := base64.StdEncoding.EncodeToString(append([]byte("%PDF-1.4\n"), make([]byte, engine.MaxCVBytes)...))
	for _, tt := range []struct{ name, body, field string }{
		{"no candidate id", `{"outcome":"successful","candidate":{"name":"A"}}`, "providerCandidateId"},
		{"no outcome", `{"providerCandidateId":"c1","candidate":{"name":"A"}}`, "outcome"},
		{"bad outcome", `{"providerCandidateId":"c1","outcome":"hired","candidate":{"name":"A"}}`, "outcome"},
		{"no name", `{"providerCandidateId":"c1","outcome":"successful","candidate":{"emails":["a@example.org"]}}`, "candidate.name"},
		{"bad e-mail", `{` + ok[:len(ok)-1] + `,"emails":["not an address"]}}`, "candidate.emails[0]"},
		{"bad link", `{` + ok[:len(ok)-1] + `,"links":["ftp://x.example"]}}`, "candidate.links[0]"},
		{"bad profile URL", `{` + ok[:len(ok)-1] + `,"profileUrl":"hackajob/42"}}`, "candidate.profileUrl"},
		{"empty phone", `{` + ok[:len(ok)-1] + `,"phones":[{"type":"mobile","value":" "}]}}`, "candidate.phones[0].value"},
		{"CV of another type", `{` + ok + `,"cv":{"filename":"cv.exe","contentBase64":"` + b64("MZ") + `"}}`, "cv.filename"},
		{"CV not what it says", `{` + ok + `,"cv":{"filename":"cv.pdf","contentBase64":"` + b64("hello") + `"}}`, "cv.contentBase64"},
		{"DOCX not a zip", `{` + ok + `,"cv":{"filename":"cv.docx","contentBase64":"` + b64("%PDF-1.4") + `"}}`, "cv.contentBase64"},
		{"CV not base64", `{` + ok + `,"cv":{"filename":"cv.pdf","contentBase64":"%%%"}}`, "cv.contentBase64"},
		{"CV both ways", `{` + ok + `,"cv":{"filename":"cv.pdf","contentBase64":"` + b64("%PDF-1") + `","url":"https://x.example/cv.pdf"}}`, "cv"},
		{"CV bad URL", `{` + ok + `,"cv":{"filename":"cv.pdf","url":"file:///etc/passwd"}}`, "cv.url"},
		{"CV too large", `{` + ok + `,"cv":{"filename":"cv.pdf","contentBase64":"` + big + `"}}`, "cv.contentBase64"},
		{"bad recruiter", `{` + ok + `,"recruiterEmail":"rkhan"}`, "recruiterEmail"},
		{"unknown field", `{` + ok + `,"colour":"red"}`, "colour"},
		{"unknown connection", `{` + ok + `,"connection":"initech"}`, "connection"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := b.call(t, "POST", "/v1/exports", keySourcer, tt.body).problem(t, http.StatusBadRequest)
			if got := fieldsOf(p); !slices.Contains(got, tt.field) {
				t.Fatalf("fields=%v, want %s (detail %q)", got, tt.field, p.Detail)
			}
		})
	}
	if n := b.count(t, `SELECT COUNT(*) FROM exports WHERE provider_id = ?`, "sourcer"); n != 0 {
		t.Errorf("%d exports stored from invalid requests", n)
	}
	// A provider on two connections must name one.
	p := b.call(t, "POST", "/v1/exports", keyStrict, `{`+ok+`}`).problem(t, http.StatusBadRequest)
	if !slices.Contains(fieldsOf(p), "connection") {
		t.Errorf("fields=%v, want connection", fieldsOf(p))
	}
	// The default policy refuses unsuccessful candidates, naming outcome.
	p = b.call(t, "POST", "/v1/exports", keyStrict, `{"connection":"acme","providerCandidateId":"c2","outcome":"unsuccessful"}`).problem(t, http.StatusBadRequest)
	if !slices.Contains(fieldsOf(p), "outcome") || !strings.Contains(p.Detail, "only successful") {
		t.Errorf("problem = %+v, want outcome refused by the policy", p)
	}
	// Exports are for sourcing providers.
	b.call(t, "POST", "/v1/exports", keyIMocha, `{`+ok+`}`).problem(t, http.StatusForbidden)
}

func TestExportIsIdempotentPerCandidate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	addSourcing(t, b)
	body := `{"providerCandidateId":"c-42","outcome":"successful","stage":"Screen","candidate":{"name":"Ada Park","emails":["ada@example.org"]},
		"cv":{"filename":"Ada CV.pdf","contentBase64":"` + b64("%PDF-1.4 cv") + `"}}`
	first := b.call(t, "POST", "/v1/exports", keySourcer, body)
	if first.status != http.StatusCreated {
		t.Fatalf("first export: %d %s", first.status, first.body)
	}
	var x engine.ExportJSON
	if err := json.Unmarshal(first.body, &x); err != nil {
		t.Fatal(err)
	}
	if x.Status != "pending" || x.ProviderCandidateID != "c-42" || x.ConnectionID != "acme" || x.Pseudonym != nil || x.Opportunity != nil {
		t.Errorf("export = %+v", x)
	}
	if strings.Contains(string(first.body), "Ada") || strings.Contains(string(first.body), "ada@") {
		t.Errorf("the answer carries personal data: %s", first.body)
	}
	again := b.call(t, "POST", "/v1/exports", keySourcer, strings.Replace(body, "Screen", "Onsite", 1))
	var y engine.ExportJSON
	again.decode(t, &y)
	if again.status != http.StatusOK || y.ID != x.ID || *y.Stage != "Onsite" {
		t.Errorf("second export: %d %+v, want 200 and the same export at Onsite", again.status, y)
	}
	if n := b.count(t, `SELECT COUNT(*) FROM exports WHERE provider_candidate_id = ?`, "c-42"); n != 1 {
		t.Errorf("%d exports of one candidate", n)
	}
	if n := b.count(t, `SELECT COUNT(*) FROM jobs WHERE kind = ?`, engine.JobExportSync); n != 2 {
		t.Errorf("%d sync jobs, want one per export call", n)
	}
	// The outcome of an export cannot change.
	b.call(t, "POST", "/v1/exports", keySourcer, `{"providerCandidateId":"c-42","outcome":"unsuccessful"}`).problem(t, http.StatusConflict)

	// Idempotency-Key: the same request replays, another conflicts.
	key := []string{"Idempotency-Key", "k-1"}
	r1 := b.call(t, "POST", "/v1/exports", keySourcer, `{"providerCandidateId":"c-43","outcome":"unsuccessful"}`, key...)
	r2 := b.call(t, "POST", "/v1/exports", keySourcer, `{"providerCandidateId":"c-43","outcome":"unsuccessful"}`, key...)
	if r1.status != http.StatusCreated || r2.status != http.StatusCreated || r2.header.Get("Idempotent-Replayed") != "true" || string(r1.body) != string(r2.body) {
		t.Errorf("replay: %d then %d (%q)", r1.status, r2.status, r2.header.Get("Idempotent-Replayed"))
	}
	b.call(t, "POST", "/v1/exports", keySourcer, `{"providerCandidateId":"c-44","outcome":"unsuccessful"}`, key...).problem(t, http.StatusConflict)

	// List and get; another provider sees none of them.
	var list struct {
		Data []engine.ExportJSON `json:"data"`
	}
	b.call(t, "GET", "/v1/exports?providerCandidateId=c-43", keySourcer, nil).decode(t, &list)
	if len(list.Data) != 1 || list.Data[0].Pseudonym == nil || !strings.HasPrefix(*list.Data[0].Pseudonym, "Candidate ") {
		t.Fatalf("list = %+v, want the pseudonymous export", list.Data)
	}
	b.call(t, "GET", "/v1/exports?status=lost", keySourcer, nil).problem(t, http.StatusBadRequest)
	b.call(t, "GET", "/v1/exports/"+x.ID, keyStrict, nil).problem(t, http.StatusNotFound)
	var got engine.ExportJSON
	b.call(t, "GET", "/v1/exports/"+x.ID, keySourcer, nil).decode(t, &got)
	if got.ID != x.ID {
		t.Errorf("get = %+v", got)
	}
	// A pseudonymous export stores no profile.
	if n := b.count(t, `SELECT COUNT(*) FROM exports WHERE provider_candidate_id = ? AND profile = '{}' AND cv IS NULL`, "c-43"); n != 1 {
		t.Errorf("the pseudonymous export stored a profile or CV")
	}

	// Stage reports.
	p := b.call(t, "POST", "/v1/exports/"+x.ID+"/stage", keySourcer, `{"stage":""}`).problem(t, http.StatusBadRequest)
	if !slices.Contains(fieldsOf(p), "stage") {
		t.Errorf("fields=%v, want stage", fieldsOf(p))
	}
	b.call(t, "POST", "/v1/exports/exp_nope/stage", keySourcer, `{"stage":"Offer"}`).problem(t, http.StatusNotFound)
	var moved engine.ExportJSON
	b.call(t, "POST", "/v1/exports/"+x.ID+"/stage", keySourcer, `{"stage":"Offer"}`).decode(t, &moved)
	if *moved.Stage != "Offer" {
		t.Errorf("stage = %v, want Offer", *moved.Stage)
	}
}
