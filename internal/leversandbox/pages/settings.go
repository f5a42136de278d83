package pages

import (
	"net/http"
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
	Keys       []APIKey
	ReadPerms  []Permission
	WritePerms []Permission
	Groups     []WebhookGroup
	Apps       []AuthorizedApp
	Users      []userRow
}

// maxGroupDeliveries is how many recent deliveries a group shows.
const maxGroupDeliveries = 10

// settingsData fills the page for tab.
func (p *Pages) settingsData(se *session, tab string) settingsPage {
	pg := settingsPage{Tab: tab, Session: p.viewSession(se, tabPath(tab))}
	switch tab {
	case tabKeys:
		pg.Title = "API Credentials"
	case tabWebhooks:
		pg.Title = "Webhooks"
	case tabApps:
		pg.Title = "Authorized Apps"
	case tabUsers:
		pg.Title = "Users"
	}
	actor := ""
	if pg.Session.User != nil {
		actor = pg.Session.User.ID
	}
	var err error
	switch tab {
	case tabKeys:
		if pg.Keys, err = p.state.APIKeys(actor); err == nil {
			for _, perm := range p.state.Permissions() {
				if perm.Access == "write" {
					pg.WritePerms = append(pg.WritePerms, perm)
				} else {
					pg.ReadPerms = append(pg.ReadPerms, perm)
				}
			}
		}
	case tabWebhooks:
		if pg.Groups, err = p.state.WebhookGroups(actor); err == nil {
			for i := range pg.Groups {
				if d := pg.Groups[i].Deliveries; len(d) > maxGroupDeliveries {
					pg.Groups[i].Deliveries = d[:maxGroupDeliveries]
				}
			}
		}
	case tabApps:
		pg.Apps, err = p.state.AuthorizedApps(actor)
	case tabUsers:
		for _, u := range p.state.Users() {
			pg.Users = append(pg.Users, userRow{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.RoleLabel, Deactivated: u.Deactivated})
		}
	}
	if err != nil {
		_, pg.Refused = errorStatus(err)
		pg.Keys, pg.Groups, pg.Apps = nil, nil, nil
	}
	return pg
}

// renderSettings renders tab with the session's one-time notice.
func (p *Pages) renderSettings(w http.ResponseWriter, se *session, tab string, status int, flash string, flashErr bool) {
	msg, isErr, key := p.sessions.takeFlash(se)
	if flash != "" {
		msg, isErr = flash, flashErr
	}
	pg := p.settingsData(se, tab)
	pg.Flash, pg.FlashErr, pg.NewKey = msg, isErr, key
	if pg.Refused != "" {
		status = http.StatusForbidden
		pg.NewKey = nil
	}
	p.render(w, status, "settings.html", pg)
}

func (p *Pages) settingsShow(tab string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se := p.pageSession(w, r)
		p.renderSettings(w, se, tab, http.StatusOK, "", false)
	}
}

// settingsAction wraps a settings form POST: the CSRF check, then act as
// the signed-in user, then back to the tab with a notice. A refusal (403)
// renders the refusal page; bad input re-renders the tab with 400.
func (p *Pages) settingsAction(tab string, act func(r *http.Request, se *session, actor string) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			p.RenderError(w, http.StatusBadRequest, "Bad form", err.Error())
			return
		}
		se, why := p.CheckForm(r)
		if se == nil {
			p.RenderError(w, http.StatusForbidden, "Refused", why)
			return
		}
		p.state.LogAs(r.Context(), "page")
		actor := ""
		if u := p.SignedIn(se); u != nil {
			actor = u.ID
		}
		notice, err := act(r, se, actor)
		if err != nil {
			status, msg := errorStatus(err)
			p.renderSettings(w, se, tab, status, msg, true)
			return
		}
		if notice != "" {
			p.sessions.setFlash(se, notice, false)
		}
		http.Redirect(w, r, tabPath(tab), http.StatusSeeOther)
	}
}

func (p *Pages) pageKeyCreate(r *http.Request, se *session, actor string) (string, error) {
	name, key, err := p.state.CreateAPIKey(actor, r.PostFormValue("name"), r.PostForm["permission"], r.PostFormValue("confidential") != "")
	if err != nil {
		return "", err
	}
	p.sessions.setNewKey(se, &newKeyNotice{Name: name, Key: key})
	return "", nil
}

func (p *Pages) pageKeyRevoke(r *http.Request, _ *session, actor string) (string, error) {
	name, err := p.state.RevokeAPIKey(actor, r.PathValue("id"))
	if err != nil {
		return "", err
	}
	return "Revoked the API key " + name + ": it no longer works.", nil
}

func (p *Pages) pageGroupToggle(r *http.Request, _ *session, actor string) (string, error) {
	if _, err := p.state.WebhookEventLabel(r.PathValue("event")); err != nil {
		return "", err
	}
	var on bool
	switch r.PostFormValue("on") {
	case "on", "true", "1":
		on = true
	case "off", "false", "0":
	default:
		return "", &Error{Status: http.StatusBadRequest, Message: "on must be on or off, got " + strconv.Quote(r.PostFormValue("on"))}
	}
	label, err := p.state.SetWebhookGroup(actor, r.PathValue("event"), on)
	if err != nil {
		return "", err
	}
	state := "off: nothing is delivered for it"
	if on {
		state = "on"
	}
	return label + " is " + state + ".", nil
}

