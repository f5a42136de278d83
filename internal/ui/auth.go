package ui

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/mail"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// Roles: an admin configures; a member views and retries dead letters.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

const (
	sessionCookie = "sc_session"
	preCSRFCookie = "sc_csrf"
	flashCookie   = "sc_flash"
	// MinPasswordLength is the shortest password accepted.
	MinPasswordLength = 10
	// MaxPasswordBytes is the longest: bcrypt uses only the first 72 bytes.
	MaxPasswordBytes = 72
	// Login throttling, over throttleWindow. One client address may fail
	// maxFailuresPerIP times, then waits until its oldest failure leaves
	// the window. An account is slowed, never locked, and only for the
	// address that fails: after slowAfterFailures failures for one e-mail
	// from one address, each further attempt from that address waits a
	// doubling delay (1s, 2s, 4s … up to maxAccountDelay) after its latest
	// failure, and the right password after that delay gets in. Failures
	// from other addresses do not count, so whoever guesses from elsewhere
	// cannot keep the owner out. There is no account-wide slow-down: one
	// that refused could be kept up by a stranger, and one that only held
	// requests for a few seconds would not limit parallel guesses.
	slowAfterFailures = 5
	maxAccountDelay   = time.Minute
	maxFailuresPerIP  = 20
	throttleWindow    = 15 * time.Minute
	// maxBodyBytes caps every UI request body: the UI's forms are small.
	maxBodyBytes = 64 << 10
	// sessionMaxAge bounds a session however much it is used.
	sessionMaxAge = 7 * 24 * time.Hour
)

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// HashPassword hashes a password with bcrypt. A password longer than
// MaxPasswordBytes is refused (EInvalid) rather than cut short.
func HashPassword(pw string) (string, error) {
	if err := checkPasswordLength(pw); err != nil {
		return "", err
	}
	b, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(b), err
}

// checkPasswordLength refuses a password bcrypt cannot hash whole.
func checkPasswordLength(pw string) error {
	if len(pw) > MaxPasswordBytes {
		return domain.Errorf(domain.EInvalid, "the password is too long: at most %d bytes (%d characters of plain ASCII, fewer with accents or other scripts)", MaxPasswordBytes, MaxPasswordBytes)
	}
	return nil
}

// dummyHash keeps a login for an unknown e-mail as slow as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not a password of anyone"), bcrypt.DefaultCost)

type sessionCtx struct {
	sess *store.Session
	user *store.User
}

type ctxKey struct{}

func sessionFrom(ctx context.Context) *sessionCtx {
	s, _ := ctx.Value(ctxKey{}).(*sessionCtx)
	return s
}

// secure reports whether the browser reached r over https (directly, by
// the public URL, or through a trusted TLS-terminating proxy): cookies are
// then Secure.
func (u *UI) secure(r *http.Request) bool {
	return strings.HasPrefix(u.cfg.PublicURL, "https://") || u.cfg.Proxies.Scheme(r) == "https"
}

// loadSession finds the session of r's cookie, if it is valid.
func (u *UI) loadSession(r *http.Request) *sessionCtx {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	h := hashToken(c.Value)
	now := u.cfg.NowFunc()
	var out *sessionCtx
	err = u.inTx(r, func(tx *store.Tx) error {
		s, err := tx.SessionGet(r.Context(), h)
		if err != nil {
			return err
		}
		if now.After(s.ExpiresAt) || now.Sub(s.LastSeenAt) > u.cfg.SessionTTL {
			return tx.SessionDelete(r.Context(), h)
		}
		user, err := tx.UserGet(r.Context(), s.UserID)
		if err != nil {
			return err
		}
		if now.Sub(s.LastSeenAt) > time.Minute && !isLive(r) {
			if err := tx.SessionTouch(r.Context(), h); err != nil {
				return err
			}
		}
		out = &sessionCtx{sess: s, user: user}
		return nil
	})
	if err != nil {
		return nil
	}
	return out
}

// sameOrigin refuses a state-changing request whose Origin (or, without
// one, Referer) names another site. This site is the public URL's host, or
// the host the request was sent to (through a trusted proxy, the one it
// forwarded).
func (u *UI) sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" || src == "null" {
		return src == ""
	}
	o, err := urlHost(src)
	if err != nil {
		return false
	}
	if pu, err := urlHost(u.cfg.PublicURL); err == nil && strings.EqualFold(o, pu) {
		return true
	}
	return strings.EqualFold(o, u.cfg.Proxies.Host(r))
}

