package leversandbox

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"stagecoach/internal/leversandbox/pages"
)

// pageState is the account as the web app (package pages) sees it: each
// method takes s.mu, reads or changes the state through the sandbox's own
// rules (the same ones the Data API and the admin endpoint use), saves
// after a change, and answers in the pages' types.
type pageState struct{ s *Sandbox }

// pageError turns an error of the state into the pages' *Error: its status
// and its message.
func pageError(err error) error {
	if err == nil {
		return nil
	}
	var ae *apiError
	if errors.As(err, &ae) {
		return &pages.Error{Status: ae.status, Message: ae.message}
	}
	return &pages.Error{Status: http.StatusBadRequest, Message: err.Error()}
}

// recruiterError is an error of a recruiter page action, shown in full
// ("404 ResourceNotFound: …") as the Data API would answer it.
func recruiterError(status int, err error) error {
	if err == nil {
		return nil
	}
	return &pages.Error{Status: status, Message: err.Error()}
}

func (ps pageState) BaseURL(r *http.Request) string { return ps.s.baseURL(r) }

func (ps pageState) LogAs(ctx context.Context, credential string) {
	infoFrom(ctx).credential = credential
}

func (ps pageState) DefaultUser() string {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	return ps.s.actingAdmin()
}

func pageUser(u *user) pages.User {
	return pages.User{
		ID: u.ID, Name: u.Name, Username: u.Username, Email: u.Email, AccessRole: u.AccessRole,
		RoleLabel: roleLabel(u.AccessRole), Deactivated: u.DeactivatedAt != nil,
		SuperAdmin: u.AccessRole == roleSuperAdmin && u.DeactivatedAt == nil,
	}
}

func (ps pageState) SignedIn(userID string) *pages.User {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	if u := ps.s.signedIn(userID); u != nil {
		pu := pageUser(u)
		return &pu
	}
	return nil
}

// signedIn is the user id when active, else the first active Super Admin.
// The caller holds s.mu.
func (s *Sandbox) signedIn(userID string) *user {
	if u := s.st.Users[userID]; u != nil && u.DeactivatedAt == nil {
		return u
	}
	if admins := s.superAdmins(); len(admins) > 0 {
		return admins[0]
	}
	return nil
}

func (ps pageState) Users() []pages.User {
	ps.s.mu.Lock()
	defer ps.s.mu.Unlock()
	var out []pages.User
	for _, u := range sortedValues(ps.s.st.Users, userKey) {
		out = append(out, pageUser(u))
	}
	return out
}

// userName is how the pages name the user id: "API" for none. The caller
// holds s.mu.
func (s *Sandbox) userName(id *string) string {
	if id == nil || *id == "" {
		return "API"
	}
	if u := s.st.Users[*id]; u != nil {
		return u.Name
	}
	return *id
}

// boardBase is the stages and archive reasons every recruiter page offers.
// The caller holds s.mu.
func (s *Sandbox) boardBase() pages.Board {
	var b pages.Board
	for _, st := range s.st.Stages {
		b.Stages = append(b.Stages, pages.Stage{ID: st.ID, Text: st.Text})
	}
	for _, ar := range s.st.ArchiveReasons {
		b.Reasons = append(b.Reasons, pages.ArchiveReason{ID: ar.ID, Text: ar.Text, Status: ar.Status})
	}
	b.Webhooks = len(s.st.Webhooks)
	return b
}

func pageFields(fields []field) []pages.Field {
	var out []pages.Field
	for _, f := range fields {
		out = append(out, pages.Field{Text: f.Text, Type: f.Type, Currency: f.Currency, Value: f.Value})
	}
	return out
}

// pageOpportunity gathers what the recruiter page shows of o. The caller
// holds s.mu.
func (s *Sandbox) pageOpportunity(o *opportunity, base string) pages.Opportunity {
	c := s.st.Contacts[o.ContactID]
	if c == nil {
		c = &contact{}
	}
	po := pages.Opportunity{
		ID: o.ID, Name: c.Name, Emails: c.Emails, Owner: s.userName(&o.Owner),
		Origin: o.Origin, Tags: o.Tags, Sources: o.Sources, CreatedAt: o.CreatedAt,
	}
	if st := s.stageByID(o.StageID); st != nil {
		po.Stage = &pages.Stage{ID: st.ID, Text: st.Text}
	}
	if p := s.st.Postings[o.PostingID]; p != nil {
		po.Posting = p.Text
	}
	if o.Archived != nil {
		po.Archived = true
		if ar := s.reasonByID(o.Archived.Reason); ar != nil {
			po.ArchiveReason = ar.Text
		}
	}
	for _, n := range s.notesOf(o.ID) {
		pn := pages.Note{By: s.userName(n.User), When: n.CreatedAt, Secret: n.Secret}
		for _, cm := range n.Comments {
			pn.Comments = append(pn.Comments, cm.Value)
		}
		po.Notes = append(po.Notes, pn)
	}
	for _, f := range s.formsOf(o.ID) {
		po.Forms = append(po.Forms, pages.Form{Title: f.Text, By: s.userName(f.User), When: f.CreatedAt, Fields: pageFields(f.Fields)})
	}
	for _, f := range s.filesOf(o.ID) {
		po.Files = append(po.Files, pages.File{Name: f.Name, URL: fileDownloadURL(base, f), Size: f.Size, Status: f.Status})
	}
	for _, rs := range sortedValues(s.st.Resumes, resumeKey) {
		if rs.OpportunityID == o.ID && rs.File != nil {
			po.Resumes = append(po.Resumes, pages.File{
				Name: rs.File.Name, URL: base + "/opportunities/" + o.ID + "/resumes/" + rs.ID + "/download",
				Size: rs.File.Size, Status: rs.File.Status,
			})
		}
	}
	for _, f := range s.feedbackOf(o.ID) {
		po.Feedback = append(po.Feedback, pages.Form{Title: f.Text, By: s.userName(&f.User), When: f.CompletedAt, Fields: pageFields(f.Fields)})
	}
	for _, ch := range o.StageChanges {
		name := ch.ToStageID
		if st := s.stageByID(ch.ToStageID); st != nil {
			name = st.Text
		}
		po.History = append(po.History, pages.StageMove{At: ch.UpdatedAt, Stage: name, By: s.userName(ch.UserID)})
	}
	return po
}

