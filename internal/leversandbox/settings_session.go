package leversandbox

import (
	"crypto/subtle"
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

const sessionCookie = "lever_sandbox_session"

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

// lookup returns the session named by r's cookie, or nil.
func (ss *sessions) lookup(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.m[hashSecret(c.Value)]
}

// start makes a new session for userID and sets its cookie on w.
func (ss *sessions) start(w http.ResponseWriter, userID string) *session {
	id := randomHex(24)
	se := &session{id: id, userID: userID, csrf: randomHex(24)}
	ss.mu.Lock()
	if len(ss.m) >= maxSessions {
		ss.m = map[string]*session{}
	}
	ss.m[hashSecret(id)] = se
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
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

// sessionUser returns the signed-in user of se, falling back to the first
// active Super Admin when the session's user was deactivated or is gone
// (after a reset). The caller holds s.mu.
func (s *Sandbox) sessionUser(se *session) *user {
	s.sessions.mu.Lock()
	uid := se.userID
	s.sessions.mu.Unlock()
	if u := s.st.Users[uid]; u != nil && u.DeactivatedAt == nil {
		return u
	}
	if admins := s.superAdmins(); len(admins) > 0 {
		return admins[0]
	}
	return nil
}

// pageSession returns the browser's session, starting one (signed in as the
// first active Super Admin) when it has none.
func (s *Sandbox) pageSession(w http.ResponseWriter, r *http.Request) *session {
	if se := s.sessions.lookup(r); se != nil {
		return se
	}
	s.mu.Lock()
	uid := s.actingAdmin()
	s.mu.Unlock()
	return s.sessions.start(w, uid)
}

// csrfCheck validates a form POST: a known session, a matching "csrf"
// field, and no foreign Origin. The form must be parsed already.
func (s *Sandbox) csrfCheck(r *http.Request) (*session, string) {
	se := s.sessions.lookup(r)
	if se == nil {
		return nil, "your session has expired or cookies are off: reload the page and try again"
	}
	if o := r.Header.Get("Origin"); o != "" && o != "null" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			return nil, "the form was sent from another site (" + o + ")"
		}
	}
	s.sessions.mu.Lock()
	want := se.csrf
	s.sessions.mu.Unlock()
	got := r.PostFormValue("csrf")
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return nil, "the form's security token is missing or stale: reload the page and try again"
	}
	return se, ""
}

// sessionView is what every settings page shows of the signed-in user.
type sessionView struct {
	User      *user
	RoleLabel string
	CSRF      string
	Users     []*user // the switcher's choices: active users
	Return    string
}

// roleLabel renders an access role as Lever's settings show it.
func roleLabel(role string) string {
	switch role {
	case roleSuperAdmin:
		return "Super Admin"
	case roleAdmin:
		return "Admin"
	case roleTeamMember:
		return "Team Member"
	case roleLimitedTeamMember:
		return "Limited Team Member"
	case roleInterviewer:
		return "Interviewer"
	}
	return role
}

// viewSession gathers the header of a settings page. The caller holds s.mu.
func (s *Sandbox) viewSession(se *session, ret string) sessionView {
	v := sessionView{User: s.sessionUser(se), Return: ret}
	s.sessions.mu.Lock()
	v.CSRF = se.csrf
	s.sessions.mu.Unlock()
	if v.User != nil {
		v.RoleLabel = roleLabel(v.User.AccessRole)
	}
	for _, u := range sortedValues(s.st.Users, userKey) {
		if u.DeactivatedAt == nil {
			v.Users = append(v.Users, u)
		}
	}
	return v
}

// handleSessionUser is the switcher: sign in as another active user.
func (s *Sandbox) handleSessionUser(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.renderPage(w, http.StatusBadRequest, "error.html", errorPage{Title: "Bad form", Message: err.Error()})
		return
	}
	se, why := s.csrfCheck(r)
	if se == nil {
		s.renderPage(w, http.StatusForbidden, "error.html", errorPage{Title: "Refused", Message: why})
		return
	}
	s.mu.Lock()
	u := s.st.Users[r.PostFormValue("user_id")]
	s.mu.Unlock()
	if u == nil || u.DeactivatedAt != nil {
		s.renderPage(w, http.StatusBadRequest, "error.html", errorPage{Title: "Cannot sign in", Message: "no active user " + r.PostFormValue("user_id")})
		return
	}
	s.sessions.setUser(se, u.ID)
	infoFrom(r.Context()).credential = "user:" + u.Username
	http.Redirect(w, r, backTo(r), http.StatusSeeOther)
}
