package leversandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestWebhookRetries(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t, 500, http.StatusFound, 200)
	hookID, token := b.registerWebhook(t, "candidateStageChange", rc.srv.URL, nil)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Assessment")}).must(t, 200)

	got := rc.wait(t, 3)
	tokens := map[string]bool{}
	for _, d := range got {
		verifySignature(t, d, token)
		if d.env.ID != got[0].env.ID || d.env.TriggeredAt != got[0].env.TriggeredAt {
			t.Fatalf("a retry changed the event id or triggeredAt")
		}
		tokens[d.env.Token] = true
	}
	if len(tokens) != 3 {
		t.Fatalf("%d distinct tokens over 3 attempts, want a fresh token each time", len(tokens))
	}
	var log []map[string]any
	eventually(t, "three logged attempts", func() bool { log = b.deliveries(t, "webhookId="+hookID); return len(log) == 3 })
	var outcomes []string
	for _, d := range log {
		outcomes = append(outcomes, d["outcome"].(string))
	}
	if !slices.Equal(outcomes, []string{"retrying", "retrying", "delivered"}) {
		t.Fatalf("outcomes=%v (a 3xx is a failure too)", outcomes)
	}
}

func TestWebhookGivesUp(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t, 500, 500, 500, 500, 500, 500, 500)
	hookID, _ := b.registerWebhook(t, "candidateStageChange", rc.srv.URL, nil)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Assessment")}).must(t, 200)
	rc.wait(t, 6)
	var log []map[string]any
	eventually(t, "six logged attempts", func() bool { log = b.deliveries(t, "webhookId="+hookID); return len(log) == 6 })
	if len(log) != 6 || log[5]["outcome"] != "failed" {
		t.Fatalf("log=%v, want 6 attempts ending in failed", log)
	}
}

func TestWebhookGroupDisabled(t *testing.T) {
	t.Parallel()
	sb, b := demo(t)
	rc := newReceiver(t)
	hookID, _ := b.registerWebhook(t, "candidateStageChange", rc.srv.URL, nil)
	groups := b.call(t, "POST", "/_sandbox/webhook-groups", map[string]bool{"candidateStageChange": false}, noAuth).must(t, 200).data(t)
	if groups["candidateStageChange"] != false || groups["candidateHired"] != true {
		t.Fatalf("groups=%v", groups)
	}
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Assessment")}).must(t, 200)
	// Nothing is queued at all: the group check happens when the event fires.
	sb.hooks.mu.Lock()
	queued := sb.hooks.queues[hookID]
	sb.hooks.mu.Unlock()
	if queued != nil || rc.count() != 0 {
		t.Fatalf("a disabled group delivered or queued")
	}
	b.call(t, "POST", "/_sandbox/webhook-groups", map[string]bool{"candidateStageChange": true}, noAuth).must(t, 200)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}).must(t, 200)
	if d := rc.wait(t, 1)[0].data(t); d["toStageId"] != stageID("Offer") {
		t.Fatalf("data=%v", d)
	}
	b.call(t, "POST", "/_sandbox/webhook-groups", map[string]bool{"noSuchEvent": true}, noAuth).errorBody(t, 400, "BadRequest")
}

func TestWebhookOriginCondition(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t)
	b.registerWebhook(t, "candidateStageChange", rc.srv.URL, map[string]any{"conditions": map[string]any{"origins": []string{"applied"}}})
	liam := seedID("opportunity:liam") // sourced
	b.call(t, "PUT", "/v1/opportunities/"+liam+"/stage", map[string]string{"stage": stageID("Recruiter screen")}).must(t, 200)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Recruiter screen")}).must(t, 200)
	got := rc.wait(t, 1)
	if len(got) != 1 || got[0].data(t)["opportunityId"] != adaOpp {
		t.Fatalf("deliveries=%d, first for %v; want only the applied opportunity", len(got), got[0].data(t)["opportunityId"])
	}
}

