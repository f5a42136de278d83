package pages

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"sync"
)

// The pages know who is signed in: a session cookie (HttpOnly,
// SameSite=Strict) names a session held in memory, which holds the signed-in
// user and a random CSRF token. Every form carries the token in a hidden
// "csrf" field and a POST is refused unless it matches the session's. A new
// browser is signed in as the first active Super Admin; the switcher in the
// page header changes the user (there are no passwords: it is a local
// sandbox).

// SessionCookie is the name of the pages' session cookie.
const SessionCookie = "lever_sandbox_session"

type session struct {
	id     string
	userID string
	csrf   string
	// flash is shown once on the next page: a notice, or a new API key.
	flash    string
	flashErr bool
	newKey   *newKeyNotice
}

type newKeyNotice struct {
	Name string
	Key  string
}

type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

func newSessions() *sessions { return &sessions{m: map[string]*session{}} }

// maxSessions bounds the table; the oldest are not tracked, so on overflow
// the table is simply emptied (a local sandbox has a handful of browsers).
const maxSessions = 10000

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// hashID keys the table, so that the table does not hold the cookie values.
func hashID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// lookup returns the session named by r's cookie, or nil.
func (ss *sessions) lookup(r *http.Request) *session {
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.m[hashID(c.Value)]
}

// start makes a new session for userID and sets its cookie on w.
func (ss *sessions) start(w http.ResponseWriter, userID string) *session {
	id := randomHex(24)
	se := &session{id: id, userID: userID, csrf: randomHex(24)}
	ss.mu.Lock()
	if len(ss.m) >= maxSessions {
		ss.m = map[string]*session{}
	}
	ss.m[hashID(id)] = se
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
	})
	return se
}

// takeFlash returns and clears the session's one-time notice.
func (ss *sessions) takeFlash(se *session) (string, bool, *newKeyNotice) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	msg, isErr, key := se.flash, se.flashErr, se.newKey
	se.flash, se.flashErr, se.newKey = "", false, nil
	return msg, isErr, key
}

func (ss *sessions) setFlash(se *session, msg string, isErr bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se.flash, se.flashErr = msg, isErr
}

func (ss *sessions) setNewKey(se *session, k *newKeyNotice) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se.newKey = k
}

func (ss *sessions) setUser(se *session, userID string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	se.userID = userID
}

func (ss *sessions) user(se *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return se.userID
}

func (ss *sessions) csrf(se *session) string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return se.csrf
}

// SignedIn returns the signed-in user of se, falling back to the first
// active Super Admin when the session's user was deactivated or is gone
// (after a reset).
func (p *Pages) SignedIn(se *session) *User {
	return p.state.SignedIn(p.sessions.user(se))
}

// pageSession returns the browser's session, starting one (signed in as the
// first active Super Admin) when it has none.
func (p *Pages) pageSession(w http.ResponseWriter, r *http.Request) *session {
	if se := p.sessions.lookup(r); se != nil {
		return se
	}
	return p.sessions.start(w, p.state.DefaultUser())
}

// EnsureSession starts a session for a browser that has none.
func (p *Pages) EnsureSession(w http.ResponseWriter, r *http.Request) { p.pageSession(w, r) }

// HasSession reports whether r comes from a browser with a session.
func (p *Pages) HasSession(r *http.Request) bool { return p.sessions.lookup(r) != nil }

// CheckForm validates a form POST: a known session, a matching "csrf"
// field, and no foreign Origin. The form must be parsed already. On refusal
// it returns nil and why.
func (p *Pages) CheckForm(r *http.Request) (*session, string) {
	se := p.sessions.lookup(r)
	if se == nil {
		return nil, "your session has expired or cookies are off: reload the page and try again"
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			return nil, "the form was sent from another site (" + o + ")"
		}
	}
	want := p.sessions.csrf(se)
	got := r.PostFormValue("csrf")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return nil, "the form's security token is missing or stale: reload the page and try again"
	}
	return se, ""
}

// FormUser checks a form POST as CheckForm does and returns the id of the
// signed-in user ("" when there is none). ok is false, with why, when the
// form is refused.
func (p *Pages) FormUser(r *http.Request) (userID string, ok bool, why string) {
	se, why := p.CheckForm(r)
	if se == nil {
		return "", false, why
	}
	if u := p.SignedIn(se); u != nil {
		return u.ID, true, ""
	}
	return "", true, ""
}

// sessionView is what every page header shows of the signed-in user.
type sessionView struct {
	User      *User
	RoleLabel string
	CSRF      string
	Users     []User // the switcher's choices: active users
	Return    string
}

// viewSession gathers the header of a page.
func (p *Pages) viewSession(se *session, ret string) sessionView {
	v := sessionView{User: p.SignedIn(se), Return: ret, CSRF: p.sessions.csrf(se)}
	if v.User != nil {
		v.RoleLabel = v.User.RoleLabel
	}
	for _, u := range p.state.Users() {
		if !u.Deactivated {
			v.Users = append(v.Users, u)
		}
	}
	return v
}

// handleSessionUser is the switcher: sign in as another active user.
func (p *Pages) handleSessionUser(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		p.RenderError(w, http.StatusBadRequest, "Bad form", err.Error())
		return
	}
	se, why := p.CheckForm(r)
	if se == nil {
		p.RenderError(w, http.StatusForbidden, "Refused", why)
		return
	}
	id := r.PostFormValue("user_id")
	var u *User
	for _, cand := range p.state.Users() {
		if cand.ID == id && !cand.Deactivated {
			u = &cand
			break
		}
	}
	if u == nil {
		p.RenderError(w, http.StatusBadRequest, "Cannot sign in", "no active user "+id)
		return
	}
	p.sessions.setUser(se, u.ID)
	p.state.LogAs(r.Context(), "user:"+u.Username)
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}

// ConsentRequest is an app's authorization request as the consent screen
// shows it.
type ConsentRequest struct {
	ClientID     string
	RedirectURI  string
	ResponseType string
	State        string
	Audience     string
	Scope        string
	Scopes       []string
}

type consentPage struct {
	Request     ConsentRequest
	ScopeLabels []string
	Session     sessionView
	SuperAdmin  bool
}

// RenderConsent shows the consent screen: the scopes, the signed-in user
// (with the switcher), Accept and Deny. It starts a session when the
// browser has none.
func (p *Pages) RenderConsent(w http.ResponseWriter, r *http.Request, req ConsentRequest) {
	se := p.pageSession(w, r)
	sv := p.viewSession(se, r.URL.RequestURI())
	p.render(w, http.StatusOK, "consent.html", consentPage{
		Request: req, ScopeLabels: req.Scopes, Session: sv,
		SuperAdmin: sv.User != nil && sv.User.SuperAdmin,
	})
}
