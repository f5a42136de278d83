package leverats_test

import (
	"errors"
	"fmt"
	"testing"

	"stagecoach/internal/ats"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/lever"
)

// TestReadWebhookShapes: deliveries signed as Lever signs them (token and
// triggeredAt, with the webhook's signature token) parse to the right
// domain event, or to none for Lever's test request and its contact
// events; a delivery without a token is refused, since its signature
// would cover the time alone.
func TestReadWebhookShapes(t *testing.T) {
	t.Parallel()
	d, err := leverats.New(leverats.Config{Client: mustClient(t)})
	if err != nil {
		t.Fatal(err)
	}
	const secret, at = "sig-token", int64(1764950000000)
	body := func(event, token, data string) []byte {
		return fmt.Appendf(nil, `{"event":%q,"triggeredAt":%d,"token":%q,"signature":%q,"data":%s}`,
			event, at, token, lever.Sign(secret, token, at), data)
	}
	secrets := func(ats.EventKind) []string { return []string{"other", secret} }
	yes, no := true, false
	for _, tc := range []struct {
		name     string
		body     []byte
		test     bool
		kind     ats.EventKind
		archived *bool
	}{
		{"test request", body("candidateStageChange", "t1", `{}`), true, "", nil},
		{"archived", body("candidateArchiveChange", "t2", `{"opportunityId":"o1","toArchived":{"archivedAt":1,"reason":"r"},"fromArchived":null}`), false, ats.EventArchived, &yes},
		{"restored", body("candidateArchiveChange", "t3", `{"opportunityId":"o1","toArchived":null,"fromArchived":{"archivedAt":1,"reason":"r"}}`), false, ats.EventArchived, &no},
		{"hired", body("candidateHired", "t4", `{"opportunityId":"o1"}`), false, ats.EventHired, nil},
		{"deleted, old candidateId", body("candidateDeleted", "t5", `{"candidateId":"o1"}`), false, ats.EventDeleted, nil},
		{"interview", body("interviewCreated", "t6", `{"opportunityId":"o1","interviewId":"i1"}`), false, ats.EventInterviewCreated, nil},
		{"contact event", body("contactUpdated", "t7", `{"contactId":"c1"}`), false, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			del, err := d.ReadWebhook(nil, tc.body, secrets)
			if err != nil {
				t.Fatalf("ReadWebhook: %v", err)
			}
			if del.Test != tc.test || del.At.UnixMilli() != at || del.ID == "" {
				t.Errorf("delivery = test %v at %v id %q, want test %v at %d", del.Test, del.At, del.ID, tc.test, at)
			}
			if tc.kind == "" {
				if len(del.Events) != 0 {
					t.Errorf("events = %+v, want none", del.Events)
				}
				return
			}
			if len(del.Events) != 1 {
				t.Fatalf("events = %+v, want one", del.Events)
			}
			ev := del.Events[0]
			if ev.Kind != tc.kind || ev.ApplicationID != "o1" {
				t.Errorf("event = %s on %q, want %s on o1", ev.Kind, ev.ApplicationID, tc.kind)
			}
			if (ev.Archived == nil) != (tc.archived == nil) || (ev.Archived != nil && *ev.Archived != *tc.archived) {
				t.Errorf("Archived = %v, want %v", ev.Archived, tc.archived)
			}
			if tc.kind == ats.EventInterviewCreated && ev.InterviewID != "i1" {
				t.Errorf("InterviewID = %q, want i1", ev.InterviewID)
			}
		})
	}
	noToken := fmt.Appendf(nil, `{"event":"candidateHired","triggeredAt":%d,"signature":%q,"data":{"opportunityId":"o1"}}`, at, lever.Sign(secret, "", at))
	if _, err := d.ReadWebhook(nil, noToken, secrets); !errors.Is(err, ats.ErrInvalidWebhook) {
		t.Errorf("ReadWebhook without a token: error = %v, want ats.ErrInvalidWebhook", err)
	}
	if _, err := d.ReadWebhook(nil, body("candidateHired", "t8", `{"opportunityId":"o1"}`), nil); !errors.Is(err, ats.ErrInvalidWebhook) {
		t.Errorf("ReadWebhook with no secrets: error = %v, want ats.ErrInvalidWebhook", err)
	}
}

func mustClient(t *testing.T) *lever.Client {
	t.Helper()
	c, err := lever.New(lever.Config{Environment: lever.Custom("http://127.0.0.1:1"), APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
