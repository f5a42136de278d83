package greenhouseats_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"stagecoach/internal/ats"
	"stagecoach/internal/ats/greenhouseats"
)

func mustDriver(t *testing.T) *greenhouseats.Driver {
	t.Helper()
	d, err := greenhouseats.New(greenhouseats.Config{ClientID: "id", ClientSecret: "secret", Sub: "1"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func hmacHex(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func signed(secret string, body []byte) http.Header {
	return http.Header{"Signature": {"sha256 " + hmacHex(secret, body)}}
}

// TestReadWebhookSignature: Greenhouse's documented example (a body with
// \u003c escapes, signed as sent) verifies; the same document re-serialised,
// a base64 digest, GitHub's "sha256=" form and a bare hex digest do not.
func TestReadWebhookSignature(t *testing.T) {
	t.Parallel()
	d := mustDriver(t)
	const secret = "gh_whsec_7f3a9c2e41b84d6f"
	body := []byte(`{"action":"candidate_stage_change","payload":{"application":{"id":265277,"status":"active","current_stage":{"id":71416,"name":"Assessment \u003cR\u0026D\u003e"},"candidate":{"id":265772}}}}`)
	secrets := func(k ats.EventKind) []string {
		if k == ats.EventStageChanged {
			return []string{"old-secret", secret}
		}
		return nil
	}
	del, err := d.ReadWebhook(http.Header{"Signature": {"sha256 daefb61a7033ff65658acffda0cba0fda6c69448eaa1de32924a4f3097d06060"}}, body, secrets)
	if err != nil {
		t.Fatalf("the documented example: %v", err)
	}
	if len(del.Events) != 1 || del.Events[0].ApplicationID != "265277" || del.Events[0].CandidateID != "265772" || del.Events[0].ToStageID != "71416" {
		t.Errorf("events = %+v, want the stage change of 265277 to 71416", del.Events)
	}
	reserialised := []byte(`{"action":"candidate_stage_change","payload":{"application":{"id":265277,"status":"active","current_stage":{"id":71416,"name":"Assessment <R&D>"},"candidate":{"id":265772}}}}`)
	sum, _ := hex.DecodeString("daefb61a7033ff65658acffda0cba0fda6c69448eaa1de32924a4f3097d06060")
	for name, tc := range map[string]struct {
		sig  string
		body []byte
	}{
		"re-serialised body": {"sha256 daefb61a7033ff65658acffda0cba0fda6c69448eaa1de32924a4f3097d06060", reserialised},
		"base64 digest":      {"sha256 " + base64.StdEncoding.EncodeToString(sum), body},
		"sha256= form":       {"sha256=daefb61a7033ff65658acffda0cba0fda6c69448eaa1de32924a4f3097d06060", body},
		"bare hex":           {"daefb61a7033ff65658acffda0cba0fda6c69448eaa1de32924a4f3097d06060", body},
		"no header":          {"", body},
	} {
		if del, err := d.ReadWebhook(http.Header{"Signature": {tc.sig}}, tc.body, secrets); !errors.Is(err, ats.ErrInvalidWebhook) || del != nil {
			t.Errorf("%s: delivery %v error %v, want ats.ErrInvalidWebhook", name, del != nil, err)
		}
	}
	// A delivery of another kind is checked against that kind's secrets.
	hired := []byte(`{"action":"hire_candidate","payload":{"application":{"id":1,"candidate_id":2}}}`)
	if _, err := d.ReadWebhook(signed(secret, hired), hired, secrets); !errors.Is(err, ats.ErrInvalidWebhook) {
		t.Errorf("hire_candidate signed with the stage-change secret: %v, want ats.ErrInvalidWebhook", err)
	}
}

// TestReadWebhookEvents: Greenhouse's actions map to the port's events;
// the delivery id is the signed body's, the same for a retry whatever its
// Greenhouse-Event-ID.
func TestReadWebhookEvents(t *testing.T) {
	t.Parallel()
	d := mustDriver(t)
	const secret = "s3"
	secrets := func(ats.EventKind) []string { return []string{secret} }
	app := `{"application":{"id":11,"last_activity_at":"2026-03-02T09:00:00.123Z","candidate":{"id":22},"current_stage":{"id":33}}}`
	yes, no := true, false
	for _, tc := range []struct {
		action, payload string
		kind            ats.EventKind
		apps            []string
		archived        *bool
		interview       string
	}{
		{"new_candidate_application", app, ats.EventApplicationCreated, []string{"11"}, nil, ""},
		{"reject_candidate", app, ats.EventArchived, []string{"11"}, &yes, ""},
		{"unreject_candidate", app, ats.EventArchived, []string{"11"}, &no, ""},
		{"hire_candidate", app, ats.EventHired, []string{"11"}, nil, ""},
		{"delete_application", `{"application":{"id":11,"candidate_id":22}}`, ats.EventDeleted, []string{"11"}, nil, ""},
		{"delete_candidate", `{"person":{"id":22,"deleted_application_ids":[11,12]}}`, ats.EventDeleted, []string{"11", "12"}, nil, ""},
		{"interview_deleted", `{"interview":{"id":44}}`, ats.EventInterviewDeleted, []string{""}, nil, "44"},
		{"job_created", `{"job":{"id":5}}`, "", nil, nil, ""},
		{"ping", `{"web_hook_id":5}`, "", nil, nil, ""},
	} {
		t.Run(tc.action, func(t *testing.T) {
			body := fmt.Appendf(nil, `{"action":%q,"payload":%s}`, tc.action, tc.payload)
			h := signed(secret, body)
			h.Set("Greenhouse-Event-ID", "first")
			del, err := d.ReadWebhook(h, body, secrets)
			if err != nil {
				t.Fatalf("ReadWebhook: %v", err)
			}
			if del.Test != (tc.action == "ping") || del.ID == "" || del.At.IsZero() {
				t.Errorf("delivery = %+v", del)
			}
			if len(del.Events) != len(tc.apps) {
				t.Fatalf("events = %+v, want %d", del.Events, len(tc.apps))
			}
			for i, e := range del.Events {
				if e.Kind != tc.kind || e.ApplicationID != tc.apps[i] || e.Native != tc.action || e.InterviewID != tc.interview || string(e.Data) != tc.payload {
					t.Errorf("event = %+v, want %s of %q", e, tc.kind, tc.apps[i])
				}
				if (e.Archived == nil) != (tc.archived == nil) || (e.Archived != nil && *e.Archived != *tc.archived) {
					t.Errorf("Archived = %v, want %v", e.Archived, tc.archived)
				}
			}
			h.Set("Greenhouse-Event-ID", "retry")
			again, err := d.ReadWebhook(h, body, secrets)
			if err != nil || again.ID != del.ID {
				t.Errorf("a retry with another Greenhouse-Event-ID: id %v (%v), want %s", again, err, del.ID)
			}
		})
	}
	body := []byte(`{"action":"candidate_stage_change","payload":{}}`)
	if _, err := d.ReadWebhook(signed(secret, body), body, secrets); !errors.Is(err, ats.ErrInvalidWebhook) {
		t.Errorf("a stage change without an application: %v, want ats.ErrInvalidWebhook", err)
	}
}

// TestRegisterWebhookKinds: Greenhouse has no interview created or updated
// event; registering one is refused, naming it.
func TestRegisterWebhookKinds(t *testing.T) {
	t.Parallel()
	s := startSandbox(t)
	d := s.partner(t, &tokenStore{})
	for _, k := range []ats.EventKind{ats.EventInterviewCreated, ats.EventInterviewUpdated} {
		if _, err := d.RegisterWebhook(t.Context(), "https://hooks.example/gh", k); !errors.Is(err, ats.ErrRefused) || !contains(err.Error(), string(k)) {
			t.Errorf("RegisterWebhook(%s): %v, want ats.ErrRefused naming it", k, err)
		}
	}
}
