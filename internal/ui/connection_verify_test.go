package ui_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/demo"
)

// verifyInLever presses "Verify connection" in the sandbox's settings for
// every webhook whose URL contains hookPath, as a Super Admin would, and
// returns how many it pressed.
func verifyInLever(t *testing.T, sandboxURL, hookPath string) int {
	t.Helper()
	resp, err := http.Get(sandboxURL + "/_sandbox/webhook-groups")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var groups struct {
		Data []struct {
			Webhooks []struct {
				ID  string `json:"id"`
				URL string `json:"url"`
			} `json:"webhooks"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&groups); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range groups.Data {
		for _, wh := range g.Webhooks {
			if !strings.Contains(wh.URL, hookPath) {
				continue
			}
			vr, err := http.Post(sandboxURL+"/_sandbox/webhooks/"+wh.ID+"/verify", "application/json", nil)
			if err != nil {
				t.Fatal(err)
			}
			vr.Body.Close()
			if vr.StatusCode != http.StatusOK {
				t.Fatalf("verify webhook %s in the sandbox: %d", wh.ID, vr.StatusCode)
			}
			n++
		}
	}
	return n
}

// Lever's "verify connection" test request, which only a Super Admin's press
// in Lever's settings sends ("Check webhooks" cannot ask for it): the
// sandbox's (signed with the webhook's token) shows "verified" on the connection page and in the setup
// check; one signed with a token stagecoach does not have (the operator
// copied the wrong one) is still answered 200, as Lever keeps delivering
// either way, and both places then say "signature did not match: copy the
// token again".
func TestVerifyConnectionShowsVerifiedOrMismatch(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	if r := b.post("/connections/new", "/connections", url.Values{"id": {"acme"}, "environment": {"custom"}, "baseUrl": {env.SandboxURL}, "method": {"api_key"}, "apiKey": {env.SandboxAPIKey}}); r.status != http.StatusSeeOther {
		t.Fatalf("connect with an API key: %d\n%s", r.status, r.body)
	}
	r := b.post("/connections/acme", "/connections/acme/integrations", url.Values{"provider": {demo.ProviderID}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/integrations/") {
		t.Fatalf("enable the provider: %d %s", r.status, r.location)
	}
	intPath := strings.SplitN(r.location, "?", 2)[0]
	if r := b.post("/connections/acme", "/connections/acme/webhooks/register", url.Values{}); r.status != http.StatusSeeOther {
		t.Fatalf("register webhooks: %d", r.status)
	}
	if page := b.get("/connections/acme"); strings.Contains(page.body, `id="verify-connection"`) {
		t.Fatal("the connection page reports a verify-connection test before any")
	}

	// "Check webhooks" cannot ask Lever for a test request (its API has
	// none): it tells the operator to press "Verify connection" in Lever's
	// settings, and the page says no test has been received yet.
	r = b.post("/connections/acme", "/connections/acme/webhooks/check", url.Values{})
	if r.status != http.StatusSeeOther || !strings.Contains(b.flash(r), "Verify connection") {
		t.Fatalf("check webhooks: %d %s, want a redirect whose notice says to press Verify connection in Lever", r.status, r.location)
	}
	page := b.get("/connections/acme")
	if strings.Contains(page.body, `id="verify-connection"`) || !strings.Contains(page.body, `id="verify-connection-none"`) {
		t.Fatalf("after Check webhooks, before anyone pressed Verify connection in Lever, the page does not say no test arrived:\n%s", page.body)
	}

	// The Super Admin presses "Verify connection" in Lever's settings.
	if n := verifyInLever(t, env.SandboxURL, "/hooks/lever/acme"); n != 3 {
		t.Fatalf("pressed Verify connection on %d webhooks, want the 3 stagecoach registered", n)
	}
	page = b.get("/connections/acme")
	if !strings.Contains(page.body, `id="verify-connection"`) || !strings.Contains(page.body, `<span class="badge ok">verified</span>`) {
		t.Fatalf("the connection page does not say verified:\n%s", page.body)
	}
	if check := b.get(intPath); !strings.Contains(check.body, "verify-connection test") || !strings.Contains(check.body, "verified.") {
		t.Fatal("the setup check does not say the connection was verified")
	}

	// A test request signed with another token.
	at := time.Now().UnixMilli()
	token := strings.Repeat("9", 48)
	m := hmac.New(sha256.New, []byte("a token copied from somewhere else"))
	fmt.Fprintf(m, "%s%d", token, at)
	body := fmt.Sprintf(`{"triggeredAt":%d,"event":"candidateHired","data":{},"signature":%q,"token":%q}`, at, hex.EncodeToString(m.Sum(nil)), token)
	resp, err := http.Post(env.UIURL+"/hooks/lever/acme", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a test request with a wrong signature answered %d, want 200 (Lever keeps delivering anyway)", resp.StatusCode)
	}
	page = b.get("/connections/acme")
	if !strings.Contains(page.body, "signature did not match: copy the token again") {
		t.Fatalf("the connection page does not report the mismatch:\n%s", page.body)
	}
	if check := b.get(intPath); !strings.Contains(check.body, "signature did not match: copy the token again") {
		t.Fatal("the setup check does not report the mismatch")
	}
}