func TestWebhookEvents(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t)
	for _, ev := range webhookEvents {
		b.registerWebhook(t, ev, rc.srv.URL, nil)
	}
	byEvent := func(n int) map[string][]map[string]any {
		out := map[string][]map[string]any{}
		for _, d := range rc.wait(t, n) {
			out[d.env.Event] = append(out[d.env.Event], d.data(t))
		}
		return out
	}

	// Create with a posting: contactCreated and applicationCreated.
	opp := b.call(t, "POST", "/v1/opportunities?perform_as="+recruiterID, map[string]any{
		"name": "Eve Stone", "emails": []string{"eve@example.org"}, "postings": []string{backendPosting}, "origin": "applied",
	}).must(t, 201).data(t)
	id := opp["id"].(string)
	ev := byEvent(2)
	if ev["contactCreated"][0]["contactId"] != opp["contact"] || ev["applicationCreated"][0]["opportunityId"] != id {
		t.Fatalf("events=%v", ev)
	}

	// Archive as hired: candidateArchiveChange and candidateHired.
	hired := seedID("reason:Hired")
	b.call(t, "PUT", "/v1/opportunities/"+id+"/archived", map[string]any{"reason": hired}).must(t, 200)
	ev = byEvent(4)
	ac := ev["candidateArchiveChange"][0]
	if ac["fromArchived"] != nil || ac["toArchived"].(map[string]any)["reason"] != hired || ev["candidateHired"][0]["opportunityId"] != id {
		t.Fatalf("archive events=%v", ev)
	}
	// Unarchive: toArchived null.
	b.call(t, "PUT", "/v1/opportunities/"+id+"/archived", map[string]any{"reason": nil}).must(t, 200)
	ev = byEvent(5)
	if un := ev["candidateArchiveChange"][1]; un["toArchived"] != nil || un["fromArchived"] == nil {
		t.Fatalf("unarchive event=%v", un)
	}

	// Panel with one interview, updated, deleted.
	panel := b.call(t, "POST", "/v1/opportunities/"+id+"/panels?perform_as="+recruiterID, map[string]any{
		"timezone": "Europe/Berlin", "externalUrl": "https://acme.example/rounds/1",
		"interviews": []map[string]any{{"subject": "Live coding", "interviewers": []map[string]any{{"id": interviewerID}}, "date": 1900000000000, "duration": 60}},
	}).must(t, 201).data(t)
	if panel["externallyManaged"] != true {
		t.Fatalf("panel=%v", panel)
	}
	ivID := panel["interviews"].([]any)[0].(map[string]any)["id"].(string)
	b.call(t, "PUT", "/v1/opportunities/"+id+"/interviews/"+ivID+"?perform_as="+recruiterID, map[string]any{
		"panel": panel["id"], "subject": "Live coding (moved)", "interviewers": []map[string]any{{"id": interviewerID}}, "date": 1900000360000, "duration": 45,
	}).must(t, 200)
	b.call(t, "DELETE", "/v1/opportunities/"+id+"/interviews/"+ivID+"?perform_as="+recruiterID, nil).must(t, 204)
	ev = byEvent(8)
	for _, name := range []string{"interviewCreated", "interviewUpdated", "interviewDeleted"} {
		if d := ev[name]; len(d) != 1 || d[0]["interviewId"] != ivID || d[0]["panelId"] != panel["id"] || d[0]["opportunityId"] != id {
			t.Fatalf("%s=%v", name, d)
		}
	}
	// Deleting the last interview deleted the panel.
	b.call(t, "GET", "/v1/opportunities/"+id+"/panels/"+panel["id"].(string), nil).errorBody(t, 404, "ResourceNotFound")

	// Contact update; admin delete.
	b.call(t, "PUT", "/v1/contacts/"+opp["contact"].(string), map[string]any{"headline": "Initech", "location": "Paris"}).must(t, 200)
	b.call(t, "DELETE", "/_sandbox/opportunities/"+id, nil, noAuth).must(t, 204)
	ev = byEvent(10)
	if ev["contactUpdated"][0]["contactId"] != opp["contact"] || ev["candidateDeleted"][0]["opportunityId"] != id {
		t.Fatalf("events=%v", ev)
	}
	b.call(t, "GET", "/v1/opportunities/"+id, nil).errorBody(t, 404, "ResourceNotFound")
	deleted := b.call(t, "GET", "/v1/opportunities/deleted", nil).must(t, 200).list(t)
	if len(deleted) != 1 || deleted[0]["id"] != id || deleted[0]["deletedBy"] != adminID {
		t.Fatalf("deleted=%v", deleted)
	}
}

func TestWebhookManagement(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	rc := newReceiver(t)
	b.call(t, "POST", "/v1/webhooks", map[string]any{"url": rc.srv.URL, "event": "candidateAnything"}).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", "/v1/webhooks", map[string]any{"url": rc.srv.URL, "event": "candidateDeleted",
		"configuration": map[string]any{"conditions": map[string]any{"origins": []string{"applied"}}}}).errorBody(t, 400, "BadRequest")
	b.call(t, "POST", "/v1/webhooks", map[string]any{"url": "not a url", "event": "candidateHired"}).errorBody(t, 400, "BadRequest")

	id, token := b.registerWebhook(t, "candidateHired", rc.srv.URL+"/old", nil)
	updated := b.call(t, "PUT", "/v1/webhooks", map[string]any{"data": []map[string]any{{
		"id": id, "url": rc.srv.URL + "/new", "configuration": map[string]any{"conditions": map[string]any{"origins": []string{"sourced"}}},
	}}}).must(t, 200).list(t)
	if len(updated) != 1 || updated[0]["url"] != rc.srv.URL+"/new" {
		t.Fatalf("updated=%v", updated)
	}
	cfg := updated[0]["configuration"].(map[string]any)
	if cfg["signatureToken"] != nil || cfg["conditions"] == nil {
		t.Fatalf("configuration=%v", cfg)
	}

	// Verify connection: the documented test request, signed.
	v := b.call(t, "POST", "/_sandbox/webhooks/"+id+"/verify", nil, noAuth).must(t, 200).object(t)
	if v["status"] != float64(200) || v["ok"] != true {
		t.Fatalf("verify=%v", v)
	}
	d := rc.wait(t, 1)[0]
	verifySignature(t, d, token)
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(d.raw, &raw); err != nil {
		t.Fatal(err)
	}
	if _, hasID := raw["id"]; hasID || d.env.Event != "candidateHired" || string(raw["data"]) != "{}" {
		t.Fatalf("test request=%s", d.raw)
	}

	b.call(t, "DELETE", "/v1/webhooks/"+id, nil).must(t, 204)
	b.call(t, "DELETE", "/v1/webhooks/"+id, nil).errorBody(t, 404, "ResourceNotFound")
	if n := len(b.call(t, "GET", "/v1/webhooks", nil).must(t, 200).list(t)); n != 0 {
		t.Fatalf("%d webhooks left", n)
	}
}

