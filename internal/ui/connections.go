package ui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/ats"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// oauthTTL is how long an operator has to finish Lever's consent page.
const oauthTTL = 15 * time.Minute

// pendingOAuth is what the OAuth state stands for until Lever sends the
// browser back.
type pendingOAuth struct {
	Input        admin.ConnectionInput `json:"input"`
	ClientID     string                `json:"clientId"`
	ClientSecret string                `json:"clientSecret"`
	RedirectURL  string                `json:"redirectUrl"`
}

type connectionRow struct {
	Conn         *domain.Connection
	Integrations int
}

func (u *UI) handleConnectionList(w http.ResponseWriter, r *http.Request) {
	var rows []connectionRow
	err := u.inTx(r, func(tx *store.Tx) error {
		cs, err := tx.ConnectionList(r.Context())
		if err != nil {
			return err
		}
		for _, c := range cs {
			ins, err := tx.IntegrationList(r.Context(), store.IntegrationFilter{ConnectionID: c.ID})
			if err != nil {
				return err
			}
			rows = append(rows, connectionRow{Conn: c, Integrations: len(ins)})
		}
		return nil
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "connections.html", page{Title: "Connections", Nav: "connections", Data: rows})
}

type connectForm struct {
	ID, Name, Environment, BaseURL, Method, ClientID, PerformAs string
	HasClientSecret                                             bool
	RedirectURL                                                 string
	Scopes                                                      []string
}

func (u *UI) newConnectForm(r *http.Request) connectForm {
	f := connectForm{Environment: "production", Method: "oauth", ClientID: u.cfg.OAuthClientID, HasClientSecret: u.cfg.OAuthClientSecret != "",
		RedirectURL: u.publicURL(r) + CallbackPath, Scopes: engine.LeverScopes()}
	if u.cfg.DefaultBaseURL != "" {
		f.Environment, f.BaseURL = "custom", u.cfg.DefaultBaseURL
	}
	return f
}

func (u *UI) handleConnectionNew(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "connection_new.html", page{Title: "Connect a Lever account", Nav: "connections", Data: u.newConnectForm(r)})
}

func (u *UI) handleConnectionCreate(w http.ResponseWriter, r *http.Request) {
	f := u.newConnectForm(r)
	f.ID, f.Name = strings.TrimSpace(r.PostFormValue("id")), strings.TrimSpace(r.PostFormValue("name"))
	f.Environment, f.BaseURL = r.PostFormValue("environment"), strings.TrimSpace(r.PostFormValue("baseUrl"))
	f.Method, f.PerformAs = r.PostFormValue("method"), strings.TrimSpace(r.PostFormValue("performAs"))
	if v := strings.TrimSpace(r.PostFormValue("clientId")); v != "" {
		f.ClientID = v
	}
	in := admin.ConnectionInput{ID: f.ID, Name: f.Name, Environment: f.Environment, BaseURL: f.BaseURL, PerformAs: f.PerformAs}
	if f.Environment != "custom" {
		in.BaseURL = ""
	}
	again := func(err error) {
		msg := err.Error()
		var de *domain.Error
		if errors.As(err, &de) {
			msg = de.Message
		}
		u.render(w, r, http.StatusBadRequest, "connection_new.html", page{Title: "Connect a Lever account", Nav: "connections", Error: msg, Data: f})
	}
	switch f.Method {
	case "api_key":
		in.APIKey = strings.TrimSpace(r.PostFormValue("apiKey"))
		in.SigningToken = strings.TrimSpace(r.PostFormValue("signingToken"))
		c, err := u.adm.CreateConnection(r.Context(), in)
		if err != nil {
			if store.IsConflict(err) {
				err = domain.Errorf(domain.EConflict, "a connection with id %q exists already", in.ID)
			}
			again(err)
			return
		}
		u.redirect(w, r, "/connections/"+c.ID, "Connected "+c.Name+" with an API key. Next: set up the webhooks below.")
	case "oauth":
		if err := admin.ValidateConnection(&in, false); err != nil {
			again(err)
			return
		}
		if err := u.inTx(r, func(tx *store.Tx) error {
			_, err := tx.ConnectionGet(r.Context(), in.ID)
			if err == nil {
				return domain.Errorf(domain.EConflict, "a connection with id %q exists already: reconnect it from its page", in.ID)
			}
			if store.IsNotFound(err) {
				return nil
			}
			return err
		}); err != nil {
			again(err)
			return
		}
		secret := r.PostFormValue("clientSecret")
		if secret == "" {
			secret = u.cfg.OAuthClientSecret
		}
		if f.ClientID == "" || secret == "" {
			again(domain.Errorf(domain.EInvalid, "OAuth needs the client id and secret of your Lever app (register one with Lever; its redirect URI is %s)", f.RedirectURL))
			return
		}
		u.startOAuth(w, r, pendingOAuth{Input: in, ClientID: f.ClientID, ClientSecret: secret, RedirectURL: f.RedirectURL})
	default:
		again(domain.Errorf(domain.EInvalid, "choose OAuth or API key"))
	}
}