func (p *Pages) pageGroupToken(r *http.Request, _ *session, actor string) (string, error) {
	label, regenerated, err := p.state.GenerateGroupToken(actor, r.PathValue("event"))
	if err != nil {
		return "", err
	}
	if regenerated {
		return "Regenerated the " + label + " signing token: deliveries are signed with the new one from now on.", nil
	}
	return "Generated the " + label + " signing token.", nil
}

func (p *Pages) pageWebhookAdd(r *http.Request, _ *session, actor string) (string, error) {
	wh, err := p.state.AddWebhook(actor, r.PathValue("event"), r.PostFormValue("url"))
	if err != nil {
		return "", err
	}
	notice := "Added " + wh.URL + " to " + wh.EventLabel + "."
	if r.PostFormValue("verify") == "" {
		return notice, nil
	}
	_, res, err := p.state.VerifyWebhook(r.Context(), actor, wh.ID)
	if err != nil {
		return "", err
	}
	return notice + " " + verifyNotice(wh.URL, res), nil
}

func verifyNotice(url string, res VerifyResult) string {
	switch {
	case res.OK:
		return "Verify connection: " + url + " answered " + strconv.Itoa(res.Status) + " — connection verified."
	case res.Status != 0:
		return "Verify connection: " + url + " answered " + strconv.Itoa(res.Status) + " — not verified (a 2xx answer is needed). Lever keeps sending events to it anyway."
	default:
		return "Verify connection: " + url + " did not answer (" + res.Error + ") — not verified."
	}
}

func (p *Pages) pageWebhookVerify(r *http.Request, se *session, actor string) (string, error) {
	wh, res, err := p.state.VerifyWebhook(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return "", err
	}
	if !res.OK {
		p.sessions.setFlash(se, verifyNotice(wh.URL, res), true)
		return "", nil
	}
	return verifyNotice(wh.URL, res), nil
}

func (p *Pages) pageWebhookRemove(r *http.Request, _ *session, actor string) (string, error) {
	wh, err := p.state.RemoveWebhook(actor, r.PathValue("id"))
	if err != nil {
		return "", err
	}
	return "Removed " + wh.URL + " from " + wh.EventLabel + ".", nil
}

func (p *Pages) pageWebhookToken(r *http.Request, _ *session, actor string) (string, error) {
	if err := p.state.RegenerateWebhookToken(actor, r.PathValue("id")); err != nil {
		return "", err
	}
	return "Regenerated the webhook's signature token.", nil
}

func (p *Pages) pageAppRevoke(r *http.Request, _ *session, actor string) (string, error) {
	client := r.PathValue("client")
	if err := p.state.RevokeApp(actor, client); err != nil {
		return "", err
	}
	return "Revoked access for " + client + ": its tokens no longer work.", nil
}

// settingsRoutes registers the settings pages.
func (p *Pages) settingsRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /settings", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tabPath(tabKeys), http.StatusFound)
	})
	m.HandleFunc("GET /settings/integrations", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tabPath(tabKeys), http.StatusFound)
	})
	m.HandleFunc("GET /settings/integrations/api-credentials", p.settingsShow(tabKeys))
	m.HandleFunc("POST /settings/integrations/api-credentials", p.settingsAction(tabKeys, p.pageKeyCreate))
	m.HandleFunc("POST /settings/integrations/api-credentials/{id}/revoke", p.settingsAction(tabKeys, p.pageKeyRevoke))
	m.HandleFunc("GET /settings/integrations/webhooks", p.settingsShow(tabWebhooks))
	m.HandleFunc("POST /settings/integrations/webhooks/{event}/toggle", p.settingsAction(tabWebhooks, p.pageGroupToggle))
	m.HandleFunc("POST /settings/integrations/webhooks/{event}/token", p.settingsAction(tabWebhooks, p.pageGroupToken))
	m.HandleFunc("POST /settings/integrations/webhooks/{event}/add", p.settingsAction(tabWebhooks, p.pageWebhookAdd))
	m.HandleFunc("POST /settings/integrations/webhooks/hooks/{id}/verify", p.settingsAction(tabWebhooks, p.pageWebhookVerify))
	m.HandleFunc("POST /settings/integrations/webhooks/hooks/{id}/remove", p.settingsAction(tabWebhooks, p.pageWebhookRemove))
	m.HandleFunc("POST /settings/integrations/webhooks/hooks/{id}/token", p.settingsAction(tabWebhooks, p.pageWebhookToken))
	m.HandleFunc("GET /settings/integrations/authorized-apps", p.settingsShow(tabApps))
	m.HandleFunc("POST /settings/integrations/authorized-apps/{client}/revoke", p.settingsAction(tabApps, p.pageAppRevoke))
	m.HandleFunc("GET /settings/users", p.settingsShow(tabUsers))
}
