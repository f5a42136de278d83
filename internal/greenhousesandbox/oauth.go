package greenhousesandbox

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// grant is who a token acts as and for which client.
type grant struct {
	clientID string
	userID   int64
	partner  bool // issued through the authorization-code grant
	expires  time.Time
}

type authState struct {
	codes   map[string]*codeGrant
	access  map[string]grant
	refresh map[string]grant
	revoked map[string]bool // client ids an admin disconnected
}

type codeGrant struct {
	grant
	redirectURI string
}

func newAuthState() *authState {
	return &authState{codes: map[string]*codeGrant{}, access: map[string]grant{}, refresh: map[string]grant{}, revoked: map[string]bool{}}
}

func randomToken(prefix string) string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// oauthError answers as an OAuth 2.0 token endpoint does.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// clientSecret returns the registered secret of id, and whether the client
// is the partner (authorization-code) client.
func clientSecret(id string) (secret string, partner, ok bool) {
	switch id {
	case PartnerClientID:
		return PartnerClientSecret, true, true
	case CustomerClientID:
		return CustomerClientSecret, false, true
	}
	return "", false, false
}

// tokenParam reads a token-request parameter from the form body or the
// query string: Greenhouse's auth guide sends a form body, its own PHP
// client the query string.
func tokenParam(r *http.Request, name string) string {
	if v := r.PostForm.Get(name); v != "" {
		return v
	}
	return r.URL.Query().Get(name)
}

// handleToken is POST /token: client credentials (with sub), authorization
// code and refresh token grants, the client authenticated with HTTP Basic.
// Refresh tokens rotate: each is good for one refresh.
func (s *Sandbox) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the form body cannot be read")
		return
	}
	id, secret, ok := r.BasicAuth()
	want, partner, known := clientSecret(id)
	if !ok || !known || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed (HTTP Basic client_id:client_secret)")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.auth.revoked[id] {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the integration was disconnected")
		return
	}
	now := s.now()
	var g grant
	issueRefresh := false
	switch gt := tokenParam(r, "grant_type"); gt {
	case "client_credentials":
		if partner {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "the client credentials grant is not available to partner clients")
			return
		}
		g = grant{clientID: id, userID: s.st.users[0].ID}
		if sub := tokenParam(r, "sub"); sub != "" {
			uid, err := strconv.ParseInt(sub, 10, 64)
			if err != nil || s.st.user(uid) == nil {
				oauthError(w, http.StatusBadRequest, "invalid_request", "sub "+strconv.Quote(sub)+" is not a user of the organization")
				return
			}
			g.userID = uid
		}
	case "authorization_code":
		if !partner {
			oauthError(w, http.StatusBadRequest, "unauthorized_client", "the authorization code grant is for partner clients")
			return
		}
		code := tokenParam(r, "code")
		c := s.auth.codes[code]
		delete(s.auth.codes, code) // single use
		if c == nil || c.clientID != id || !now.Before(c.expires) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the authorization code is unknown, used or expired")
			return
		}
		if ru := tokenParam(r, "redirect_uri"); ru != "" && ru != c.redirectURI {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
			return
		}
		g, issueRefresh = c.grant, true
	case "refresh_token":
		rt := tokenParam(r, "refresh_token")
		old, found := s.auth.refresh[rt]
		delete(s.auth.refresh, rt) // rotating: single use
		if !found || old.clientID != id || !now.Before(old.expires) {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is unknown, used or expired")
			return
		}
		g, issueRefresh = old, true
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "grant_type is required")
		return
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type "+strconv.Quote(gt)+" is not supported")
		return
	}
	access := randomToken("gha_")
	g.expires = now.Add(s.cfg.AccessTokenTTL)
	s.auth.access[access] = g
	resp := map[string]string{"access_token": access, "token_type": "Bearer", "expires_at": g.expires.Format(time.RFC3339)}
	if issueRefresh {
		rt := randomToken("ghr_")
		rg := g
		rg.expires = now.Add(s.cfg.RefreshTokenTTL)
		s.auth.refresh[rt] = rg
		resp["refresh_token"] = rt
	}
	writeJSON(w, http.StatusOK, resp)
}

// handleAuthorize is GET /authorize for the partner client: the sandbox
// plays the consenting user (the Site Admin, or the user named by the
// sandbox-only user_id parameter) and redirects back at once with a code
// and the state, or with error=access_denied when deny=1.
func (s *Sandbox) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != PartnerClientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	if q.Get("response_type") != "code" {
		http.Error(w, "response_type must be code", http.StatusBadRequest)
		return
	}
	ru, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !loopback(ru) {
		http.Error(w, "invalid_request: redirect_uri must be an http URL on 127.0.0.1 or localhost", http.StatusBadRequest)
		return
	}
	back := ru.Query()
	if st := q.Get("state"); st != "" {
		back.Set("state", st)
	}
	if q.Get("deny") == "1" {
		back.Set("error", "access_denied")
		ru.RawQuery = back.Encode()
		http.Redirect(w, r, ru.String(), http.StatusFound)
		return
	}
	s.mu.Lock()
	uid := s.st.users[0].ID
	if v := q.Get("user_id"); v != "" {
		id, _ := strconv.ParseInt(v, 10, 64)
		if s.st.user(id) == nil {
			s.mu.Unlock()
			http.Error(w, "unknown user_id", http.StatusBadRequest)
			return
		}
		uid = id
	}
	code := randomToken("ghc_")
	s.auth.codes[code] = &codeGrant{grant: grant{clientID: PartnerClientID, userID: uid, partner: true, expires: s.now().Add(s.cfg.CodeTTL)}, redirectURI: q.Get("redirect_uri")}
	delete(s.auth.revoked, PartnerClientID)
	s.mu.Unlock()
	back.Set("code", code)
	ru.RawQuery = back.Encode()
	http.Redirect(w, r, ru.String(), http.StatusFound)
}

func loopback(u *url.URL) bool {
	h := u.Hostname()
	return (u.Scheme == "http" || u.Scheme == "https") && (h == "127.0.0.1" || h == "localhost")
}

// authenticate finds the grant behind a request's bearer token. The caller
// holds s.mu.
func (s *Sandbox) authenticate(r *http.Request) (grant, *apiError) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return grant{}, errStatus(http.StatusUnauthorized, "Authorization: Bearer <access token> is required")
	}
	g, found := s.auth.access[tok]
	if !found || s.auth.revoked[g.clientID] {
		return grant{}, errStatus(http.StatusUnauthorized, "Invalid access token")
	}
	if !s.now().Before(g.expires) {
		return grant{}, errStatus(http.StatusUnauthorized, "Access token expired")
	}
	return g, nil
}
