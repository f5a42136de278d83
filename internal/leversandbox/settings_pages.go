package leversandbox

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
)

// The settings pages, in the spirit of Lever's Settings > Integrations and
// API: the API Credentials, Webhooks and Authorized Apps tabs, and a list of
// users with their roles. Only a Super Admin may open the three tabs or act
// in them; anyone else gets a refusal page (403).

const (
	tabKeys     = "api-credentials"
	tabWebhooks = "webhooks"
	tabApps     = "authorized-apps"
	tabUsers    = "users"
)

func tabPath(tab string) string {
	if tab == tabUsers {
		return "/settings/users"
	}
	return "/settings/integrations/" + tab
}

type keyRow struct {
	ID           string
	Name         string
	Hint         string
	CreatedBy    string
	CreatedAt    int64
	Default      bool
	AllScopes    bool
	Scopes       []string
	Permissions  []string
	Confidential bool
}

type hookRow struct {
	ID        string
	URL       string
	ViaAPI    bool
	Token     string
	Origins   []string
	CreatedAt int64
}

type deliveryRow struct {
	SentAt  int64
	URL     string
	Attempt int
	Status  int
	Outcome string
	Test    bool
	Error   string
}

type groupRow struct {
	Event      string
	Label      string
	On         bool
	Token      string
	Webhooks   []hookRow
	Deliveries []deliveryRow
}

type appRow struct {
	ClientID   string
	ApprovedBy string
	ApprovedAt int64
	Scopes     []string
	Tokens     int
}

type userRow struct {
	Name        string
	Email       string
	Role        string
	Deactivated bool
	ID          string
}

type settingsPage struct {
	Title      string
	Tab        string
	Session    sessionView
	Flash      string
	FlashErr   bool
	NewKey     *newKeyNotice
	Refused    string
	Keys       []keyRow
	ReadPerms  []*endpointPermission
	WritePerms []*endpointPermission
	Groups     []groupRow
	Apps       []appRow
	Users      []userRow
}

// maxGroupDeliveries is how many recent deliveries a group shows.
const maxGroupDeliveries = 10

