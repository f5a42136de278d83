package leverats

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
)

// CheckEnvironment compares an OAuth access token's audience with the
// connection's environment: a sandbox token against production (or the
// reverse) cannot work. It returns what is wrong, for the setup check.
func CheckEnvironment(c *domain.Connection) []string {
	if c.AuthKind != "oauth" || c.Credentials.AccessToken == "" {
		return nil
	}
	env, err := Environment(c)
	if err != nil {
		return []string{err.Error()}
	}
	aud := tokenAudience(c.Credentials.AccessToken)
	if aud == "" {
		return nil
	}
	want := strings.TrimRight(env.Audience, "/")
	if strings.TrimRight(aud, "/") == want {
		return nil
	}
	if strings.Contains(aud, "sandbox") && env.Name == "production" {
		return []string{fmt.Sprintf("The access token was issued by Lever's sandbox (%s) but the connection points at production: pick the sandbox environment, or authorize a production account.", aud)}
	}
	return []string{fmt.Sprintf("The access token was issued for %s but the connection points at %s: pick the matching environment.", aud, want)}
}

// tokenAudience reads the aud claim of a JWT-shaped access token without
// verifying it (it is only compared, never trusted).
func tokenAudience(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Aud json.RawMessage `json:"aud"`
	}
	if json.Unmarshal(b, &claims) != nil {
		return ""
	}
	var one string
	if json.Unmarshal(claims.Aud, &one) == nil {
		return one
	}
	var many []string
	if json.Unmarshal(claims.Aud, &many) == nil {
		for _, a := range many {
			if strings.Contains(a, "/v1") {
				return a
			}
		}
		if len(many) > 0 {
			return many[0]
		}
	}
	return ""
}

// CheckConfig reports what is wrong with the connection the driver was
// opened for before anything is asked of Lever (CheckEnvironment).
func (d *Driver) CheckConfig() []string { return d.configProblems }

var _ ats.ConfigChecker = (*Driver)(nil)