func (ps pageState) Board(r *http.Request, stageName, postingID string) pages.Board {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	var want *stage
	if stageName != "" {
		want = s.stageByIDOrText(stageName)
	}
	base := s.baseURL(r)
	b := s.boardBase()
	if want != nil {
		b.Filter = want.Text
	}
	for _, p := range sortedValues(s.st.Postings, postingKey) {
		b.Postings = append(b.Postings, pages.Posting{ID: p.ID, Text: p.Text, State: p.State, Tags: p.Tags})
	}
	opps := sortedValues(s.st.Opportunities, oppKey)
	for i := len(opps) - 1; i >= 0; i-- {
		o := opps[i]
		if o.deleted() || want != nil && o.StageID != want.ID || postingID != "" && o.PostingID != postingID {
			continue
		}
		b.Opportunities = append(b.Opportunities, s.pageOpportunity(o, base))
	}
	return b
}

func (ps pageState) Opportunity(r *http.Request, id string) (pages.Board, error) {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.liveOpportunity(id)
	if err != nil {
		return pages.Board{}, recruiterError(http.StatusNotFound, err)
	}
	b := s.boardBase()
	b.Opportunities = []pages.Opportunity{s.pageOpportunity(o, s.baseURL(r))}
	return b, nil
}

func (ps pageState) MoveStage(id, stageName, actorID string) error {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.liveOpportunity(id)
	st := s.stageByIDOrText(stageName)
	if err == nil && st == nil {
		err = errBadRequest("unknown stage %q", stageName)
	}
	if err != nil {
		return recruiterError(http.StatusBadRequest, err)
	}
	s.moveStage(o, st, ptr(actorID))
	s.commit()
	return nil
}

func (ps pageState) Archive(id, reasonName string) error {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.liveOpportunity(id)
	var reason *archiveReason
	if err == nil && reasonName != "" {
		if reason = s.reasonByIDOrText(reasonName); reason == nil {
			err = errBadRequest("unknown archive reason %q", reasonName)
		}
	}
	if err != nil {
		return recruiterError(http.StatusBadRequest, err)
	}
	s.setArchived(o, reason, false)
	s.commit()
	return nil
}

func (ps pageState) Permissions() []pages.Permission {
	var out []pages.Permission
	for _, p := range ps.s.perms.list("") {
		out = append(out, pages.Permission{Name: p.Name, Access: p.Access})
	}
	return out
}

// asActor runs f under s.mu with the user actorID (nil when unknown), and
// commits when f succeeds and write is set.
func (ps pageState) asActor(actorID string, write bool, f func(actor *user) error) error {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	err := f(s.st.Users[actorID])
	if err == nil && write {
		s.commit()
	}
	return pageError(err)
}

