package e2e

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/cli"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

// Forged Lever webhooks against a live export with an open assessment
// order: a real candidateDeleted delivery captured from the sandbox and
// replayed with another opportunity's id; a correctly signed (fresh token)
// candidateDeleted that Lever does not confirm; signed archive, hire and
// interview events whose undocumented fields (toArchived, interviewId)
// claim what Lever does not show. None purges the export, cancels the
// order or tells a provider anything; each signed one is in the event log
// (provider API, and `stagecoach events` for the deletion) with its reason.
func TestForgedLeverDeletionsPurgeAndCancelNothing(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	tp := addSourcer(t, env, "successful")
	vic := newSourcedPerson("vic")
	x, _, err := tp.Client.ExportCandidate(ctx, vic.export(provider.OutcomeSuccessful, "Phone Interview - 1st Round"))
	if err != nil {
		t.Fatal(err)
	}
	x = waitExported(t, tp, x.ID)
	oppID := x.Opportunity.ID
	// The exported candidate also has an open assessment order.
	if err := env.Lever.AddTags(ctx, oppID, []string{"Demo: Go Coding"}, ""); err != nil {
		t.Fatal(err)
	}
	if err := env.MoveToStage(ctx, oppID, "Assessment"); err != nil {
		t.Fatal(err)
	}
	var order *domain.Order
	eventually(t, 20*time.Second, "the assessment order", func() bool {
		_ = env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { order, err = tx.OrderLive(ctx, env.Integration.ID, oppID); return })
		return order != nil
	})
	hookURL := env.App.URL() + "/hooks/lever/" + demo.ConnectionID

	// 1. A genuine deletion of another candidate reaches stagecoach; its
	// delivery, captured, is sent again naming the exported candidate.
	other := findCandidate(t, env.Lever, "New applicant", "")
	if err := env.Delete(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	var captured []byte
	eventually(t, 20*time.Second, "the candidateDeleted delivery", func() bool {
		captured = deliveredRequest(t, env, "candidateDeleted")
		return captured != nil
	})
	var env1 map[string]any
	if err := json.Unmarshal(captured, &env1); err != nil {
		t.Fatal(err)
	}
	env1["data"] = map[string]any{"opportunityId": oppID, "candidateId": oppID, "contactId": "forged"}
	forged, _ := json.Marshal(env1)
	status, body := postHook(t, hookURL, forged)
	if status != http.StatusConflict || !strings.Contains(body, "rejected_replay") {
		t.Fatalf("replayed delivery: %d %s; want 409 rejected_replay", status, body)
	}

	// 2. A correctly signed candidateDeleted with a fresh token, for an
	// opportunity Lever still has.
	forge := func(event string, data map[string]any) {
		t.Helper()
		var signingToken string
		err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
			hooks, err := tx.ConnectionWebhookList(ctx, demo.ConnectionID)
			for _, h := range hooks {
				if h.Event == event {
					signingToken = h.SigningToken
				}
			}
			return err
		})
		if err != nil || signingToken == "" {
			t.Fatalf("the connection's %s signing token: %q, %v", event, signingToken, err)
		}
		token := freshToken()
		at := time.Now().UnixMilli()
		mac := hmac.New(sha256.New, []byte(signingToken))
		fmt.Fprintf(mac, "%s%d", token, at)
		signed, _ := json.Marshal(map[string]any{"id": "forged-" + token[:8], "event": event, "triggeredAt": at, "token": token,
			"signature": hex.EncodeToString(mac.Sum(nil)), "data": data})
		status, body := postHook(t, hookURL, signed)
		if status != http.StatusOK || !strings.Contains(body, "accepted") {
			t.Fatalf("signed forged %s: %d %s; want it accepted for checking", event, status, body)
		}
	}
	forge("candidateDeleted", map[string]any{"opportunityId": oppID, "candidateId": oppID})
	const reason = "Lever does not confirm the deletion"
	var seen provider.LeverEvent
	eventually(t, 20*time.Second, "the decision on the forged deletion", func() bool {
		evs, err := tp.Client.ListLeverEvents(ctx, oppID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Event == "candidateDeleted" && len(ev.Decisions) > 0 {
				seen = ev
				return true
			}
		}
		return false
	})
	if d := seen.Decisions[0]; d.Decision != domain.DecisionIgnored || !strings.Contains(d.Reason, reason) || !strings.Contains(d.Reason, "nothing was purged or cancelled") {
		t.Errorf("decision shown to the sourcing provider = %+v", d)
	}
	args := []string{"events", "--opportunity", oppID, "--data", env.DataDir}
	if env.Database != "" {
		args = append(args, "--database", env.Database)
	}
	var out, errb bytes.Buffer
	if err := cli.Run(ctx, args, &out, &errb); err != nil || !strings.Contains(out.String(), reason) || !strings.Contains(out.String(), env.Integration.ID+" ignored") {
		t.Errorf("stagecoach events: %v\n%s%s", err, out.String(), errb.String())
	}

	// 3. Signed events whose undocumented fields say what Lever does not
	// show: an archive and a hire of the active opportunity, an interview
	// it does not have.
	forge("candidateArchiveChange", map[string]any{"opportunityId": oppID, "toArchived": map[string]any{"archivedAt": time.Now().UnixMilli(), "reason": "forged-reason"}, "fromArchived": nil})
	forge("candidateHired", map[string]any{"opportunityId": oppID})
	forge("interviewCreated", map[string]any{"opportunityId": oppID, "interviewId": "forged-interview", "panelId": "forged-panel"})
	wants := map[string]string{
		"candidateArchiveChange": "Lever does not confirm the archive change",
		"candidateHired":         "Lever does not confirm the hire",
		"interviewCreated":       "Lever shows no interview forged-interview",
	}
	eventually(t, 20*time.Second, "the decisions on the forged events", func() bool {
		evs, err := tp.Client.ListLeverEvents(ctx, oppID)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, ev := range evs {
			if want, ok := wants[ev.Event]; ok && len(ev.Decisions) > 0 {
				if d := ev.Decisions[0]; d.Decision != domain.DecisionIgnored || !strings.Contains(d.Reason, want) {
					t.Fatalf("decision on the forged %s = %+v, want ignored: %s", ev.Event, d, want)
				}
				found++
			}
		}
		return found == len(wants)
	})

	// 4. Signed destructive events that name no opportunity at all: they
	// cannot be confirmed with Lever, and must not reach every candidate
	// of the connection.
	forge("candidateArchiveChange", map[string]any{"toArchived": map[string]any{"archivedAt": time.Now().UnixMilli(), "reason": "forged-reason"}, "fromArchived": nil})
	forge("candidateDeleted", map[string]any{"contactId": "forged-contact"})

	// Nothing happened: the export is live, the order open, and nobody was
	// told of a deletion, an archive, a hire, an interview or a cancellation.
	eventually(t, 20*time.Second, "the jobs to drain", func() bool {
		var n int
		_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM jobs WHERE status IN ('available', 'running') AND kind <> 'reconcile'`).Scan(&n)
		return n == 0
	})
	got, err := tp.Client.GetExport(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status == provider.ExportDeleted || got.DeletedAt != nil {
		t.Errorf("export after the forged deletions = %+v, want live", got)
	}
	if text := databaseText(t, env); !strings.Contains(text, vic.email) {
		t.Error("the candidate's personal data was purged")
	}
	for _, typ := range []string{provider.WebhookExportDeleted, provider.WebhookExportArchiveChange, provider.WebhookExportHired, provider.WebhookExportInterviewNew} {
		if n := len(messagesFor(t, tp, typ, x.ID)); n != 0 {
			t.Errorf("the sourcing provider got %d %s webhooks", n, typ)
		}
	}
	var after *domain.Order
	var cancelled int
	err = env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) {
		if after, err = tx.OrderGet(ctx, order.ID); err != nil {
			return err
		}
		evs, err := tx.OrderEventList(ctx, order.ID)
		for _, e := range evs {
			if e.Type == "cancelled" {
				cancelled++
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if after.Status == domain.OrderCancelled || cancelled != 0 {
		t.Errorf("order after the forged deletions: %s, %d cancellations", after.Status, cancelled)
	}
	var hooks int
	_ = env.App.DB.SQL().QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = 'provider_webhook' AND args LIKE '%order.cancelled%'`).Scan(&hooks)
	if hooks != 0 {
		t.Errorf("%d order.cancelled webhooks enqueued", hooks)
	}
}

// deliveredRequest returns the body of a webhook delivery of event the
// sandbox made successfully, as an eavesdropper would have captured it.
func deliveredRequest(t *testing.T, env *demo.Env, event string) []byte {
	t.Helper()
	resp, err := http.Get(env.SandboxURL + "/_sandbox/deliveries?event=" + event)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Data []struct {
			OK      bool            `json:"ok"`
			Test    bool            `json:"test"`
			Request json.RawMessage `json:"request"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	for _, d := range list.Data {
		if d.OK && !d.Test {
			return d.Request
		}
	}
	return nil
}

func postHook(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func freshToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
