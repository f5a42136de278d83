package leversandbox

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDataPathPersistence(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "state", "lever.json")
	sb, err := New(Config{Seed: "demo", APIKey: testKey, DataPath: path, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	b := &testBundle{srv: srv, url: srv.URL}
	opp := b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, map[string]any{"name": "Kept Person", "emails": []string{"kept@example.org"}}).must(t, 201).data(t)
	id := opp["id"].(string)
	body, ct := multipartBody(t, nil, []multipartFile{{"file", "kept.txt", []byte("kept bytes")}})
	file := b.call(t, "POST", "/v1/opportunities/"+id+"/files?perform_as="+recruiterID, body, contentType(ct)).must(t, 201).data(t)
	hookID, _ := b.registerWebhook(t, "candidateHired", "https://receiver.example/hook", nil)
	b.call(t, "POST", "/_sandbox/webhook-groups", map[string]bool{"candidateHired": true}, noAuth).must(t, 200)

	// Saved after the write, before Close.
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), id) {
		t.Fatal("the state file does not hold the new opportunity before Close")
	}
	if strings.Contains(string(raw), testKey) {
		t.Fatal("the state file holds the API key in clear")
	}
	srv.Close()
	if err := sb.Close(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("state folder holds %d files, want only the state file", len(entries))
	}

	// A new sandbox on the same file sees everything.
	_, b2 := setupGroupsOff(t, Config{Seed: "demo", DataPath: path})
	got := b2.call(t, "GET", "/v1/opportunities/"+id, nil).must(t, 200).data(t)
	if got["name"] != "Kept Person" {
		t.Fatalf("opportunity=%v", got)
	}
	dl := b2.call(t, "GET", "/v1/opportunities/"+id+"/files/"+file["id"].(string)+"/download", nil).must(t, 200)
	if string(dl.body) != "kept bytes" {
		t.Fatalf("file=%q", dl.body)
	}
	hooks := b2.call(t, "GET", "/v1/webhooks", nil).must(t, 200).list(t)
	if len(hooks) != 1 || hooks[0]["id"] != hookID {
		t.Fatalf("webhooks=%v", hooks)
	}
	groups := b2.call(t, "POST", "/_sandbox/webhook-groups", map[string]bool{}, noAuth).must(t, 200).data(t)
	if groups["candidateHired"] != true || groups["candidateStageChange"] != false {
		t.Fatalf("groups=%v", groups)
	}
	// Seed ids are stable: the demo data is where it was.
	b2.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200)

	// A different API key on restart replaces the default key.
	_, b3 := setup(t, Config{Seed: "demo", DataPath: filepath.Join(t.TempDir(), "other.json"), APIKey: "other-key"})
	b3.call(t, "GET", "/v1/stages", nil).errorBody(t, 401, "Unauthorized")
	b3.call(t, "GET", "/v1/stages", nil, basicKey("other-key")).must(t, 200)
}

func TestReset(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}).must(t, 200)
	b.registerWebhook(t, "candidateHired", "https://receiver.example/hook", nil)
	b.call(t, "POST", "/_sandbox/reset", nil, noAuth).must(t, 204)
	if got := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["stage"]; got != stageID("New applicant") {
		t.Fatalf("stage after reset=%v", got)
	}
	if n := len(b.call(t, "GET", "/v1/webhooks", nil).must(t, 200).list(t)); n != 0 {
		t.Fatalf("%d webhooks after reset", n)
	}
}

func TestEmptySeed(t *testing.T) {
	t.Parallel()
	_, b := setup(t, Config{})
	stages := b.call(t, "GET", "/v1/stages", nil).must(t, 200).list(t)
	if len(stages) != 3 {
		t.Fatalf("stages=%v", stages)
	}
	users := b.call(t, "GET", "/v1/users", nil).must(t, 200).list(t)
	if len(users) != 1 || users[0]["accessRole"] != "super admin" {
		t.Fatalf("users=%v", users)
	}
	if n := len(b.call(t, "GET", "/v1/opportunities", nil).must(t, 200).list(t)); n != 0 {
		t.Fatalf("%d opportunities", n)
	}
	reasons := b.call(t, "GET", "/v1/archive_reasons", nil).must(t, 200).list(t)
	if len(reasons) != 1 || reasons[0]["type"] != "hired" {
		t.Fatalf("reasons=%v", reasons)
	}
	if _, err := New(Config{Seed: "huge"}); err == nil {
		t.Fatal("New accepted an unknown seed")
	}
}
