package leversandbox

import (
	"crypto/hmac"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"stagecoach/internal/leversandbox/pages"
)

const (
	// codeTTL is how long an authorization code can be exchanged.
	codeTTL = 10 * time.Minute
	// refreshTTL and refreshIdle are Lever's refresh-token limits: a year in
	// total, 90 days without use (the defaults of Config.RefreshTokenTTL and
	// Config.RefreshTokenIdle).
	refreshTTL  = 365 * 24 * time.Hour
	refreshIdle = 90 * 24 * time.Hour
)

// authRequest is a validated /oauth/authorize request.
type authRequest struct {
	ClientID     string
	RedirectURI  string
	ResponseType string
	State        string
	Audience     string
	Scope        string
	Scopes       []string
}

// authFailure is a refused authorization request: either shown on a page
// (the client or redirect URI cannot be trusted) or sent back to the client
// as ?error=….
type authFailure struct {
	redirect    bool
	code        string
	description string
}

// allowsRedirect reports whether uri is registered for the client: an
// exact match, or for the loopback demo client any http URL on 127.0.0.1 or
// localhost.
func (c *oauthClient) allowsRedirect(uri string) bool {
	if slices.Contains(c.RedirectURIs, uri) {
		return true
	}
	if !c.Loopback {
		return false
	}
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "http" || u.User != nil || u.Fragment != "" {
		return false
	}
	h := u.Hostname()
	return h == "127.0.0.1" || h == "localhost"
}

func (s *Sandbox) parseAuthRequest(v url.Values, base string) (*authRequest, *authFailure) {
	ar := &authRequest{
		ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), ResponseType: v.Get("response_type"),
		State: v.Get("state"), Audience: v.Get("audience"), Scope: v.Get("scope"),
	}
	c := s.st.OAuthClients[ar.ClientID]
	if ar.ClientID == "" || c == nil {
		return ar, &authFailure{code: "invalid_client", description: "unknown client_id " + strings.TrimSpace(ar.ClientID)}
	}
	if ar.RedirectURI == "" || !c.allowsRedirect(ar.RedirectURI) {
		return ar, &authFailure{code: "invalid_request", description: "redirect_uri " + ar.RedirectURI + " is not registered for client " + c.ID}
	}
	if ar.ResponseType != "code" {
		return ar, &authFailure{redirect: true, code: "unsupported_response_type", description: "response_type must be code"}
	}
	if ar.State == "" {
		return ar, &authFailure{redirect: true, code: "invalid_request", description: "state is required"}
	}
	if want := base + "/v1/"; ar.Audience != want {
		return ar, &authFailure{redirect: true, code: "invalid_request", description: "audience must be " + want}
	}
	ar.Scopes = strings.Fields(ar.Scope)
	if len(ar.Scopes) == 0 {
		return ar, &authFailure{redirect: true, code: "invalid_scope", description: "scope is required"}
	}
	for _, sc := range ar.Scopes {
		if !slices.Contains(allScopes, sc) {
			return ar, &authFailure{redirect: true, code: "invalid_scope", description: "unknown scope " + sc}
		}
	}
	return ar, nil
}