// settingsData fills the page for tab. The caller holds s.mu.
func (s *Sandbox) settingsData(se *session, tab string) settingsPage {
	p := settingsPage{Tab: tab, Session: s.viewSession(se, tabPath(tab))}
	switch tab {
	case tabKeys:
		p.Title = "API Credentials"
	case tabWebhooks:
		p.Title = "Webhooks"
	case tabApps:
		p.Title = "Authorized Apps"
	case tabUsers:
		p.Title = "Users"
	}
	if tab != tabUsers {
		what := map[string]string{tabKeys: whatKeys, tabWebhooks: whatWebhooks, tabApps: whatApps}[tab]
		if err := requireSuperAdmin(p.Session.User, what); err != nil {
			var ae *apiError
			errors.As(err, &ae)
			p.Refused = ae.message
			return p
		}
	}
	switch tab {
	case tabKeys:
		p.ReadPerms, p.WritePerms = s.perms.list("read"), s.perms.list("write")
		for _, k := range s.st.APIKeys {
			row := keyRow{
				ID: k.ID, Name: k.Name, Hint: k.Hint, CreatedAt: k.CreatedAt, Default: k.Name == "default",
				Permissions: k.Endpoints, Confidential: slices.Contains(k.Permissions, scopeConfidential),
			}
			if k.CreatedBy != "" {
				row.CreatedBy = s.userName(&k.CreatedBy)
			}
			if k.Endpoints == nil {
				row.AllScopes = hasAll(k.Permissions, allScopes...)
				row.Scopes = k.Permissions
			}
			p.Keys = append(p.Keys, row)
		}
	case tabWebhooks:
		// Newest first. The "verify connection" request is sent as
		// candidateHired; it is listed under the group of its webhook.
		records := s.hooks.records()
		recent := map[string][]deliveryRow{}
		for i := len(records) - 1; i >= 0; i-- {
			d := records[i]
			group := d.Event
			if d.Test {
				wh := s.st.Webhooks[d.WebhookID]
				if wh == nil {
					continue
				}
				group = wh.Event
			}
			if len(recent[group]) < maxGroupDeliveries {
				recent[group] = append(recent[group], deliveryRow{SentAt: d.SentAt, URL: d.URL, Attempt: d.Attempt, Status: d.Status, Outcome: d.Outcome, Test: d.Test, Error: d.Error})
			}
		}
		for _, g := range eventGroups {
			row := groupRow{Event: g.Event, Label: g.Label, On: s.st.WebhookGroups[g.Event], Token: s.st.WebhookTokens[g.Event], Deliveries: recent[g.Event]}
			for _, wh := range sortedValues(s.st.Webhooks, webhookKey) {
				if wh.Event == g.Event {
					hr := hookRow{ID: wh.ID, URL: wh.URL, ViaAPI: !wh.Page, Origins: wh.Origins, CreatedAt: wh.CreatedAt}
					if !wh.Page {
						hr.Token = wh.Token
					}
					row.Webhooks = append(row.Webhooks, hr)
				}
			}
			p.Groups = append(p.Groups, row)
		}
	case tabApps:
		tokens := map[string]int{}
		for _, at := range s.st.AccessTokens {
			if s.now() < at.ExpiresAt {
				tokens[at.ClientID]++
			}
		}
		for _, rt := range s.st.RefreshTokens {
			tokens[rt.ClientID]++
		}
		for _, a := range sortedValues(s.st.Authorizations, func(a *appAuthorization) (int64, string) { return a.ApprovedAt, a.ClientID }) {
			p.Apps = append(p.Apps, appRow{ClientID: a.ClientID, ApprovedBy: s.userName(&a.UserID), ApprovedAt: a.ApprovedAt, Scopes: a.Scopes, Tokens: tokens[a.ClientID]})
		}
	case tabUsers:
		for _, u := range sortedValues(s.st.Users, userKey) {
			p.Users = append(p.Users, userRow{ID: u.ID, Name: u.Name, Email: u.Email, Role: roleLabel(u.AccessRole), Deactivated: u.DeactivatedAt != nil})
		}
	}
	return p
}

// renderSettings renders tab with the session's one-time notice.
func (s *Sandbox) renderSettings(w http.ResponseWriter, se *session, tab string, status int, flash string, flashErr bool) {
	msg, isErr, key := s.sessions.takeFlash(se)
	if flash != "" {
		msg, isErr = flash, flashErr
	}
	s.mu.Lock()
	p := s.settingsData(se, tab)
	s.mu.Unlock()
	p.Flash, p.FlashErr, p.NewKey = msg, isErr, key
	if p.Refused != "" {
		status = http.StatusForbidden
		p.NewKey = nil
	}
	s.renderPage(w, status, "settings.html", p)
}

func (s *Sandbox) settingsShow(tab string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se := s.pageSession(w, r)
		s.renderSettings(w, se, tab, http.StatusOK, "", false)
	}
}

// settingsAction wraps a settings form POST: the CSRF check, then act
// (which takes s.mu itself), then back to the tab with a notice. A refusal
// (403) renders the refusal page; bad input re-renders the tab with 400.
func (s *Sandbox) settingsAction(tab string, act func(r *http.Request, se *session) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.renderPage(w, http.StatusBadRequest, "error.html", errorPage{Title: "Bad form", Message: err.Error()})
			return
		}
		se, why := s.csrfCheck(r)
		if se == nil {
			s.renderPage(w, http.StatusForbidden, "error.html", errorPage{Title: "Refused", Message: why})
			return
		}
		infoFrom(r.Context()).credential = "page"
		notice, err := act(r, se)
		if err != nil {
			var ae *apiError
			status := http.StatusBadRequest
			msg := err.Error()
			if errors.As(err, &ae) {
				status, msg = ae.status, ae.message
			}
			s.renderSettings(w, se, tab, status, msg, true)
			return
		}
		if notice != "" {
			s.sessions.setFlash(se, notice, false)
		}
		http.Redirect(w, r, tabPath(tab), http.StatusSeeOther)
	}
}

