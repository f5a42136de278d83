package leverats

import (
	"encoding/base64"
	"strings"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
)

// TestEnvironmentEU: a connection to an account in Lever's EU data centre
// talks to api.eu.lever.co, and an unknown environment is named in the
// error.
func TestEnvironmentEU(t *testing.T) {
	t.Parallel()
	env, err := Environment(&domain.Connection{ID: "acme-eu", Environment: "eu"})
	if err != nil || env.APIBaseURL != lever.EU.APIBaseURL || env.APIBaseURL != "https://api.eu.lever.co/v1" {
		t.Fatalf("Environment(eu)=%+v, %v", env, err)
	}
	if _, err := Environment(&domain.Connection{ID: "acme", Environment: "europe"}); err == nil || !strings.Contains(err.Error(), "production, eu, sandbox or custom") {
		t.Fatalf("Environment(europe): %v", err)
	}
}

func TestTokenAudience(t *testing.T) {
	t.Parallel()
	c := &domain.Connection{Environment: "production", AuthKind: "oauth"}
	mk := func(claims string) string {
		return "e30." + b64(claims) + ".sig"
	}
	c.Credentials.AccessToken = mk(`{"aud":"https://api.lever.co/v1/"}`)
	if f := CheckEnvironment(c); len(f) != 0 {
		t.Errorf("a production token on production: %v", f)
	}
	c.Credentials.AccessToken = mk(`{"aud":["https://api.sandbox.lever.co/v1/","https://sandbox-lever.auth0.com/userinfo"]}`)
	if f := CheckEnvironment(c); len(f) != 1 || !strings.Contains(f[0], "sandbox") {
		t.Errorf("a sandbox token on production: %v", f)
	}
	c.Credentials.AccessToken = "opaque-token"
	if f := CheckEnvironment(c); len(f) != 0 {
		t.Errorf("an opaque token cannot be judged: %v", f)
	}
}

func b64(s string) string {
	return strings.TrimRight(base64.RawURLEncoding.EncodeToString([]byte(s)), "=")
}
