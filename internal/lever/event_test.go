package lever

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

type signatureVector struct {
	Name         string `json:"name"`
	SigningToken string `json:"signingToken"`
	Token        string `json:"token"`
	TriggeredAt  int64  `json:"triggeredAt"`
	Signature    string `json:"signature"`
	Valid        bool   `json:"valid"`
}

// TestSignatureVectors checks Sign and VerifySignature against digests
// computed outside Go (testdata/gen_signature_vectors.py, Python's hmac).
func TestSignatureVectors(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("testdata/signature_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var fixture struct {
		Comment string            `json:"comment"`
		Vectors []signatureVector `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &fixture); err != nil {
		t.Fatal(err)
	}
	if len(fixture.Vectors) < 5 || !strings.Contains(fixture.Comment, "python3") {
		t.Fatalf("fixture has %d vectors and comment %q", len(fixture.Vectors), fixture.Comment)
	}
	valid, invalid := 0, 0
	for _, v := range fixture.Vectors {
		t.Run(v.Name, func(t *testing.T) {
			// Build the delivery as Lever would send it and parse it, so the
			// triggeredAt digits go through ParseEvent.
			body, _ := json.Marshal(map[string]any{
				"event": EventCandidateStageChange, "triggeredAt": v.TriggeredAt, "token": v.Token, "signature": v.Signature,
				"data": map[string]string{"opportunityId": "o1"},
			})
			e, err := ParseEvent(body)
			if err != nil {
				t.Fatal(err)
			}
			if e.TriggeredAt != v.TriggeredAt {
				t.Fatalf("triggeredAt=%d, want %d", e.TriggeredAt, v.TriggeredAt)
			}
			if got := e.VerifySignature(v.SigningToken); got != v.Valid {
				t.Fatalf("VerifySignature=%v, want %v", got, v.Valid)
			}
			if v.Valid {
				if got := Sign(v.SigningToken, v.Token, v.TriggeredAt); got != v.Signature {
					t.Fatalf("Sign=%s, want %s", got, v.Signature)
				}
			}
		})
		if v.Valid {
			valid++
		} else {
			invalid++
		}
	}
	if valid == 0 || invalid < 3 {
		t.Fatalf("fixture has %d valid and %d invalid vectors", valid, invalid)
	}
}

func TestVerifySignatureEdges(t *testing.T) {
	t.Parallel()
	const key, tok, ts = "f3a1c9e07b2d4a6f8e5c1b0a9d7e6f5a4b3c2d1e0f9a8b7c", "9d2f6b1c4e8a0f3b7c5d1e9a2b6c0d4f8e3a7b1c5d9e2f60", int64(1700000000123)
	good := Sign(key, tok, ts)
	e := &Event{Token: tok, TriggeredAt: ts, Signature: good}
	if !e.VerifySignature(key) {
		t.Fatal("valid signature rejected")
	}
	if e.VerifySignature("") {
		t.Fatal("empty signing token accepted")
	}
	// Uppercase hex is the same digest.
	if !(&Event{Token: tok, TriggeredAt: ts, Signature: strings.ToUpper(good)}).VerifySignature(key) {
		t.Fatal("uppercase hex rejected")
	}
	for _, sig := range []string{"", good + "00", good[:63], "zz" + good[2:]} {
		if (&Event{Token: tok, TriggeredAt: ts, Signature: sig}).VerifySignature(key) {
			t.Fatalf("signature %q accepted", sig)
		}
	}
	if (&Event{Token: tok, TriggeredAt: ts + 1, Signature: good}).VerifySignature(key) {
		t.Fatal("signature accepted for another triggeredAt")
	}
}

func TestParseEvent(t *testing.T) {
	t.Parallel()
	// The delivery example of reference §7.3.
	body := `{"id":"7c0e7b52-2f40-4a53-9d5e-8a7a3f3c6b10","event":"candidateStageChange","triggeredAt":1700000000123,"token":"9d2f6b1c4e8a0f3b7c5d1e9a2b6c0d4f8e3a7b1c5d9e2f60","signature":"be5b6ea6f05d95532343e8f5d832724c7c382d5b57a8487db2b1aae56c01b604","data":{"opportunityId":"949f87f5-70e9-4cd4-9975-9bd3760ab810","candidateId":"949f87f5-70e9-4cd4-9975-9bd3760ab810","contactId":"e667972a-0480-48bb-ad9d-ab98346901a9","fromStageId":"200d092f-9518-40e7-a706-12dff3d24b14","toStageId":"919d84a1-52de-4af3-9b45-0c3ee1865d52"}}`
	e, err := ParseEvent([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != "7c0e7b52-2f40-4a53-9d5e-8a7a3f3c6b10" || e.Event != EventCandidateStageChange || e.TriggeredAt != 1700000000123 {
		t.Fatalf("event=%+v", e)
	}
	if !e.VerifySignature("f3a1c9e07b2d4a6f8e5c1b0a9d7e6f5a4b3c2d1e0f9a8b7c") || e.IsVerification() {
		t.Fatal("reference example must verify and not be a test request")
	}
	d, err := e.Payload()
	if err != nil {
		t.Fatal(err)
	}
	if d.OpportunityID != "949f87f5-70e9-4cd4-9975-9bd3760ab810" || d.ToStageID != "919d84a1-52de-4af3-9b45-0c3ee1865d52" ||
		d.FromStageID != "200d092f-9518-40e7-a706-12dff3d24b14" || d.ContactID != "e667972a-0480-48bb-ad9d-ab98346901a9" {
		t.Fatalf("payload=%+v", d)
	}
	if e.OpportunityID() != d.OpportunityID {
		t.Fatalf("OpportunityID=%q", e.OpportunityID())
	}

	t.Run("Verification", func(t *testing.T) {
		for _, data := range []string{`,"data":{}`, `,"data":null`, ``, `,"data": { } `} {
			e, err := ParseEvent([]byte(`{"triggeredAt":1700000000000,"event":"candidateHired","token":"t","signature":"s"` + data + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if !e.IsVerification() || e.OpportunityID() != "" {
				t.Fatalf("data %q: IsVerification=%v", data, e.IsVerification())
			}
			if d, err := e.Payload(); err != nil || d != (EventData{}) {
				t.Fatalf("payload=%+v err=%v", d, err)
			}
		}
	})

	t.Run("ArchiveChange", func(t *testing.T) {
		e, err := ParseEvent([]byte(`{"event":"candidateArchiveChange","triggeredAt":"1700000000000","token":"t",
			"data":{"candidateId":"o1","toArchived":{"archivedAt":1700000000000,"reason":"r1"},"fromArchived":null}}`))
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.Payload()
		if err != nil || d.ToArchived == nil || *d.ToArchived != (Archived{1700000000000, "r1"}) || d.FromArchived != nil {
			t.Fatalf("payload=%+v err=%v", d, err)
		}
		if e.OpportunityID() != "o1" {
			t.Fatalf("OpportunityID=%q, want the candidateId fallback", e.OpportunityID())
		}
	})

	t.Run("Errors", func(t *testing.T) {
		for body, field := range map[string]string{
			``:                  "JSON",
			`[]`:                "JSON",
			`null`:              "JSON",
			`{"triggeredAt":1}`: `"event"`,
			`{"event":"candidateMoved","triggeredAt":1}`:                 `"event"`,
			`{"event":7,"triggeredAt":1}`:                                `"event"`,
			`{"event":"candidateHired"}`:                                 `"triggeredAt"`,
			`{"event":"candidateHired","triggeredAt":1.700000000123e12}`: `"triggeredAt"`,
			`{"event":"candidateHired","triggeredAt":1700000000123.0}`:   `"triggeredAt"`,
			`{"event":"candidateHired","triggeredAt":-5}`:                `"triggeredAt"`,
			`{"event":"candidateHired","triggeredAt":"soon"}`:            `"triggeredAt"`,
			`{"event":"candidateHired","triggeredAt":1,"token":5}`:       `"token"`,
			`{"event":"candidateHired","triggeredAt":1,"signature":[]}`:  `"signature"`,
			`{"event":"candidateHired","triggeredAt":1,"data":"x"}`:      `"data"`,
			`{"event":"candidateHired","triggeredAt":1,"id":{}}`:         `"id"`,
		} {
			_, err := ParseEvent([]byte(body))
			if err == nil || !strings.Contains(err.Error(), field) {
				t.Errorf("ParseEvent(%s) err=%v, want one naming %s", body, err, field)
			}
		}
	})

	t.Run("AllEventsKnown", func(t *testing.T) {
		if len(Events) != 10 {
			t.Fatalf("Events has %d names", len(Events))
		}
		for _, name := range Events {
			if _, err := ParseEvent([]byte(`{"event":"` + name + `","triggeredAt":1}`)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}