// withActor runs f under s.mu with the session's user and commits when f
// succeeds.
func (s *Sandbox) withActor(se *session, f func(actor *user) (string, error)) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	notice, err := f(s.sessionUser(se))
	if err == nil {
		s.commit()
	}
	return notice, err
}

func (s *Sandbox) pageKeyCreate(r *http.Request, se *session) (string, error) {
	var key string
	var k *apiKey
	notice, err := s.withActor(se, func(actor *user) (string, error) {
		var err error
		key, k, err = s.createAPIKey(actor, r.PostFormValue("name"), r.PostForm["permission"], r.PostFormValue("confidential") != "")
		if err != nil {
			return "", err
		}
		return "", nil
	})
	if err != nil {
		return notice, err
	}
	s.sessions.setNewKey(se, &newKeyNotice{Name: k.Name, Key: key})
	return "", nil
}

func (s *Sandbox) pageKeyRevoke(r *http.Request, se *session) (string, error) {
	return s.withActor(se, func(actor *user) (string, error) {
		k, err := s.revokeAPIKey(actor, r.PathValue("id"))
		if err != nil {
			return "", err
		}
		return "Revoked the API key " + k.Name + ": it no longer works.", nil
	})
}

func (s *Sandbox) pageGroupToggle(r *http.Request, se *session) (string, error) {
	event, err := eventFromName(r.PathValue("event"))
	if err != nil {
		return "", err
	}
	var on bool
	switch r.PostFormValue("on") {
	case "on", "true", "1":
		on = true
	case "off", "false", "0":
	default:
		return "", errBadRequest("on must be on or off, got %q", r.PostFormValue("on"))
	}
	return s.withActor(se, func(actor *user) (string, error) {
		if err := s.setWebhookGroup(actor, event, on); err != nil {
			return "", err
		}
		state := "off: nothing is delivered for it"
		if on {
			state = "on"
		}
		return eventLabel(event) + " is " + state + ".", nil
	})
}

func (s *Sandbox) pageGroupToken(r *http.Request, se *session) (string, error) {
	event, err := eventFromName(r.PathValue("event"))
	if err != nil {
		return "", err
	}
	return s.withActor(se, func(actor *user) (string, error) {
		had := s.st.WebhookTokens[event] != ""
		if _, err := s.generateGroupToken(actor, event); err != nil {
			return "", err
		}
		if had {
			return "Regenerated the " + eventLabel(event) + " signing token: deliveries are signed with the new one from now on.", nil
		}
		return "Generated the " + eventLabel(event) + " signing token.", nil
	})
}

func (s *Sandbox) pageWebhookAdd(r *http.Request, se *session) (string, error) {
	event, err := eventFromName(r.PathValue("event"))
	if err != nil {
		return "", err
	}
	var wh *webhook
	notice, err := s.withActor(se, func(actor *user) (string, error) {
		var err error
		if wh, err = s.addPageWebhook(actor, event, r.PostFormValue("url")); err != nil {
			return "", err
		}
		cp := *wh
		cp.Token = s.signingToken(wh)
		wh = &cp
		return "Added " + wh.URL + " to " + eventLabel(event) + ".", nil
	})
	if err != nil || r.PostFormValue("verify") == "" {
		return notice, err
	}
	return notice + " " + verifyNotice(wh.URL, s.verifyWebhook(r, wh)), nil
}

func verifyNotice(url string, res verifyResult) string {
	switch {
	case res.OK:
		return "Verify connection: " + url + " answered " + strconv.Itoa(res.Status) + " — connection verified."
	case res.Status != 0:
		return "Verify connection: " + url + " answered " + strconv.Itoa(res.Status) + " — not verified (a 2xx answer is needed). Lever keeps sending events to it anyway."
	default:
		return "Verify connection: " + url + " did not answer (" + res.Error + ") — not verified."
	}
}

