package leversandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
)

// The settings actions as JSON under /_sandbox/, for tests. Each acts as
// "actingUser" (a user id, e-mail or username, in the body or the query;
// default the first active Super Admin) and applies the same Super Admin
// rule as the pages: anyone else gets 403.

// decodeOptionalJSON reads a JSON body into v; an empty body leaves v as is.
func decodeOptionalJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return errBadRequest("read body: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if len(b) > maxJSONBody {
		return errBadRequest("body is larger than %d bytes", maxJSONBody)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return errBadRequest("invalid JSON body: %v", err)
	}
	return nil
}

// actingUser resolves who an admin call acts as. The caller holds s.mu.
func (s *Sandbox) actingUser(r *http.Request, fromBody string) (*user, error) {
	v := fromBody
	if v == "" {
		v = r.URL.Query().Get("actingUser")
	}
	if v == "" {
		return s.st.Users[s.actingAdmin()], nil
	}
	u := s.userByIDOrEmail(v)
	if u == nil {
		return nil, errBadRequest("actingUser %q is not a user (give an id, e-mail or username)", v)
	}
	return u, nil
}

type userSummary struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	AccessRole string `json:"accessRole"`
	Role       string `json:"role"`
	Active     bool   `json:"active"`
}

func (s *Sandbox) handleAdminUsers(*http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []userSummary{}
	for _, u := range sortedValues(s.st.Users, userKey) {
		out = append(out, userSummary{ID: u.ID, Name: u.Name, Email: u.Email, AccessRole: u.AccessRole, Role: roleLabel(u.AccessRole), Active: u.DeactivatedAt == nil})
	}
	return &reply{status: http.StatusOK, body: map[string]any{"data": out}}, nil
}

func (s *Sandbox) handleAdminPermissions(*http.Request) (*reply, error) {
	return &reply{status: http.StatusOK, body: map[string]any{"data": s.perms.list("")}}, nil
}

type apiKeySummary struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Hint         string   `json:"hint"`
	Permissions  []string `json:"permissions"`
	Scopes       []string `json:"scopes,omitempty"`
	Confidential bool     `json:"confidential"`
	CreatedBy    string   `json:"createdBy,omitempty"`
	CreatedAt    int64    `json:"createdAt"`
	Key          string   `json:"key,omitempty"`
}

// summarizeKey renders a key; a scope-based key lists the endpoint
// permissions its scopes cover.
func (s *Sandbox) summarizeKey(k *apiKey) apiKeySummary {
	out := apiKeySummary{ID: k.ID, Name: k.Name, Hint: k.Hint, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt,
		Confidential: slices.Contains(k.Permissions, scopeConfidential), Permissions: k.Endpoints}
	if k.Endpoints == nil {
		out.Scopes = k.Permissions
		c := &credential{perms: permSet(k.Permissions)}
		out.Permissions = []string{}
		for _, p := range s.perms.list("") {
			if c.allows(p.Resource + ":" + p.Access + ":admin") {
				out.Permissions = append(out.Permissions, p.Name)
			}
		}
	}
	return out
}

func (s *Sandbox) handleAdminKeyList(*http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []apiKeySummary{}
	for _, k := range s.st.APIKeys {
		out = append(out, s.summarizeKey(k))
	}
	return &reply{status: http.StatusOK, body: map[string]any{"data": out}}, nil
}