func (ps pageState) APIKeys(actorID string) ([]pages.APIKey, error) {
	s := ps.s
	var out []pages.APIKey
	err := ps.asActor(actorID, false, func(actor *user) error {
		if err := requireSuperAdmin(actor, whatKeys); err != nil {
			return err
		}
		for _, k := range s.st.APIKeys {
			row := pages.APIKey{
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
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

func (ps pageState) WebhookGroups(actorID string) ([]pages.WebhookGroup, error) {
	s := ps.s
	var out []pages.WebhookGroup
	err := ps.asActor(actorID, false, func(actor *user) error {
		if err := requireSuperAdmin(actor, whatWebhooks); err != nil {
			return err
		}
		// Newest first. The "verify connection" request is sent as
		// candidateHired; it is listed under the group of its webhook.
		records := s.hooks.records()
		recent := map[string][]pages.Delivery{}
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
			recent[group] = append(recent[group], pages.Delivery{SentAt: d.SentAt, URL: d.URL, Attempt: d.Attempt, Status: d.Status, Outcome: d.Outcome, Test: d.Test, Error: d.Error})
		}
		for _, g := range eventGroups {
			row := pages.WebhookGroup{Event: g.Event, Label: g.Label, On: s.st.WebhookGroups[g.Event], Token: s.st.WebhookTokens[g.Event], Deliveries: recent[g.Event]}
			for _, wh := range sortedValues(s.st.Webhooks, webhookKey) {
				if wh.Event == g.Event {
					pw := pageWebhook(wh)
					if !wh.Page {
						pw.Token = wh.Token
					}
					row.Webhooks = append(row.Webhooks, pw)
				}
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

func pageWebhook(wh *webhook) pages.Webhook {
	return pages.Webhook{ID: wh.ID, URL: wh.URL, Event: wh.Event, EventLabel: eventLabel(wh.Event), ViaAPI: !wh.Page, Origins: wh.Origins, CreatedAt: wh.CreatedAt}
}

func (ps pageState) AuthorizedApps(actorID string) ([]pages.AuthorizedApp, error) {
	s := ps.s
	var out []pages.AuthorizedApp
	err := ps.asActor(actorID, false, func(actor *user) error {
		if err := requireSuperAdmin(actor, whatApps); err != nil {
			return err
		}
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
			out = append(out, pages.AuthorizedApp{ClientID: a.ClientID, ApprovedBy: s.userName(&a.UserID), ApprovedAt: a.ApprovedAt, Scopes: a.Scopes, Tokens: tokens[a.ClientID]})
		}
		return nil
	})
	return out, err
}

func (ps pageState) CreateAPIKey(actorID, name string, permissions []string, confidential bool) (string, string, error) {
	var key string
	var k *apiKey
	err := ps.asActor(actorID, true, func(actor *user) error {
		var err error
		key, k, err = ps.s.createAPIKey(actor, name, permissions, confidential)
		return err
	})
	if err != nil {
		return "", "", err
	}
	return k.Name, key, nil
}

func (ps pageState) RevokeAPIKey(actorID, id string) (string, error) {
	var name string
	err := ps.asActor(actorID, true, func(actor *user) error {
		k, err := ps.s.revokeAPIKey(actor, id)
		if err == nil {
			name = k.Name
		}
		return err
	})
	return name, err
}

func (ps pageState) WebhookEventLabel(name string) (string, error) {
	event, err := eventFromName(name)
	if err != nil {
		return "", pageError(err)
	}
	return eventLabel(event), nil
}

func (ps pageState) SetWebhookGroup(actorID, name string, on bool) (string, error) {
	event, err := eventFromName(name)
	if err != nil {
		return "", pageError(err)
	}
	return eventLabel(event), ps.asActor(actorID, true, func(actor *user) error {
		return ps.s.setWebhookGroup(actor, event, on)
	})
}

func (ps pageState) GenerateGroupToken(actorID, name string) (string, bool, error) {
	event, err := eventFromName(name)
	if err != nil {
		return "", false, pageError(err)
	}
	var had bool
	err = ps.asActor(actorID, true, func(actor *user) error {
		had = ps.s.st.WebhookTokens[event] != ""
		_, err := ps.s.generateGroupToken(actor, event)
		return err
	})
	return eventLabel(event), had, err
}

func (ps pageState) AddWebhook(actorID, name, rawURL string) (pages.Webhook, error) {
	event, err := eventFromName(name)
	if err != nil {
		return pages.Webhook{}, pageError(err)
	}
	var out pages.Webhook
	err = ps.asActor(actorID, true, func(actor *user) error {
		wh, err := ps.s.addPageWebhook(actor, event, rawURL)
		if err == nil {
			out = pageWebhook(wh)
		}
		return err
	})
	return out, err
}

func (ps pageState) RemoveWebhook(actorID, id string) (pages.Webhook, error) {
	var out pages.Webhook
	err := ps.asActor(actorID, true, func(actor *user) error {
		wh, err := ps.s.removePageWebhook(actor, id)
		if err == nil {
			out = pageWebhook(wh)
		}
		return err
	})
	return out, err
}

func (ps pageState) RegenerateWebhookToken(actorID, id string) error {
	return ps.asActor(actorID, true, func(actor *user) error {
		_, err := ps.s.regenerateWebhookToken(actor, id)
		return err
	})
}

func (ps pageState) RevokeApp(actorID, clientID string) error {
	return ps.asActor(actorID, true, func(actor *user) error {
		_, _, err := ps.s.revokeApp(actor, clientID)
		return err
	})
}

// VerifyWebhook sends the test request without holding s.mu.
func (ps pageState) VerifyWebhook(ctx context.Context, actorID, id string) (pages.Webhook, pages.VerifyResult, error) {
	var wh *webhook
	err := ps.asActor(actorID, false, func(actor *user) error {
		var err error
		wh, err = ps.s.webhookForVerify(actor, id)
		return err
	})
	if err != nil {
		return pages.Webhook{}, pages.VerifyResult{}, err
	}
	res := ps.s.verifyWebhook(ctx, wh)
	return pageWebhook(wh), pages.VerifyResult{Status: res.Status, OK: res.OK, Error: res.Error}, nil
}

var _ pages.State = pageState{}
