package ui_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
)

// loginClock is the UI's clock in a login test: it stands still until the
// test moves it, so an hour of guesses takes no hour.
type loginClock struct{ ms atomic.Int64 }

func (c *loginClock) Now() time.Time          { return time.UnixMilli(c.ms.Load()).UTC() }
func (c *loginClock) Advance(d time.Duration) { c.ms.Add(d.Milliseconds()) }

const (
	attackerAddr = "203.0.113.7"
	ownerAddr    = "198.51.100.2"
)

// startLoginDemo runs stagecoach behind a trusted proxy on loopback, so that
// each request's X-Forwarded-For names its client, with the UI on a clock
// the test moves, and creates the owner.
func startLoginDemo(t *testing.T) (*demo.Env, *loginClock) {
	t.Helper()
	clock := &loginClock{}
	clock.ms.Store(time.Now().Truncate(time.Second).UnixMilli())
	env := startDemoWith(t, func(c *app.Config) {
		trustLoopbackProxy(c)
		c.UI.NowFunc = clock.Now
	})
	createOwner(t, newBrowser(t, env.UIURL))
	return env, clock
}

// loginFrom is a browser on the login page whose requests come from one
// client address (as the proxy writes it into X-Forwarded-For).
type loginFrom struct {
	b    *browser
	addr string
	csrf string
}

func newLoginFrom(t *testing.T, env *demo.Env, addr string) *loginFrom {
	b := newBrowser(t, env.UIURL)
	return &loginFrom{b: b, addr: addr, csrf: b.csrf("/login")}
}

func (l *loginFrom) try(email, pw string) reply {
	l.b.t.Helper()
	form := url.Values{"csrf": {l.csrf}, "email": {email}, "password": {pw}}
	return l.b.do(http.MethodPost, "/login", form, map[string]string{"X-Forwarded-For": l.addr})
}

// guessOnceAMinute has the attacker try a wrong password for the owner's
// account once a minute for an hour: under the address's limit (15 in 15
// minutes), and each guess just as the address's slow-down ends, so every
// guess is checked. It ends at the moment of the last guess.
func guessOnceAMinute(t *testing.T, attacker *loginFrom, clock *loginClock) {
	t.Helper()
	for i := 0; i < 60; i++ {
		if i > 0 {
			clock.Advance(time.Minute)
		}
		if r := attacker.try("owner@tool.example", "guess number "+strconv.Itoa(i)); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d at minute %d: %d, want 401 (checked and wrong)", i, i, r.status)
		}
	}
}

// One address guessing the owner's password once a minute for an hour keeps
// the account's failures coming, but does not keep its owner out: from
// another address the owner gets in at once, even after mistyping once, at
// the very moment of the attacker's latest guess.
func TestLoginGuessesFromOneAddressDoNotKeepTheOwnerOut(t *testing.T) {
	env, clock := startLoginDemo(t)
	guessOnceAMinute(t, newLoginFrom(t, env, attackerAddr), clock)

	owner := newLoginFrom(t, env, ownerAddr)
	if r := owner.try("owner@tool.example", "correct horse batery"); r.status != http.StatusUnauthorized {
		t.Fatalf("the owner's typo: %d, want 401 (the wrong password, not a wait)", r.status)
	}
	r := owner.try("owner@tool.example", ownerPassword)
	if r.status != http.StatusSeeOther || r.location != "/" {
		t.Fatalf("the owner's right password from another address during the attack: %d %q (Retry-After %q), want in", r.status, r.location, r.header.Get("Retry-After"))
	}
	if home := owner.b.get("/"); home.status != http.StatusOK || !strings.Contains(home.body, "Log out") {
		t.Fatalf("the owner's home page after logging in: %d, want the logged-in page", home.status)
	}
}

// The attacker's own address stays slowed after an hour of guesses: the
// next guess at once waits (429, Retry-After a minute), even with the right
// password, which the wait hides; the owner logging in from elsewhere does
// not lift it; a guess after the wait is checked again.
func TestLoginGuessesFromOneAddressStaySlowedForThatAddress(t *testing.T) {
	env, clock := startLoginDemo(t)
	attacker := newLoginFrom(t, env, attackerAddr)
	guessOnceAMinute(t, attacker, clock)

	refused := func(what, pw string) {
		t.Helper()
		r := attacker.try("owner@tool.example", pw)
		if r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many failed logins") {
			t.Fatalf("%s: %d, want 429", what, r.status)
		}
		if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 30 || s > 60 {
			t.Fatalf("%s: Retry-After=%q, want up to a minute", what, r.header.Get("Retry-After"))
		}
	}
	refused("the attacker's next guess at once", "guess number 60")
	refused("the right password from the attacker's address at once", ownerPassword)

	if r := newLoginFrom(t, env, ownerAddr).try("owner@tool.example", ownerPassword); r.status != http.StatusSeeOther {
		t.Fatalf("the owner from another address: %d, want in", r.status)
	}
	clock.Advance(20 * time.Second)
	refused("the attacker 20 s later, after the owner logged in", "guess number 61")

	clock.Advance(40 * time.Second)
	if r := attacker.try("owner@tool.example", "guess number 62"); r.status != http.StatusUnauthorized {
		t.Fatalf("the attacker's guess after the wait: %d, want 401 (checked and wrong)", r.status)
	}
	refused("the attacker's next guess at once again", "guess number 63")
}

// An IPv6 client is counted by its /64: guesses from fresh addresses in one
// /64 are slowed as one address's, while the owner in another /64 gets in.
func TestLoginCountsAnIPv6ClientByItsSlash64(t *testing.T) {
	env, _ := startLoginDemo(t)
	for i := 1; i <= 5; i++ {
		guesser := newLoginFrom(t, env, "2001:db8:1:2::"+strconv.Itoa(i))
		if r := guesser.try("owner@tool.example", "guess number "+strconv.Itoa(i)); r.status != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, r.status)
		}
	}
	r := newLoginFrom(t, env, "2001:db8:1:2:aaaa:bbbb:cccc:dddd").try("owner@tool.example", "guess number 6")
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("a sixth guess from a fresh address in the same /64: %d, want 429 with Retry-After", r.status)
	}
	if r := newLoginFrom(t, env, "2001:db8:1:3::1").try("owner@tool.example", ownerPassword); r.status != http.StatusSeeOther {
		t.Fatalf("the owner from another /64: %d, want in", r.status)
	}
}