// redirectBack sends the browser to the client's redirect URI with params.
func redirectBack(w http.ResponseWriter, r *http.Request, redirectURI string, params url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	q := u.Query()
	for k, vs := range params {
		for _, v := range vs {
			if v != "" {
				q.Add(k, v)
			}
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (s *Sandbox) refuseAuth(w http.ResponseWriter, r *http.Request, ar *authRequest, f *authFailure) {
	if f.redirect {
		redirectBack(w, r, ar.RedirectURI, url.Values{"error": {f.code}, "error_description": {f.description}, "state": {ar.State}})
		return
	}
	s.pages.RenderError(w, http.StatusBadRequest, "Authorization failed", f.code+": "+f.description)
}

// handleAuthorizeShow shows the consent page (package pages renders it):
// the scopes, the signed-in user (with the switcher), Accept and Deny.
func (s *Sandbox) handleAuthorizeShow(w http.ResponseWriter, r *http.Request) {
	s.pages.EnsureSession(w, r)
	s.mu.Lock()
	ar, f := s.parseAuthRequest(r.URL.Query(), s.baseURL(r))
	s.mu.Unlock()
	if f != nil {
		s.refuseAuth(w, r, ar, f)
		return
	}
	s.pages.RenderConsent(w, r, pages.ConsentRequest{
		ClientID: ar.ClientID, RedirectURI: ar.RedirectURI, ResponseType: ar.ResponseType, State: ar.State,
		Audience: ar.Audience, Scope: ar.Scope, Scopes: ar.Scopes,
	})
}

func (s *Sandbox) superAdmins() []*user {
	var out []*user
	for _, u := range sortedValues(s.st.Users, userKey) {
		if u.AccessRole == roleSuperAdmin && u.DeactivatedAt == nil {
			out = append(out, u)
		}
	}
	return out
}

// handleAuthorizeDecide takes the consent form: decision=accept or
// decision=deny. From a browser with a session the signed-in user decides
// (and the form's CSRF token must match); a client without a session (a
// test standing in for the browser) may name user_id, default the first
// Super Admin. Only an active Super Admin can accept.
func (s *Sandbox) handleAuthorizeDecide(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.pages.RenderError(w, http.StatusBadRequest, "Authorization failed", "bad form: "+err.Error())
		return
	}
	// From a browser with a session, the signed-in user decides.
	fromBrowser, sessionUID := false, ""
	if s.pages.HasSession(r) {
		uid, ok, why := s.pages.FormUser(r)
		if !ok {
			s.pages.RenderError(w, http.StatusForbidden, "Authorization refused", why)
			return
		}
		fromBrowser, sessionUID = true, uid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ar, f := s.parseAuthRequest(r.PostForm, s.baseURL(r))
	if f != nil {
		s.refuseAuth(w, r, ar, f)
		return
	}
	if r.PostForm.Get("decision") != "accept" {
		redirectBack(w, r, ar.RedirectURI, url.Values{"error": {"access_denied"}, "error_description": {"the user denied access"}, "state": {ar.State}})
		return
	}
	uid := r.PostForm.Get("user_id")
	if fromBrowser {
		uid = sessionUID
	} else if uid == "" {
		if admins := s.superAdmins(); len(admins) > 0 {
			uid = admins[0].ID
		}
	}
	u := s.st.Users[uid]
	if u == nil || u.AccessRole != roleSuperAdmin || u.DeactivatedAt != nil {
		redirectBack(w, r, ar.RedirectURI, url.Values{"error": {"access_denied"}, "error_description": {"only an active Super Admin can authorize an app"}, "state": {ar.State}})
		return
	}
	infoFrom(r.Context()).credential = "user:" + u.Username
	code := randomHex(20)
	s.st.AuthCodes[hashSecret(code)] = &authCode{
		ClientID: ar.ClientID, RedirectURI: ar.RedirectURI, UserID: u.ID, Scopes: ar.Scopes,
		ExpiresAt: s.now() + codeTTL.Milliseconds(),
	}
	s.st.Authorizations[ar.ClientID] = &appAuthorization{ClientID: ar.ClientID, UserID: u.ID, Scopes: slices.Clone(ar.Scopes), ApprovedAt: s.now()}
	s.commit()
	redirectBack(w, r, ar.RedirectURI, url.Values{"code": {code}, "state": {ar.State}})
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
}

func tokenError(w http.ResponseWriter, status int, code, description string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// handleToken is the token endpoint: authorization_code and refresh_token
// grants, client authentication by form fields or HTTP Basic. Refresh
// tokens rotate: each one works once.
func (s *Sandbox) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	form := r.PostForm
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	basic := false
	if id, sec, ok := r.BasicAuth(); ok {
		basic = true
		if v, err := url.QueryUnescape(id); err == nil {
			id = v
		}
		if v, err := url.QueryUnescape(sec); err == nil {
			sec = v
		}
		clientID, secret = id, sec
	}
	infoFrom(r.Context()).credential = "oauth:" + clientID
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.OAuthClients[clientID]
	if c == nil || subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="lever-sandbox"`)
		}
		tokenError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong client secret")
		return
	}
	now := s.now()
	base := s.baseURL(r)
	switch form.Get("grant_type") {
	case "authorization_code":
		key := hashSecret(form.Get("code"))
		ac := s.st.AuthCodes[key]
		if ac == nil || ac.ClientID != clientID || now >= ac.ExpiresAt {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the authorization code is invalid, expired or already used")
			return
		}
		if form.Get("redirect_uri") != ac.RedirectURI {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri does not match the authorization request")
			return
		}
		delete(s.st.AuthCodes, key)
		resp := s.issueTokens(base, clientID, ac.UserID, newID(), ac.Scopes, now, now)
		s.commit()
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, resp)
	case "refresh_token":
		key := hashSecret(form.Get("refresh_token"))
		rt := s.st.RefreshTokens[key]
		if rt == nil || rt.ClientID != clientID {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token is invalid, revoked or already used")
			return
		}
		delete(s.st.RefreshTokens, key)
		// Lever: "Refresh tokens will expire after one year or after 90 days
		// of inactivity." The year counts from the grant (the consent), not
		// from each rotated token: refreshing cannot extend it.
		if now >= rt.GrantStart+s.cfg.RefreshTokenTTL.Milliseconds() {
			s.commit()
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token has expired: the authorization is older than "+s.cfg.RefreshTokenTTL.String()+"; authorize the app again")
			return
		}
		if now >= rt.IssuedAt+s.cfg.RefreshTokenIdle.Milliseconds() {
			s.commit()
			tokenError(w, http.StatusBadRequest, "invalid_grant", "the refresh token has expired: unused for longer than "+s.cfg.RefreshTokenIdle.String()+"; authorize the app again")
			return
		}
		resp := s.issueTokens(base, clientID, rt.UserID, rt.GrantID, rt.Scopes, rt.GrantStart, now)
		s.commit()
		w.Header().Set("Cache-Control", "no-store")
		writeJSON(w, http.StatusOK, resp)
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

// issueTokens mints an access token (JWT-shaped, with Lever's claims) and,
// with offline_access, a refresh token. The caller holds s.mu.
func (s *Sandbox) issueTokens(base, clientID, userID, grantID string, scopes []string, grantStart, now int64) tokenResponse {
	for k, at := range s.st.AccessTokens {
		if now >= at.ExpiresAt {
			delete(s.st.AccessTokens, k)
		}
	}
	ttl := s.cfg.AccessTokenTTL
	exp := now + ttl.Milliseconds()
	access := s.mintJWT(base, clientID, userID, scopes, now, exp)
	s.st.AccessTokens[hashSecret(access)] = &accessToken{ClientID: clientID, GrantID: grantID, UserID: userID, Scopes: scopes, ExpiresAt: exp}
	resp := tokenResponse{AccessToken: access, TokenType: "Bearer", Scope: strings.Join(scopes, " "), ExpiresIn: int64(ttl / time.Second)}
	if slices.Contains(scopes, "offline_access") {
		refresh := "v1." + randomHex(32)
		s.st.RefreshTokens[hashSecret(refresh)] = &refreshToken{ClientID: clientID, GrantID: grantID, UserID: userID, Scopes: scopes, IssuedAt: now, GrantStart: grantStart}
		resp.RefreshToken = refresh
	}
	return resp
}

func (s *Sandbox) mintJWT(base, clientID, userID string, scopes []string, now, exp int64) string {
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "HS512", "typ": "JWT", "v": "2.0", "kid": "leversandbox"})
	claims, _ := json.Marshal(map[string]any{
		"https://oauth.lever.co/userId":    userID,
		"https://oauth.lever.co/accountId": s.st.AccountID,
		"https://oauth.lever.co/clientId":  clientID,
		"iss":                              base + "/",
		"sub":                              userID,
		"aud":                              base + "/v1/",
		"iat":                              now / 1000,
		"exp":                              exp / 1000,
		"azp":                              clientID,
		"scope":                            strings.Join(scopes, " "),
		"jti":                              randomHex(12),
	})
	unsigned := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha512.New, []byte(s.st.JWTSecret))
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// revokeClient ends every grant of a client, as a Super Admin revoking the
// app in Lever's settings would. The caller holds s.mu.
func (s *Sandbox) revokeClient(clientID string) (access, refresh int) {
	for k, at := range s.st.AccessTokens {
		if at.ClientID == clientID {
			delete(s.st.AccessTokens, k)
			access++
		}
	}
	for k, rt := range s.st.RefreshTokens {
		if rt.ClientID == clientID {
			delete(s.st.RefreshTokens, k)
			refresh++
		}
	}
	for k, ac := range s.st.AuthCodes {
		if ac.ClientID == clientID {
			delete(s.st.AuthCodes, k)
		}
	}
	delete(s.st.Authorizations, clientID)
	return access, refresh
}
