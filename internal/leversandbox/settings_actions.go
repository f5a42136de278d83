package leversandbox

import (
	"context"
	"slices"
	"strings"
)

// The settings actions of Settings > Integrations and API, shared by the
// pages and the admin endpoint. Each takes the acting user and refuses
// anyone but an active Super Admin, as Lever does. The caller holds s.mu
// and commits.

// eventGroup is one row of the Webhooks tab.
type eventGroup struct {
	Event string
	Label string
}

// eventGroups are the webhook groups in the order Lever's Webhooks tab
// lists them.
var eventGroups = []eventGroup{
	{eventApplicationCreated, "Application Created"},
	{eventStageChange, "Candidate Stage Change"},
	{eventArchiveChange, "Candidate Archive State Change"},
	{eventHired, "Candidate Hired"},
	{eventDeleted, "Candidate Deleted"},
	{eventInterviewCreated, "Interview Created"},
	{eventInterviewUpdated, "Interview Updated"},
	{eventInterviewDeleted, "Interview Deleted"},
	{eventContactCreated, "Contact Created"},
	{eventContactUpdated, "Contact Updated"},
}

func eventLabel(event string) string {
	for _, g := range eventGroups {
		if g.Event == event {
			return g.Label
		}
	}
	return event
}

// eventFromName accepts an event name ("candidateStageChange") or its
// label ("Candidate Stage Change", any case).
func eventFromName(name string) (string, error) {
	for _, g := range eventGroups {
		if name == g.Event || strings.EqualFold(strings.TrimSpace(name), g.Label) {
			return g.Event, nil
		}
	}
	return "", errBadRequest("unknown webhook event %q; events are %s", name, strings.Join(webhookEvents, ", "))
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

// requireSuperAdmin refuses everyone but an active Super Admin.
func requireSuperAdmin(u *user, what string) error {
	if u == nil {
		return errForbidden("nobody is signed in; only a Super Admin can manage %s", what)
	}
	if u.AccessRole != roleSuperAdmin || u.DeactivatedAt != nil {
		return errForbidden("only a Super Admin can manage %s; %s is signed in as %s", what, u.Name, roleLabel(u.AccessRole))
	}
	return nil
}

const (
	whatKeys     = "API credentials"
	whatWebhooks = "webhooks"
	whatApps     = "app authorizations"
)

func keyHint(key string) string {
	if len(key) <= 4 {
		return key
	}
	return key[len(key)-4:]
}

// maxKeyName bounds an API key's name.
const maxKeyName = 100

// createAPIKey generates a key with Lever's endpoint permissions; the key
// itself is returned once and only its hash is kept. Confidential data
// access can only be granted here, at creation.
func (s *Sandbox) createAPIKey(actor *user, name string, permissions []string, confidential bool) (string, *apiKey, error) {
	if err := requireSuperAdmin(actor, whatKeys); err != nil {
		return "", nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, errBadRequest("the API key needs a name")
	}
	if len(name) > maxKeyName {
		return "", nil, errBadRequest("the API key's name is longer than %d characters", maxKeyName)
	}
	for _, k := range s.st.APIKeys {
		if k.Name == name {
			return "", nil, errBadRequest("an API key named %q exists already", name)
		}
	}
	perms, err := s.perms.check(permissions)
	if err != nil {
		return "", nil, err
	}
	if len(perms) == 0 {
		return "", nil, errBadRequest("select at least one permission")
	}
	key := randomHex(20)
	k := &apiKey{
		ID: newID(), Name: name, KeyHash: hashSecret(key), Permissions: []string{}, Endpoints: perms,
		Hint: keyHint(key), CreatedBy: actor.ID, CreatedAt: s.now(),
	}
	if confidential {
		k.Permissions = []string{scopeConfidential}
	}
	s.st.APIKeys = append(s.st.APIKeys, k)
	return key, k, nil
}

// revokeAPIKey deletes a key: its next request is a 401.
func (s *Sandbox) revokeAPIKey(actor *user, id string) (*apiKey, error) {
	if err := requireSuperAdmin(actor, whatKeys); err != nil {
		return nil, err
	}
	i := slices.IndexFunc(s.st.APIKeys, func(k *apiKey) bool { return k.ID == id })
	if i < 0 {
		return nil, errNotFound("api keys", id)
	}
	k := s.st.APIKeys[i]
	if k.Name == "default" {
		return nil, errBadRequest("the default key is the sandbox's --api-key; start the sandbox with another --api-key to replace it")
	}
	s.st.APIKeys = slices.Delete(s.st.APIKeys, i, i+1)
	return k, nil
}

// setWebhookGroup switches an event group on or off. Off, nothing is
// delivered for its event, whoever created the webhook.
func (s *Sandbox) setWebhookGroup(actor *user, event string, on bool) error {
	if err := requireSuperAdmin(actor, whatWebhooks); err != nil {
		return err
	}
	s.st.WebhookGroups[event] = on
	return nil
}

// generateGroupToken generates (or regenerates) an event group's signing
// token; webhooks added in the page are signed with it from now on.
func (s *Sandbox) generateGroupToken(actor *user, event string) (string, error) {
	if err := requireSuperAdmin(actor, whatWebhooks); err != nil {
		return "", err
	}
	tok := randomHex(24)
	s.st.WebhookTokens[event] = tok
	return tok, nil
}

// addPageWebhook adds a URL to an event group, as "+ Add Webhook" does.
func (s *Sandbox) addPageWebhook(actor *user, event, rawURL string) (*webhook, error) {
	if err := requireSuperAdmin(actor, whatWebhooks); err != nil {
		return nil, err
	}
	rawURL = strings.TrimSpace(rawURL)
	if err := validWebhookURL(rawURL); err != nil {
		return nil, err
	}
	for _, wh := range s.st.Webhooks {
		if wh.Event == event && wh.URL == rawURL {
			return nil, errBadRequest("%s already has the webhook %s", eventLabel(event), rawURL)
		}
	}
	now := s.now()
	wh := &webhook{ID: newID(), URL: rawURL, Event: event, CreatedAt: now, UpdatedAt: now, Page: true}
	s.st.Webhooks[wh.ID] = wh
	return wh, nil
}

// removePageWebhook removes a webhook added in the page. Webhooks created
// through the API can only be changed through the API.
func (s *Sandbox) removePageWebhook(actor *user, id string) (*webhook, error) {
	if err := requireSuperAdmin(actor, whatWebhooks); err != nil {
		return nil, err
	}
	wh := s.st.Webhooks[id]
	if wh == nil {
		return nil, errNotFound("webhooks", id)
	}
	if !wh.Page {
		return nil, errForbidden("webhook %s was created through the API and can only be changed through the API", id)
	}
	delete(s.st.Webhooks, id)
	return wh, nil
}

// regenerateWebhookToken gives a webhook created through the API a new
// signature token (page webhooks use their group's token).
func (s *Sandbox) regenerateWebhookToken(actor *user, id string) (string, error) {
	if err := requireSuperAdmin(actor, whatWebhooks); err != nil {
		return "", err
	}
	wh := s.st.Webhooks[id]
	if wh == nil {
		return "", errNotFound("webhooks", id)
	}
	if wh.Page {
		return "", errBadRequest("webhook %s was added in the settings page: it is signed with the %s group's token; regenerate that", id, eventLabel(wh.Event))
	}
	wh.Token = randomHex(24)
	wh.UpdatedAt = s.now()
	return wh.Token, nil
}

// webhookForVerify returns a copy of webhook id with the token it is signed
// with, for the "verify connection" request.
func (s *Sandbox) webhookForVerify(actor *user, id string) (*webhook, error) {
	if err := requireSuperAdmin(actor, whatWebhooks); err != nil {
		return nil, err
	}
	wh := s.st.Webhooks[id]
	if wh == nil {
		return nil, errNotFound("webhooks", id)
	}
	cp := *wh
	cp.Token = s.signingToken(wh)
	return &cp, nil
}

// revokeApp ends an app's authorization: its access tokens answer 401 and
// its refresh tokens invalid_grant from the next request on.
func (s *Sandbox) revokeApp(actor *user, clientID string) (access, refresh int, err error) {
	if err := requireSuperAdmin(actor, whatApps); err != nil {
		return 0, 0, err
	}
	if s.st.Authorizations[clientID] == nil {
		return 0, 0, errNotFound("authorized apps", clientID)
	}
	access, refresh = s.revokeClient(clientID)
	return access, refresh, nil
}

// userByIDOrEmail finds a user for the admin endpoint's actingUser.
func (s *Sandbox) userByIDOrEmail(v string) *user {
	if u := s.st.Users[v]; u != nil {
		return u
	}
	for _, u := range s.st.Users {
		if strings.EqualFold(u.Email, v) || u.Username == v {
			return u
		}
	}
	return nil
}

// verifyResult is the answer of a "verify connection" request.
type verifyResult struct {
	Status int    `json:"status"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
}

func (s *Sandbox) verifyWebhook(ctx context.Context, wh *webhook) verifyResult {
	status, errText := s.hooks.verify(ctx, wh)
	return verifyResult{Status: status, OK: status >= 200 && status < 300, Error: errText}
}