// The "verify connection" request is exactly the one Lever's documentation
// shows: POST with User-Agent Lever-Webhooks, and a body of triggeredAt,
// event "candidateHired", an empty data object, signature and token (no
// id), signed like any delivery with the webhook's token. It is sent even
// while the webhook's event group is off, as the settings page's button is.
func TestVerifyConnectionRequestHasLeversShape(t *testing.T) {
	t.Parallel()
	_, b := setupGroupsOff(t, Config{Seed: "demo"})
	rc := newReceiver(t)
	hookID, token := b.registerWebhook(t, "candidateStageChange", rc.srv.URL, nil)
	b.call(t, "POST", "/_sandbox/webhooks/"+hookID+"/verify", nil, noAuth).must(t, 200)
	d := rc.wait(t, 1)[0]
	if ua := d.header.Get("User-Agent"); ua != "Lever-Webhooks" {
		t.Errorf("User-Agent = %q", ua)
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(d.raw, &body); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if got, want := strings.Join(keys, ","), "data,event,signature,token,triggeredAt"; got != want {
		t.Errorf("test request fields = %s, want %s", got, want)
	}
	if d.env.Event != "candidateHired" || string(d.env.Data) != "{}" || len(d.env.Token) != 48 {
		t.Errorf("test request = %s", d.raw)
	}
	verifySignature(t, d, token)
}

// A new account delivers nothing, even to a webhook registered through the
// API, until a Super Admin switches its event group on, as in Lever.
func TestNewAccountDeliversNothingUntilTheGroupIsOn(t *testing.T) {
	t.Parallel()
	_, b := setupGroupsOff(t, Config{Seed: "demo"})
	rc := newReceiver(t)
	b.registerWebhook(t, "candidateStageChange", rc.srv.URL, nil)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Assessment")}).must(t, 200)
	b.call(t, "POST", "/_sandbox/webhook-groups", map[string]bool{"candidateStageChange": true}, noAuth).must(t, 200)
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}).must(t, 200)
	// Deliveries to one webhook go in order: had the first move been sent,
	// it would have arrived first.
	got := rc.wait(t, 1)
	var data struct {
		ToStageID string `json:"toStageId"`
	}
	_ = json.Unmarshal(got[0].env.Data, &data)
	if data.ToStageID != stageID("Offer") {
		t.Fatalf("first delivery moved to %s, want the move made after the group was switched on", data.ToStageID)
	}
}

// Lever only supports HTTPS webhook endpoints: the sandbox refuses a plain
// http URL (on create, on update and in the settings page) unless it names a
// loopback address, where tests and the demo run.
func TestWebhookURLMustBeHTTPSOffLoopback(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	for _, u := range []string{"http://stagecoach.example.com/hooks/lever/acme", "http://10.0.0.5:8080/hooks", "http://[2001:db8::1]/hooks"} {
		msg := b.call(t, "POST", "/v1/webhooks", map[string]any{"url": u, "event": "candidateHired"}).errorBody(t, 400, "BadRequest")
		if !strings.Contains(msg, "https") {
			t.Errorf("POST %s: the error %q does not say https is needed", u, msg)
		}
	}
	for _, u := range []string{"https://stagecoach.example.com/hooks/lever/acme", "http://127.0.0.1:8080/hooks", "http://localhost/hooks", "http://[::1]:9/hooks"} {
		b.call(t, "POST", "/v1/webhooks", map[string]any{"url": u, "event": "candidateHired"}).must(t, 201)
	}
	id, _ := b.registerWebhook(t, "candidateStageChange", "https://stagecoach.example.com/a", nil)
	b.call(t, "PUT", "/v1/webhooks", map[string]any{"data": []map[string]any{{"id": id, "url": "http://stagecoach.example.com/b"}}}).errorBody(t, 400, "BadRequest")
}