func urlHost(s string) (string, error) {
	i := strings.Index(s, "://")
	if i < 0 {
		return "", errors.New("no scheme")
	}
	rest := s[i+3:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[:j]
	}
	return rest, nil
}

func (u *UI) setHeaders(w http.ResponseWriter) {
	h := w.Header()
	if strings.HasPrefix(u.cfg.PublicURL, "https://") {
		// Browsers then refuse plain http to this host for a year, so a
		// network attacker cannot strip TLS from a later visit.
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self' http: https:; frame-ancestors 'none'")
}

// guard is the one middleware every UI route passes first: security
// headers, then the request body, capped at maxBodyBytes and parsed as an
// URL-encoded form only. Nothing reads past the cap, and multipart (whose
// parser would spool to memory and disk) is refused before it is read.
func (u *UI) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u.setHeaders(w)
		if r.ContentLength > maxBodyBytes {
			u.refuseBody(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
			ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if ct != "application/x-www-form-urlencoded" && !(ct == "" && r.ContentLength == 0) {
				u.refuseBody(w, r, http.StatusUnsupportedMediaType, "The web UI takes forms sent as application/x-www-form-urlencoded only.")
				return
			}
		}
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				u.refuseBody(w, r, http.StatusRequestEntityTooLarge, "The form is too large.")
				return
			}
			u.refuseBody(w, r, http.StatusBadRequest, "The form could not be read.")
			return
		}
		h(w, r)
	}
}

// refuseBody answers a request whose body was not read, and closes the
// connection so the rest of it is not read either.
func (u *UI) refuseBody(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Connection", "close")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// public wraps a page anyone may see (setup, login). Its POSTs carry the
// pre-login CSRF token (a cookie and the same value in the form).
func (u *UI) public(h http.HandlerFunc) http.HandlerFunc {
	return u.guard(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			c, err := r.Cookie(preCSRFCookie)
			if !u.sameOrigin(r) || err != nil || c.Value == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
				u.render(w, r, http.StatusForbidden, "error.html", page{Title: "Refused", Error: "The form had expired or did not come from this site. Reload the page and try again."})
				return
			}
		}
		h(w, r)
	})
}

// preCSRF returns the pre-login CSRF token of r, setting its cookie first
// if needed.
func (u *UI) preCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(preCSRFCookie); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	t := randomToken()
	http.SetCookie(w, &http.Cookie{Name: preCSRFCookie, Value: t, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: u.secure(r)})
	return t
}

// member wraps a page for any logged-in user; admin for admins only. Every
// POST must carry the session's CSRF token and come from this site.
func (u *UI) member(h http.HandlerFunc) http.HandlerFunc { return u.authed(h, false) }
func (u *UI) admin(h http.HandlerFunc) http.HandlerFunc  { return u.authed(h, true) }

func (u *UI) authed(h http.HandlerFunc, adminOnly bool) http.HandlerFunc {
	return u.guard(func(w http.ResponseWriter, r *http.Request) {
		s := u.loadSession(r)
		if s == nil {
			var n int
			if err := u.inTx(r, func(tx *store.Tx) (err error) { n, err = tx.UserCount(r.Context()); return }); err != nil {
				u.fail(w, r, err)
				return
			}
			if n == 0 {
				http.Redirect(w, r, "/setup", http.StatusSeeOther)
				return
			}
			next := ""
			if r.Method == http.MethodGet {
				next = "?next=" + urlQueryEscape(r.URL.RequestURI())
			}
			http.Redirect(w, r, "/login"+next, http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		if r.Method == http.MethodPost {
			if !u.sameOrigin(r) || subtle.ConstantTimeCompare([]byte(s.sess.CSRFToken), []byte(r.PostFormValue("csrf"))) != 1 {
				u.render(w, r, http.StatusForbidden, "error.html", page{Title: "Refused", Error: "The form had expired or did not come from this site. Reload the page and try again."})
				return
			}
		}
		if adminOnly && s.user.Role != RoleAdmin {
			u.render(w, r, http.StatusForbidden, "error.html", page{Title: "Admins only", Error: "Only an admin can change the configuration. Ask an admin of this stagecoach."})
			return
		}
		h(w, r)
	})
}

func (u *UI) startSession(w http.ResponseWriter, r *http.Request, tx *store.Tx, userID string) (*store.Session, error) {
	tok := randomToken()
	s := &store.Session{TokenHash: hashToken(tok), UserID: userID, CSRFToken: randomToken(), ExpiresAt: tx.Now().Add(sessionMaxAge)}
	if err := tx.SessionCreate(r.Context(), s); err != nil {
		return nil, err
	}
	if err := tx.SessionPrune(r.Context(), tx.Now()); err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: tok, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: u.secure(r), MaxAge: int(sessionMaxAge / time.Second)})
	return s, nil
}