func (s *Sandbox) handleAdminKeyCreate(r *http.Request) (*reply, error) {
	var body struct {
		Name         string   `json:"name"`
		Permissions  []string `json:"permissions"`
		Confidential bool     `json:"confidential"`
		ActingUser   string   `json:"actingUser"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	actor, err := s.actingUser(r, body.ActingUser)
	if err != nil {
		return nil, err
	}
	key, k, err := s.createAPIKey(actor, body.Name, body.Permissions, body.Confidential)
	if err != nil {
		return nil, err
	}
	s.commit()
	out := s.summarizeKey(k)
	out.Key = key
	return created(out), nil
}

func (s *Sandbox) handleAdminKeyRevoke(r *http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	actor, err := s.actingUser(r, "")
	if err != nil {
		return nil, err
	}
	if _, err := s.revokeAPIKey(actor, r.PathValue("id")); err != nil {
		return nil, err
	}
	s.commit()
	return noContent(), nil
}

type groupSummary struct {
	Event          string           `json:"event"`
	Label          string           `json:"label"`
	Enabled        bool             `json:"enabled"`
	SignatureToken string           `json:"signatureToken,omitempty"`
	Webhooks       []webhookSummary `json:"webhooks"`
}

type webhookSummary struct {
	ID             string   `json:"id"`
	URL            string   `json:"url"`
	Event          string   `json:"event"`
	CreatedThrough string   `json:"createdThrough"` // "api" or "page"
	SignatureToken string   `json:"signatureToken,omitempty"`
	Origins        []string `json:"origins,omitempty"`
}

// summarizeGroup renders one event group. The caller holds s.mu.
func (s *Sandbox) summarizeGroup(event string) groupSummary {
	g := groupSummary{Event: event, Label: eventLabel(event), Enabled: s.st.WebhookGroups[event], SignatureToken: s.st.WebhookTokens[event], Webhooks: []webhookSummary{}}
	for _, wh := range sortedValues(s.st.Webhooks, webhookKey) {
		if wh.Event == event {
			g.Webhooks = append(g.Webhooks, summarizeWebhook(wh, s.signingToken(wh)))
		}
	}
	return g
}

func summarizeWebhook(wh *webhook, token string) webhookSummary {
	through := "api"
	if wh.Page {
		through = "page"
	}
	return webhookSummary{ID: wh.ID, URL: wh.URL, Event: wh.Event, CreatedThrough: through, SignatureToken: token, Origins: wh.Origins}
}

// handleAdminWebhookGroupList shows every group. (POST /_sandbox/webhook-
// groups, which switches several groups at once, is in admin.go.)
func (s *Sandbox) handleAdminWebhookGroupList(*http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []groupSummary{}
	for _, g := range eventGroups {
		out = append(out, s.summarizeGroup(g.Event))
	}
	return &reply{status: http.StatusOK, body: map[string]any{"data": out}}, nil
}

func (s *Sandbox) handleAdminWebhookGroupSet(r *http.Request) (*reply, error) {
	event, err := eventFromName(r.PathValue("event"))
	if err != nil {
		return nil, err
	}
	var body struct {
		Enabled    *bool  `json:"enabled"`
		ActingUser string `json:"actingUser"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Enabled == nil {
		return nil, errBadRequest("enabled (true or false) is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	actor, err := s.actingUser(r, body.ActingUser)
	if err != nil {
		return nil, err
	}
	if err := s.setWebhookGroup(actor, event, *body.Enabled); err != nil {
		return nil, err
	}
	s.commit()
	return ok(s.summarizeGroup(event)), nil
}

func (s *Sandbox) handleAdminWebhookGroupToken(r *http.Request) (*reply, error) {
	event, err := eventFromName(r.PathValue("event"))
	if err != nil {
		return nil, err
	}
	var body struct {
		ActingUser string `json:"actingUser"`
	}
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	actor, err := s.actingUser(r, body.ActingUser)
	if err != nil {
		return nil, err
	}
	tok, err := s.generateGroupToken(actor, event)
	if err != nil {
		return nil, err
	}
	s.commit()
	return ok(map[string]string{"event": event, "signatureToken": tok}), nil
}

func (s *Sandbox) handleAdminWebhookGroupAdd(r *http.Request) (*reply, error) {
	event, err := eventFromName(r.PathValue("event"))
	if err != nil {
		return nil, err
	}
	var body struct {
		URL        string `json:"url"`
		Verify     bool   `json:"verify"`
		ActingUser string `json:"actingUser"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	actor, err := s.actingUser(r, body.ActingUser)
	var wh *webhook
	if err == nil {
		wh, err = s.addPageWebhook(actor, event, body.URL)
	}
	var cp webhook
	if err == nil {
		s.commit()
		cp = *wh
		cp.Token = s.signingToken(wh)
	}
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := map[string]any{"webhook": summarizeWebhook(&cp, cp.Token)}
	if body.Verify {
		out["verify"] = s.verifyWebhook(r.Context(), &cp)
	}
	return created(out), nil
}

func (s *Sandbox) handleAdminWebhookRemove(r *http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	actor, err := s.actingUser(r, "")
	if err != nil {
		return nil, err
	}
	if _, err := s.removePageWebhook(actor, r.PathValue("id")); err != nil {
		return nil, err
	}
	s.commit()
	return noContent(), nil
}

func (s *Sandbox) handleAdminWebhookToken(r *http.Request) (*reply, error) {
	var body struct {
		ActingUser string `json:"actingUser"`
	}
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	actor, err := s.actingUser(r, body.ActingUser)
	if err != nil {
		return nil, err
	}
	tok, err := s.regenerateWebhookToken(actor, r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	s.commit()
	return ok(map[string]string{"id": r.PathValue("id"), "signatureToken": tok}), nil
}

type appSummary struct {
	ClientID   string   `json:"clientId"`
	UserID     string   `json:"userId"`
	Scopes     []string `json:"scopes"`
	ApprovedAt int64    `json:"approvedAt"`
}

func (s *Sandbox) handleAdminAppList(*http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []appSummary{}
	for _, a := range sortedValues(s.st.Authorizations, func(a *appAuthorization) (int64, string) { return a.ApprovedAt, a.ClientID }) {
		out = append(out, appSummary{ClientID: a.ClientID, UserID: a.UserID, Scopes: a.Scopes, ApprovedAt: a.ApprovedAt})
	}
	return &reply{status: http.StatusOK, body: map[string]any{"data": out}}, nil
}

func (s *Sandbox) handleAdminAppRevoke(r *http.Request) (*reply, error) {
	var body struct {
		ActingUser string `json:"actingUser"`
	}
	if err := decodeOptionalJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	actor, err := s.actingUser(r, body.ActingUser)
	if err != nil {
		return nil, err
	}
	client := r.PathValue("client")
	access, refresh, err := s.revokeApp(actor, client)
	if err != nil {
		return nil, err
	}
	s.commit()
	return &reply{status: http.StatusOK, body: map[string]any{
		"clientId": client, "revokedAccessTokens": access, "revokedRefreshTokens": refresh,
	}}, nil
}

func (s *Sandbox) settingsAdminRoutes(admin func(string, adminFunc)) {
	admin("GET /_sandbox/users", s.handleAdminUsers)
	admin("GET /_sandbox/permissions", s.handleAdminPermissions)
	admin("GET /_sandbox/api-keys", s.handleAdminKeyList)
	admin("POST /_sandbox/api-keys", s.handleAdminKeyCreate)
	admin("DELETE /_sandbox/api-keys/{id}", s.handleAdminKeyRevoke)
	admin("GET /_sandbox/webhook-groups", s.handleAdminWebhookGroupList)
	admin("POST /_sandbox/webhook-groups/{event}", s.handleAdminWebhookGroupSet)
	admin("POST /_sandbox/webhook-groups/{event}/token", s.handleAdminWebhookGroupToken)
	admin("POST /_sandbox/webhook-groups/{event}/webhooks", s.handleAdminWebhookGroupAdd)
	admin("DELETE /_sandbox/webhooks/{id}", s.handleAdminWebhookRemove)
	admin("POST /_sandbox/webhooks/{id}/token", s.handleAdminWebhookToken)
	admin("GET /_sandbox/authorized-apps", s.handleAdminAppList)
	admin("POST /_sandbox/authorized-apps/{client}/revoke", s.handleAdminAppRevoke)
}