// startOAuth stores a one-time state tied to this browser session and sends
// the browser to Lever's consent page.
func (u *UI) startOAuth(w http.ResponseWriter, r *http.Request, p pendingOAuth) {
	oc, err := leverats.OAuthConfig(&domain.Connection{ID: p.Input.ID, Environment: p.Input.Environment, BaseURL: p.Input.BaseURL}, p.ClientID, p.ClientSecret, p.RedirectURL, engine.LeverScopes())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	state := randomToken()
	s := sessionFrom(r.Context())
	if err := u.inTx(r, func(tx *store.Tx) error { return tx.OAuthStatePut(r.Context(), hashToken(state), s.sess.TokenHash, p) }); err != nil {
		u.fail(w, r, err)
		return
	}
	http.Redirect(w, r, oc.AuthCodeURL(state), http.StatusSeeOther)
}

func (u *UI) handleOAuthCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s := sessionFrom(r.Context())
	var p pendingOAuth
	err := u.inTx(r, func(tx *store.Tx) error {
		return tx.OAuthStateTake(r.Context(), hashToken(q.Get("state")), s.sess.TokenHash, oauthTTL, &p)
	})
	if store.IsNotFound(err) {
		u.render(w, r, http.StatusBadRequest, "error.html", page{Title: "Connection refused", Error: "This authorization did not start here, has been used already, or took longer than 15 minutes. Start connecting again."})
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if e := q.Get("error"); e != "" {
		msg := "Lever did not authorize stagecoach: " + e
		if d := q.Get("error_description"); d != "" {
			msg += " (" + d + ")"
		}
		u.render(w, r, http.StatusBadRequest, "error.html", page{Title: "Connection refused", Error: msg})
		return
	}
	oc, err := leverats.OAuthConfig(&domain.Connection{Environment: p.Input.Environment, BaseURL: p.Input.BaseURL}, p.ClientID, p.ClientSecret, p.RedirectURL, engine.LeverScopes())
	if err != nil {
		u.fail(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	tok, err := oc.Exchange(ctx, q.Get("code"))
	if err != nil {
		u.render(w, r, http.StatusBadGateway, "error.html", page{Title: "Connection failed", Error: "Lever refused the authorization code: " + err.Error()})
		return
	}
	c, err := u.adm.ConnectOAuth(ctx, p.Input, p.ClientID, p.ClientSecret, tok)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirect(w, r, "/connections/"+c.ID, "Connected "+c.Name+" by OAuth. Next: register the webhooks below.")
}

type hookRow struct {
	Event       string
	Needed      bool
	Hook        *domain.ConnectionWebhook
	Wide        bool // covered by the connection-wide token
	Arrival     *store.WebhookArrival
	SinceCheck  bool
	checkCutoff time.Time
}

type connectionData struct {
	Conn         *domain.Connection
	Env          string
	Hooks        []hookRow
	HookURL      string
	Events       []string
	Integrations []integrationRow
	Providers    []*domain.Provider // not yet enabled here
	CheckSince   int64
	Verify       *store.WebhookArrival // the last "verify connection" test request Lever sent
	IsCustom     bool
	AllEvents    []string
	Users        []option // active Lever users, for the default perform-as
	PerformAs    string   // its label
	// GrantEnds is when Lever ends an OAuth grant (a year after consent,
	// whatever the renewals): re-authorize before then.
	GrantEnds time.Time
}

type integrationRow struct {
	In   *domain.Integration
	Prov *domain.Provider
}

func (u *UI) connectionData(r *http.Request, id string) (*connectionData, error) {
	d := &connectionData{HookURL: u.publicURL(r) + "/hooks/lever/" + id}
	var hooks []*domain.ConnectionWebhook
	var arrivals []*store.WebhookArrival
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		ctx := r.Context()
		if d.Conn, err = tx.ConnectionGet(ctx, id); err != nil {
			return err
		}
		if g := d.Conn.Credentials.GrantedAt; d.Conn.AuthKind == "oauth" && !g.IsZero() {
			d.GrantEnds = g.AddDate(1, 0, 0)
		}
		if hooks, err = tx.ConnectionWebhookList(ctx, id); err != nil {
			return err
		}
		if arrivals, err = tx.WebhookArrivalList(ctx, id); err != nil {
			return err
		}
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ConnectionID: id})
		if err != nil {
			return err
		}
		provs, err := tx.ProviderList(ctx)
		if err != nil {
			return err
		}
		for _, p := range provs {
			i := slices.IndexFunc(ins, func(in *domain.Integration) bool { return in.ProviderID == p.ID })
			if i >= 0 {
				d.Integrations = append(d.Integrations, integrationRow{In: ins[i], Prov: p})
			} else {
				d.Providers = append(d.Providers, p)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.IsCustom = d.Conn.Environment == "custom"
	d.Env = d.Conn.Environment
	if d.IsCustom {
		d.Env = "custom (" + d.Conn.BaseURL + ")"
	}
	d.Events = u.neededEvents(d.Integrations)
	for _, a := range arrivals {
		if a.Event == store.VerifyArrival {
			d.Verify = a
		}
	}
	d.CheckSince, _ = strconv.ParseInt(r.URL.Query().Get("check"), 10, 64)
	cut := time.UnixMilli(d.CheckSince)
	wide := slices.ContainsFunc(hooks, func(h *domain.ConnectionWebhook) bool { return h.Event == "*" })
	seen := map[string]bool{}
	addRow := func(ev string, needed bool) {
		row := hookRow{Event: ev, Needed: needed, Wide: wide}
		for _, h := range hooks {
			if h.Event == ev {
				row.Hook = h
			}
		}
		for _, a := range arrivals {
			if a.Event == ev || (row.Hook == nil && a.Event == "*") {
				if row.Arrival == nil || a.ArrivedAt.After(row.Arrival.ArrivedAt) {
					row.Arrival = a
				}
			}
		}
		row.SinceCheck = d.CheckSince > 0 && row.Arrival != nil && !row.Arrival.ArrivedAt.Before(cut)
		d.Hooks = append(d.Hooks, row)
		seen[ev] = true
	}
	for _, ev := range d.Events {
		addRow(ev, true)
	}
	for _, h := range hooks {
		if h.Event != "*" && !seen[h.Event] {
			addRow(h.Event, false)
		}
	}
	d.AllEvents = append([]string{"*"}, engineEvents()...)
	return d, nil
}

func (u *UI) neededEvents(ins []integrationRow) []string {
	var kinds []string
	for _, row := range ins {
		kinds = append(kinds, row.Prov.Kind)
	}
	return engine.WebhookEvents(leverats.Events, kinds...)
}

func (u *UI) handleConnectionShow(w http.ResponseWriter, r *http.Request) {
	d, err := u.connectionData(r, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.PerformAs = d.Conn.PerformAs
	if d.Conn.Status == domain.ConnActive {
		if drv, err := u.eng.Driver(d.Conn); err == nil {
			for us, err := range drv.Users(r.Context(), ats.UserListing{}) {
				if err != nil {
					break
				}
				d.Users = append(d.Users, option{us.ID, us.Name + " <" + us.Email + ">"})
				if us.ID == d.Conn.PerformAs {
					d.PerformAs = us.Name + " <" + us.Email + ">"
				}
			}
		}
	}
	u.render(w, r, http.StatusOK, "connection.html", page{Title: d.Conn.Name, Nav: "connections", Data: d})
}

// handleWebhookStatus answers the check's polling with which events have
// arrived since the check started.
func (u *UI) handleWebhookStatus(w http.ResponseWriter, r *http.Request) {
	d, err := u.connectionData(r, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	out := map[string]any{}
	for _, h := range d.Hooks {
		v := map[string]any{"arrived": h.SinceCheck}
		if h.Arrival != nil {
			v["at"] = h.Arrival.ArrivedAt.UTC().Format("2006-01-02 15:04:05")
			v["result"] = h.Arrival.Result
		}
		out[h.Event] = v
	}
	writeJSON(w, out)
}

func (u *UI) handleWebhookRegister(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d, err := u.connectionData(r, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	hooks, err := u.adm.RegisterWebhooks(r.Context(), id, u.publicURL(r), d.Events)
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.EInvalid {
		// Refused before Lever was asked (the public URL): say why alone.
		u.render(w, r, http.StatusBadRequest, "connection.html", page{Title: d.Conn.Name, Nav: "connections", Data: d, Error: de.Message})
		return
	}
	if err != nil {
		u.render(w, r, http.StatusBadGateway, "connection.html", page{Title: d.Conn.Name, Nav: "connections", Data: d,
			Error: "Registering the webhooks through Lever's API failed: " + err.Error() + ". Enable them by hand in Lever (the URL and events are below) and enter the signing token."})
		return
	}
	u.redirect(w, r, "/connections/"+id, "Registered "+strconv.Itoa(len(hooks))+" webhooks in Lever. Press \"Check webhooks\" to see them arrive.")
}

func (u *UI) handleWebhookToken(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ev := r.PostFormValue("event")
	if ev == "" {
		ev = "*"
	}
	err := u.adm.SetSigningToken(r.Context(), id, ev, r.PostFormValue("token"), u.publicURL(r)+"/hooks/lever/"+id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	label := "every event"
	if ev != "*" {
		label = ev
	}
	u.redirect(w, r, "/connections/"+id, "Signing token saved for "+label+".")
}

// handleWebhookCheck starts a webhook check: from now on the page shows
// which events arrive. Lever's Data API offers no way to ask for a test
// delivery (its /webhooks endpoints only list, create, update and delete),
// so the operator presses "Verify connection" in Lever's settings, or moves
// a candidate; the page then shows the last verify-connection result
// stagecoach recorded.
func (u *UI) handleWebhookCheck(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := u.connectionData(r, id); err != nil {
		u.fail(w, r, err)
		return
	}
	start := u.cfg.NowFunc().Add(-time.Second).UnixMilli()
	msg := "Checking: in Lever, open Settings → Integrations and API → Webhooks and press \"Verify connection\" on each webhook, or move a candidate. Events turn green here as they arrive, and the verify-connection result is shown below the table."
	u.redirect(w, r, "/connections/"+id+"?check="+strconv.FormatInt(start, 10), msg)
}

func (u *UI) handleConnectionReconnect(w http.ResponseWriter, r *http.Request) {
	var c *domain.Connection
	if err := u.inTx(r, func(tx *store.Tx) (err error) { c, err = tx.ConnectionGet(r.Context(), r.PathValue("id")); return }); err != nil {
		u.fail(w, r, err)
		return
	}
	clientID, secret := c.Credentials.ClientID, c.Credentials.ClientSecret
	if clientID == "" {
		clientID, secret = u.cfg.OAuthClientID, u.cfg.OAuthClientSecret
	}
	if clientID == "" || secret == "" {
		u.fail(w, r, domain.Errorf(domain.EInvalid, "no Lever OAuth app is configured: reconnect with an API key instead"))
		return
	}
	u.startOAuth(w, r, pendingOAuth{Input: admin.ConnectionInput{ID: c.ID, Name: c.Name, Environment: c.Environment, BaseURL: c.BaseURL},
		ClientID: clientID, ClientSecret: secret, RedirectURL: u.publicURL(r) + CallbackPath})
}

func (u *UI) handleConnectionUpdate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := u.adm.UpdateConnection(r.Context(), id, r.PostFormValue("name"), r.PostFormValue("performAs")); err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirect(w, r, "/connections/"+id, "Connection saved.")
}

func (u *UI) handleConnectionAPIKey(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := u.adm.ReplaceAPIKey(r.Context(), id, r.PostFormValue("apiKey")); err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirect(w, r, "/connections/"+id, "API key replaced; the connection is active again and waiting work resumes.")
}

func (u *UI) handleConnectionDisconnect(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := u.adm.Disconnect(r.Context(), id); err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirect(w, r, "/connections/"+id, "Disconnected: the stored tokens are deleted and the webhooks stagecoach registered are removed from Lever.")
}