type accountForm struct {
	Email, Name, Next string
}

func (u *UI) handleSetupShow(w http.ResponseWriter, r *http.Request) {
	var n int
	if err := u.inTx(r, func(tx *store.Tx) (err error) { n, err = tx.UserCount(r.Context()); return }); err != nil {
		u.fail(w, r, err)
		return
	}
	if n > 0 {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "setup.html", page{Title: "Create the owner account", Data: accountForm{}})
}

// validAccount checks a new account's fields.
func validAccount(email, name, pw, pw2 string) error {
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return domain.Errorf(domain.EInvalid, "%q is not an e-mail address", email)
	}
	if len(pw) < MinPasswordLength {
		return domain.Errorf(domain.EInvalid, "the password must have at least %d characters", MinPasswordLength)
	}
	if err := checkPasswordLength(pw); err != nil {
		return err
	}
	if pw != pw2 {
		return domain.Errorf(domain.EInvalid, "the two passwords differ")
	}
	return nil
}

// handleSetup creates the owner (an admin) on the very first visit; once a
// user exists it refuses.
func (u *UI) handleSetup(w http.ResponseWriter, r *http.Request) {
	email, name := strings.TrimSpace(r.PostFormValue("email")), strings.TrimSpace(r.PostFormValue("name"))
	pw := r.PostFormValue("password")
	if err := validAccount(email, name, pw, r.PostFormValue("password2")); err != nil {
		u.render(w, r, http.StatusBadRequest, "setup.html", page{Title: "Create the owner account", Error: err.(*domain.Error).Message, Data: accountForm{Email: email, Name: name}})
		return
	}
	hash, err := HashPassword(pw)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	var sess *store.Session
	err = u.inTx(r, func(tx *store.Tx) error {
		n, err := tx.UserCount(r.Context())
		if err != nil {
			return err
		}
		if n > 0 {
			return domain.Errorf(domain.EConflict, "the owner account exists already: log in")
		}
		user := &store.User{ID: domain.NewID("usr"), Email: email, Name: name, Role: RoleAdmin, PasswordHash: hash}
		if err := tx.UserCreate(r.Context(), user); err != nil {
			return err
		}
		sess, err = u.startSession(w, r, tx, user.ID)
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.setFlash(w, r, sess, "Welcome: your owner account is ready. Start by connecting a Lever account.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (u *UI) handleLoginShow(w http.ResponseWriter, r *http.Request) {
	var n int
	if err := u.inTx(r, func(tx *store.Tx) (err error) { n, err = tx.UserCount(r.Context()); return }); err != nil {
		u.fail(w, r, err)
		return
	}
	if n == 0 {
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
		return
	}
	u.render(w, r, http.StatusOK, "login.html", page{Title: "Log in", Data: accountForm{Next: safeNext(r.URL.Query().Get("next"))}})
}

// handleLogin checks a password, throttled per client address and slowed
// per account and address (see slowAfterFailures). The wait is checked
// before the password, so a refused attempt says nothing about the guess.
func (u *UI) handleLogin(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	pw := r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	ip := throttleKey(u.cfg.Proxies.ClientAddr(r))
	now := u.cfg.NowFunc()
	form := accountForm{Email: email, Next: next}

	var st store.LoginStats
	var user *store.User
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		if st, err = tx.LoginFailures(ctx, email, ip, now.Add(-throttleWindow)); err != nil {
			return err
		}
		user, err = tx.UserByEmail(ctx, email)
		if store.IsNotFound(err) {
			return nil
		}
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if wait := loginWait(st, now); wait > 0 {
		secs := int((wait + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		msg := fmt.Sprintf("Too many failed logins from your address. Try again in %d seconds.", secs)
		if secs > 90 {
			msg = fmt.Sprintf("Too many failed logins from your address. Try again in %d minutes.", (secs+59)/60)
		}
		u.render(w, r, http.StatusTooManyRequests, "login.html", page{Title: "Log in", Data: form, Error: msg})
		return
	}
	ok := false
	if user != nil && len(pw) <= MaxPasswordBytes {
		ok = bcrypt.CompareHashAndPassword([]byte(user.PasswordHash), []byte(pw)) == nil
	} else {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(pw[:min(len(pw), MaxPasswordBytes)]))
	}
	err = u.inTx(r, func(tx *store.Tx) error {
		if err := tx.LoginAttemptInsert(ctx, store.LoginAttemptParams{Email: email, IP: ip, Success: ok, At: now}); err != nil {
			return err
		}
		if err := tx.LoginAttemptPrune(ctx, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		if ok {
			_, err := u.startSession(w, r, tx, user.ID)
			return err
		}
		return nil
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if !ok {
		u.render(w, r, http.StatusUnauthorized, "login.html", page{Title: "Log in", Data: form, Error: "The e-mail or the password is wrong."})
		return
	}
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// loginWait is how long a login attempt must wait, given the recent
// failures: until the address's oldest failure leaves the window once it
// has too many, and a doubling delay after the latest failure for the
// e-mail from this address once there are slowAfterFailures of them.
// Zero: try now.
func loginWait(st store.LoginStats, now time.Time) time.Duration {
	var wait time.Duration
	if st.ByIP >= maxFailuresPerIP {
		wait = st.OldestByIP.Add(throttleWindow).Sub(now)
	}
	if st.ByEmailFromIP >= slowAfterFailures {
		delay := maxAccountDelay
		if n := st.ByEmailFromIP - slowAfterFailures; n < 6 {
			delay = min(time.Second<<n, maxAccountDelay)
		}
		wait = max(wait, st.LastByEmailFromIP.Add(delay).Sub(now))
	}
	return max(wait, 0)
}

// throttleKey is the address login throttling counts a client by: an IPv4
// address itself, an IPv6 address by its /64, since one host is commonly
// given a whole /64 and could otherwise use a fresh address for each guess.
func throttleKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil || a.Unmap().Is4() {
		return addr
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}

// safeNext keeps only a path on this site (web.LocalPath), so that the
// login cannot send the browser elsewhere.
func safeNext(s string) string { return web.LocalPath(s) }

func (u *UI) handleLogout(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	if err := u.inTx(r, func(tx *store.Tx) error { return tx.SessionDelete(r.Context(), s.sess.TokenHash) }); err != nil {
		u.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.secure(r)})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

type usersData struct {
	Users []*store.User
	Form  accountForm
	Role  string
}

func (u *UI) listUsers(r *http.Request) ([]*store.User, error) {
	var users []*store.User
	err := u.inTx(r, func(tx *store.Tx) (err error) { users, err = tx.UserList(r.Context()); return })
	return users, err
}

func (u *UI) handleUserList(w http.ResponseWriter, r *http.Request) {
	users, err := u.listUsers(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "users.html", page{Title: "Users", Nav: "users", Data: usersData{Users: users, Role: RoleMember}})
}

func (u *UI) handleUserCreate(w http.ResponseWriter, r *http.Request) {
	email, name, role := strings.TrimSpace(r.PostFormValue("email")), strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("role")
	pw := r.PostFormValue("password")
	fail := func(msg string) {
		users, _ := u.listUsers(r)
		u.render(w, r, http.StatusBadRequest, "users.html", page{Title: "Users", Nav: "users", Error: msg, Data: usersData{Users: users, Form: accountForm{Email: email, Name: name}, Role: role}})
	}
	if role != RoleAdmin && role != RoleMember {
		fail("The role must be admin or member.")
		return
	}
	if err := validAccount(email, name, pw, r.PostFormValue("password2")); err != nil {
		fail(err.(*domain.Error).Message)
		return
	}
	hash, err := HashPassword(pw)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	err = u.inTx(r, func(tx *store.Tx) error {
		return tx.UserCreate(r.Context(), &store.User{ID: domain.NewID("usr"), Email: email, Name: name, Role: role, PasswordHash: hash})
	})
	if store.IsConflict(err) {
		fail("A user with that e-mail exists already.")
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirect(w, r, "/users", "User "+email+" added as "+role+". Give them their password yourself.")
}

// usersRefused shows the Users page again with why an action was refused.
func (u *UI) usersRefused(w http.ResponseWriter, r *http.Request, status int, msg string) {
	users, err := u.listUsers(r)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, status, "users.html", page{Title: "Users", Nav: "users", Error: msg, Data: usersData{Users: users, Role: RoleMember}})
}

// errLastAdmin refuses to leave stagecoach without an admin.
func errLastAdmin(email string) error {
	return domain.Errorf(domain.EConflict, "%s is the last admin: make another user an admin first.", email)
}

// lockAdmins returns the admins' ids, locked until tx ends, and checks that
// the user acting is still one of them: an admin demoted or removed since
// their request was let in cannot act any more.
func lockAdmins(ctx context.Context, tx *store.Tx) ([]string, error) {
	admins, err := tx.UserAdminIDs(ctx)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(admins, sessionFrom(ctx).user.ID) {
		return nil, domain.Errorf(domain.EForbidden, "Only an admin can change the configuration. Ask an admin of this stagecoach.")
	}
	return admins, nil
}

// handleUserRole makes a user an admin or a member. The user's sessions stay;
// each request reads the role afresh, so a demoted admin loses admin rights
// on the next one.
func (u *UI) handleUserRole(w http.ResponseWriter, r *http.Request) {
	ctx, id, role := r.Context(), r.PathValue("id"), r.PostFormValue("role")
	if role != RoleAdmin && role != RoleMember {
		u.usersRefused(w, r, http.StatusBadRequest, "The role must be admin or member.")
		return
	}
	var user *store.User
	err := u.inTx(r, func(tx *store.Tx) error {
		admins, err := lockAdmins(ctx, tx)
		if err != nil {
			return err
		}
		if user, err = tx.UserGet(ctx, id); err != nil {
			return err
		}
		if user.Role == role {
			return nil
		}
		if user.Role == RoleAdmin && len(admins) <= 1 {
			return errLastAdmin(user.Email)
		}
		user.Role = role
		return tx.UserUpdate(ctx, user)
	})
	if err != nil {
		u.userActionFailed(w, r, err)
		return
	}
	u.redirect(w, r, "/users", user.Email+" is now "+role+".")
}

// handleUserRemove deletes a user and every session of theirs, so their
// browsers are logged out at once.
func (u *UI) handleUserRemove(w http.ResponseWriter, r *http.Request) {
	ctx, id := r.Context(), r.PathValue("id")
	var user *store.User
	err := u.inTx(r, func(tx *store.Tx) error {
		admins, err := lockAdmins(ctx, tx)
		if err != nil {
			return err
		}
		if user, err = tx.UserGet(ctx, id); err != nil {
			return err
		}
		if user.Role == RoleAdmin && len(admins) <= 1 {
			return errLastAdmin(user.Email)
		}
		return tx.UserDelete(ctx, id)
	})
	if err != nil {
		u.userActionFailed(w, r, err)
		return
	}
	if user.ID == sessionFrom(ctx).user.ID {
		http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: u.secure(r)})
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	u.redirect(w, r, "/users", "User "+user.Email+" removed; their sessions have ended.")
}

// userActionFailed shows a refusal on the Users page, an unknown user as not
// found, and anything else as a failure.
func (u *UI) userActionFailed(w http.ResponseWriter, r *http.Request, err error) {
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EConflict {
		u.usersRefused(w, r, http.StatusConflict, de.Message)
		return
	}
	if errors.As(err, &de) && de.Code == domain.EForbidden {
		u.render(w, r, http.StatusForbidden, "error.html", page{Title: "Admins only", Error: de.Message})
		return
	}
	u.fail(w, r, err)
}