func (s *Sandbox) pageWebhookVerify(r *http.Request, se *session) (string, error) {
	s.mu.Lock()
	wh, err := s.webhookForVerify(s.sessionUser(se), r.PathValue("id"))
	s.mu.Unlock()
	if err != nil {
		return "", err
	}
	res := s.verifyWebhook(r, wh)
	if !res.OK {
		s.sessions.setFlash(se, verifyNotice(wh.URL, res), true)
		return "", nil
	}
	return verifyNotice(wh.URL, res), nil
}

func (s *Sandbox) pageWebhookRemove(r *http.Request, se *session) (string, error) {
	return s.withActor(se, func(actor *user) (string, error) {
		wh, err := s.removePageWebhook(actor, r.PathValue("id"))
		if err != nil {
			return "", err
		}
		return "Removed " + wh.URL + " from " + eventLabel(wh.Event) + ".", nil
	})
}

func (s *Sandbox) pageWebhookToken(r *http.Request, se *session) (string, error) {
	return s.withActor(se, func(actor *user) (string, error) {
		if _, err := s.regenerateWebhookToken(actor, r.PathValue("id")); err != nil {
			return "", err
		}
		return "Regenerated the webhook's signature token.", nil
	})
}

func (s *Sandbox) pageAppRevoke(r *http.Request, se *session) (string, error) {
	return s.withActor(se, func(actor *user) (string, error) {
		client := r.PathValue("client")
		if _, _, err := s.revokeApp(actor, client); err != nil {
			return "", err
		}
		return "Revoked access for " + client + ": its tokens no longer work.", nil
	})
}

// settingsRoutes registers the settings pages.
func (s *Sandbox) settingsRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /settings", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tabPath(tabKeys), http.StatusFound)
	})
	m.HandleFunc("GET /settings/integrations", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tabPath(tabKeys), http.StatusFound)
	})
	m.HandleFunc("GET /settings/integrations/api-credentials", s.settingsShow(tabKeys))
	m.HandleFunc("POST /settings/integrations/api-credentials", s.settingsAction(tabKeys, s.pageKeyCreate))
	m.HandleFunc("POST /settings/integrations/api-credentials/{id}/revoke", s.settingsAction(tabKeys, s.pageKeyRevoke))
	m.HandleFunc("GET /settings/integrations/webhooks", s.settingsShow(tabWebhooks))
	m.HandleFunc("POST /settings/integrations/webhooks/{event}/toggle", s.settingsAction(tabWebhooks, s.pageGroupToggle))
	m.HandleFunc("POST /settings/integrations/webhooks/{event}/token", s.settingsAction(tabWebhooks, s.pageGroupToken))
	m.HandleFunc("POST /settings/integrations/webhooks/{event}/add", s.settingsAction(tabWebhooks, s.pageWebhookAdd))
	m.HandleFunc("POST /settings/integrations/webhooks/hooks/{id}/verify", s.settingsAction(tabWebhooks, s.pageWebhookVerify))
	m.HandleFunc("POST /settings/integrations/webhooks/hooks/{id}/remove", s.settingsAction(tabWebhooks, s.pageWebhookRemove))
	m.HandleFunc("POST /settings/integrations/webhooks/hooks/{id}/token", s.settingsAction(tabWebhooks, s.pageWebhookToken))
	m.HandleFunc("GET /settings/integrations/authorized-apps", s.settingsShow(tabApps))
	m.HandleFunc("POST /settings/integrations/authorized-apps/{client}/revoke", s.settingsAction(tabApps, s.pageAppRevoke))
	m.HandleFunc("GET /settings/users", s.settingsShow(tabUsers))
	m.HandleFunc("POST /session/user", s.handleSessionUser)
}
