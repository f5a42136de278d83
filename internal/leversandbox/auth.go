package leversandbox

import (
	"crypto/subtle"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"stagecoach/internal/leverscope"
)

// allScopes is Lever's scope list. API key permissions use the same strings,
// so one check serves both kinds of credential.
var allScopes = []string{
	"offline_access",
	"applications:read:admin", "archive_reasons:read:admin", "audit_events:read:admin",
	"confidential:access:admin", "contact:read:admin", "contact:write:admin",
	"diversity_surveys:read:admin", "eeo_responses:read:admin", "eeo_responses_pii:read:admin",
	"feedback:read:admin", "feedback:write:admin", "feedback_templates:read:admin",
	"feedback_templates:write:admin", "files:read:admin", "files:write:admin",
	"forms:read:admin", "forms:write:admin", "form_templates:read:admin",
	"form_templates:write:admin", "groups:read:admin", "groups:write:admin",
	"interviews:read:admin", "interviews:write:admin", "notes:read:admin", "notes:write:admin",
	"offers:read:admin", "opportunities:read:admin", "opportunities:write:admin",
	"panels:read:admin", "panels:write:admin", "permissions:read:admin", "permissions:write:admin",
	"postings:read:admin", "postings:write:admin", "referrals:read:admin",
	"requisitions:read:admin", "requisitions:write:admin", "requisition_fields:read:admin",
	"requisition_fields:write:admin", "resumes:read:admin", "roles:read:admin", "roles:write:admin",
	"sources:read:admin", "stages:read:admin", "tags:read:admin", "tasks:read:admin",
	"uploads:write:admin", "users:read:admin", "users:write:admin",
	"webhooks:read:admin", "webhooks:write:admin",
}

const scopeConfidential = "confidential:access:admin"

// credential is who is calling: an API key or an OAuth access token.
type credential struct {
	name     string          // for logs: the key's name or "oauth:<client>"
	limitKey string          // rate-limit bucket
	perms    map[string]bool // scope strings
	userID   string          // OAuth: the authorizing user
	clientID string          // OAuth: the client
	keyID    string          // API key: its id
	// endpoints, for an API key generated with Lever's per-endpoint
	// permissions, holds their names; nil for scope-based credentials.
	endpoints map[string]bool
}

// allows reports whether the credential holds scope, or the write scope
// that covers a read scope ("view and manage").
func (c *credential) allows(scope string) bool {
	if c.perms[scope] {
		return true
	}
	res, write, ok := leverscope.Split(scope)
	return ok && !write && c.perms[res+":write:admin"]
}

func (c *credential) confidential() bool { return c.perms[scopeConfidential] }

func permSet(scopes []string) map[string]bool {
	m := make(map[string]bool, len(scopes))
	for _, sc := range scopes {
		m[sc] = true
	}
	return m
}

// setDefaultKey makes key the account's "default" API key with every
// permission, replacing an earlier default (a state file loaded with
// another --api-key).
func setDefaultKey(st *state, key string, now int64) {
	st.APIKeys = slices.DeleteFunc(st.APIKeys, func(k *apiKey) bool { return k.Name == "default" })
	st.APIKeys = append([]*apiKey{{ID: seedID("api-key:default"), Name: "default", KeyHash: hashSecret(key), Permissions: slices.Clone(allScopes), Hint: keyHint(key), CreatedAt: now}}, st.APIKeys...)
}

// addAPIKey adds (or replaces) a named API key with the given scopes; tests
// use it for 403s. Keys with Lever's endpoint permissions come from
// createAPIKey (the settings page and POST /_sandbox/api-keys).
func (s *Sandbox) addAPIKey(name, key string, permissions []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.APIKeys = slices.DeleteFunc(s.st.APIKeys, func(k *apiKey) bool { return k.Name == name })
	s.st.APIKeys = append(s.st.APIKeys, &apiKey{ID: seedID("api-key:" + name), Name: name, KeyHash: hashSecret(key), Permissions: slices.Clone(permissions), Hint: keyHint(key), CreatedAt: s.now()})
	s.commit()
}

// authenticate finds the credential of r: HTTP Basic with the API key as
// user name and an empty password, or a Bearer access token. The caller
// holds s.mu.
func (s *Sandbox) authenticate(r *http.Request) (*credential, error) {
	h := r.Header.Get("Authorization")
	switch {
	case h == "":
		return nil, errUnauthorized("authentication is required: use the API key as the basic-auth user name, or a Bearer token")
	case strings.HasPrefix(strings.ToLower(h), "bearer "):
		tok := strings.TrimSpace(h[len("bearer "):])
		at := s.st.AccessTokens[hashSecret(tok)]
		if at == nil {
			return nil, errUnauthorized("the access token is not valid")
		}
		if s.now() >= at.ExpiresAt {
			return nil, errUnauthorized("the access token has expired")
		}
		if s.st.OAuthClients[at.ClientID] == nil {
			return nil, errUnauthorized("the access token is not valid")
		}
		return &credential{
			name:     "oauth:" + at.ClientID,
			limitKey: "grant:" + at.GrantID,
			perms:    permSet(at.Scopes),
			userID:   at.UserID,
			clientID: at.ClientID,
		}, nil
	}
	key, password, ok := r.BasicAuth()
	if !ok || key == "" {
		return nil, errUnauthorized("malformed Authorization header")
	}
	if password != "" {
		return nil, errUnauthorized("use the API key as the basic-auth user name and an empty password")
	}
	sum := hashSecret(key)
	for _, k := range s.st.APIKeys {
		if subtle.ConstantTimeCompare([]byte(k.KeyHash), []byte(sum)) == 1 {
			c := &credential{name: k.Name, limitKey: "key:" + k.ID, keyID: k.ID, perms: permSet(k.Permissions)}
			if k.Endpoints != nil {
				c.endpoints = permSet(k.Endpoints)
			}
			return c, nil
		}
	}
	return nil, errUnauthorized("the API key is not valid")
}

// limiter is a token bucket per credential.
type limiter struct {
	rate  float64
	burst float64
	off   bool

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), off: rate < 0 || burst < 0, buckets: map[string]*bucket{}}
}

// allow takes a token from key's bucket. When none is left it says how long
// until one is.
func (l *limiter) allow(key string) (bool, time.Duration) {
	if l.off {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// retryAfterSeconds renders a wait as a Retry-After value (whole seconds,
// at least 1).
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
