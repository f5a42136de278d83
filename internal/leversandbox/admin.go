package leversandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The admin endpoint (/_sandbox/…): JSON, no authentication. It lets tests
// and the demo act as a recruiter in the app, inject faults and inspect
// webhook deliveries.

func (s *Sandbox) handleAdminFaultsSet(r *http.Request) (*reply, error) {
	var set faultSettings
	if err := decodeJSON(r, &set); err != nil {
		return nil, err
	}
	if err := set.validate(); err != nil {
		return nil, err
	}
	s.faults.configure(set)
	return &reply{status: http.StatusOK, body: s.faults.get()}, nil
}

func (s *Sandbox) handleAdminFaultsClear(*http.Request) (*reply, error) {
	s.faults.configure(faultSettings{})
	return noContent(), nil
}

// recruiterView is what a recruiter sees of one opportunity.
type recruiterView struct {
	Opportunity *opportunityView  `json:"opportunity"`
	Stage       *stage            `json:"stage"`
	Posting     *postingRef       `json:"posting"`
	Notes       []noteView        `json:"notes"`
	Forms       []profileFormView `json:"forms"`
	Files       []fileView        `json:"files"`
	Feedback    []feedbackView    `json:"feedback"`
}

type postingRef struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// recruiterViewOf renders o for the admin endpoint. The caller holds s.mu.
func (s *Sandbox) recruiterViewOf(o *opportunity, base string) recruiterView {
	v := recruiterView{
		Opportunity: s.viewOpportunity(o, base, nil), Stage: s.stageByID(o.StageID),
		Notes: []noteView{}, Forms: []profileFormView{}, Files: []fileView{}, Feedback: []feedbackView{},
	}
	if p := s.st.Postings[o.PostingID]; p != nil {
		v.Posting = &postingRef{ID: p.ID, Text: p.Text}
	}
	for _, n := range s.notesOf(o.ID) {
		v.Notes = append(v.Notes, viewNote(n))
	}
	for _, f := range s.formsOf(o.ID) {
		v.Forms = append(v.Forms, viewForm(f))
	}
	for _, f := range s.filesOf(o.ID) {
		v.Files = append(v.Files, viewFile(f, fileDownloadURL(base, f)))
	}
	for _, f := range s.feedbackOf(o.ID) {
		v.Feedback = append(v.Feedback, viewFeedback(f))
	}
	return v
}

func (s *Sandbox) liveOpportunity(id string) (*opportunity, error) {
	o := s.st.Opportunities[id]
	if o == nil || o.deleted() {
		return nil, errNotFound("opportunities", id)
	}
	return o, nil
}

// actingAdmin is the user the admin endpoint and the pages act as: the
// first active Super Admin.
func (s *Sandbox) actingAdmin() string {
	if admins := s.superAdmins(); len(admins) > 0 {
		return admins[0].ID
	}
	return ""
}

func (s *Sandbox) handleAdminOpportunityGet(r *http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.liveOpportunity(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return &reply{status: http.StatusOK, body: s.recruiterViewOf(o, s.baseURL(r))}, nil
}

// handleAdminOpportunityList lists live opportunities, optionally only
// those in ?stage= (a stage id or text).
func (s *Sandbox) handleAdminOpportunityList(r *http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var want *stage
	if v := r.URL.Query().Get("stage"); v != "" {
		if want = s.stageByIDOrText(v); want == nil {
			return nil, errBadRequest("stage %q was not found", v)
		}
	}
	out := []recruiterView{}
	base := s.baseURL(r)
	for _, o := range sortedValues(s.st.Opportunities, oppKey) {
		if !o.deleted() && (want == nil || o.StageID == want.ID) {
			out = append(out, s.recruiterViewOf(o, base))
		}
	}
	return &reply{status: http.StatusOK, body: map[string]any{"data": out}}, nil
}

func (s *Sandbox) handleAdminOpportunityStage(r *http.Request) (*reply, error) {
	var body struct {
		Stage string `json:"stage"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.liveOpportunity(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	st := s.stageByIDOrText(body.Stage)
	if st == nil {
		return nil, errBadRequest("stage %q was not found", body.Stage)
	}
	s.moveStage(o, st, ptr(s.actingAdmin()))
	s.commit()
	return &reply{status: http.StatusOK, body: s.recruiterViewOf(o, s.baseURL(r))}, nil
}

func (s *Sandbox) handleAdminOpportunityArchive(r *http.Request) (*reply, error) {
	var raw map[string]json.RawMessage
	if err := decodeJSON(r, &raw); err != nil {
		return nil, err
	}
	reasonRaw, has := raw["reason"]
	if !has {
		return nil, errBadRequest("reason is required (null unarchives)")
	}
	var reasonText *string
	if err := json.Unmarshal(reasonRaw, &reasonText); err != nil {
		return nil, errBadRequest("reason must be an archive reason id or text, or null")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.liveOpportunity(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	var reason *archiveReason
	if reasonText != nil {
		if reason = s.reasonByIDOrText(*reasonText); reason == nil {
			return nil, errBadRequest("archive reason %q was not found", *reasonText)
		}
	}
	s.setArchived(o, reason, false)
	s.commit()
	return &reply{status: http.StatusOK, body: s.recruiterViewOf(o, s.baseURL(r))}, nil
}

func (s *Sandbox) handleAdminOpportunityDelete(r *http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.liveOpportunity(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	s.deleteOpportunity(o, s.actingAdmin())
	s.commit()
	return noContent(), nil
}

type tagEdit struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

func (s *Sandbox) handleAdminOpportunityTags(r *http.Request) (*reply, error) {
	var body tagEdit
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, err := s.liveOpportunity(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	s.editTags(o, body.Add, body.Remove)
	s.commit()
	return &reply{status: http.StatusOK, body: s.recruiterViewOf(o, s.baseURL(r))}, nil
}

func (s *Sandbox) handleAdminPostingTags(r *http.Request) (*reply, error) {
	var body tagEdit
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	p := s.st.Postings[id]
	if p == nil {
		return nil, errNotFound("postings", id)
	}
	before := slices.Clone(p.Tags)
	p.Tags = union(p.Tags, body.Add...)
	p.Tags, _ = without(p.Tags, body.Remove...)
	s.st.Tags = addKnown(s.st.Tags, body.Add...)
	if !slices.Equal(before, p.Tags) {
		p.UpdatedAt = s.now()
	}
	s.commit()
	return ok(s.viewPosting(p, s.baseURL(r), nil, true)), nil
}

// handleAdminPostingCreate creates a posting as a Super Admin does in the
// app. It is the only way to a confidential posting: Lever's API cannot
// create one, nor change a posting's confidentiality.
func (s *Sandbox) handleAdminPostingCreate(r *http.Request) (*reply, error) {
	var body struct {
		Text         string   `json:"text"`
		Confidential bool     `json:"confidential"`
		Tags         []string `json:"tags"`
		State        string   `json:"state"`
		Location     string   `json:"location"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body.Text) == "" {
		return nil, errBadRequest("text (the posting's title) is required")
	}
	if body.State == "" {
		body.State = "published"
	}
	if !slices.Contains(postingStates, body.State) {
		return nil, errBadRequest("state must be one of %s, got %q", strings.Join(postingStates, ", "), body.State)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	by := s.st.Users[s.actingAdmin()]
	if by == nil {
		return nil, errBadRequest("the sandbox has no active Super Admin to create the posting")
	}
	now := s.now()
	p := &posting{
		ID: newID(), Text: strings.TrimSpace(body.Text), CreatedAt: now, UpdatedAt: now, State: body.State,
		DistributionChannels: []string{"internal"}, Confidentiality: "non-confidential",
		User: by.ID, Owner: by.ID, Categories: postingCategories{Location: body.Location, AllLocations: nonNil([]string(nil))},
		Tags: nonNil(body.Tags), Followers: []string{by.ID}, RequisitionCodes: []string{}, WorkplaceType: "unspecified",
	}
	if body.Location != "" {
		p.Categories.AllLocations = []string{body.Location}
	}
	if body.Confidential {
		p.Confidentiality = "confidential"
	}
	s.st.Postings[p.ID] = p
	s.st.Tags = addKnown(s.st.Tags, postingTags(p)...)
	s.commit()
	return &reply{status: http.StatusCreated, body: one(s.viewPosting(p, s.baseURL(r), nil, true))}, nil
}

// handleAdminPostingList lists the postings with their tags, oldest first.
func (s *Sandbox) handleAdminPostingList(r *http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []postingView{}
	for _, p := range sortedValues(s.st.Postings, postingKey) {
		out = append(out, s.viewPosting(p, s.baseURL(r), nil, false))
	}
	return &reply{status: http.StatusOK, body: map[string]any{"data": out}}, nil
}

func (s *Sandbox) handleAdminPostingGet(r *http.Request) (*reply, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	p := s.st.Postings[id]
	if p == nil {
		return nil, errNotFound("postings", id)
	}
	return ok(s.viewPosting(p, s.baseURL(r), nil, true)), nil
}

// handleAdminPostingApply is a candidate applying on the job site: a new
// opportunity on the posting, in "New applicant", owned by the posting's
// owner, carrying the posting's tags (fires applicationCreated).
func (s *Sandbox) handleAdminPostingApply(r *http.Request) (*reply, error) {
	var body struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if strings.TrimSpace(body.Name) == "" || strings.TrimSpace(body.Email) == "" {
		return nil, errBadRequest("name and email are required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	p := s.st.Postings[id]
	if p == nil {
		return nil, errNotFound("postings", id)
	}
	by := s.st.Users[s.actingAdmin()]
	if by == nil {
		return nil, errBadRequest("the sandbox has no active Super Admin to record the application")
	}
	in := opportunityInput{Name: body.Name, Emails: []string{body.Email}, Postings: []string{p.ID}, Origin: "applied", Sources: []string{"Job site"}}
	if st := s.stageByText("New applicant"); st != nil {
		in.Stage = st.ID
	}
	o, err := s.createOpportunity(in, by, p.Owner != "", nil)
	if err != nil {
		return nil, err
	}
	s.commit()
	return &reply{status: http.StatusCreated, body: s.recruiterViewOf(o, s.baseURL(r))}, nil
}

// handleAdminDeliveries lists the delivery log, oldest first; ?event= and
// ?webhookId= filter it.
func (s *Sandbox) handleAdminDeliveries(r *http.Request) (*reply, error) {
	q := r.URL.Query()
	out := slices.DeleteFunc(s.hooks.records(), func(d deliveryRecord) bool {
		return q.Get("event") != "" && d.Event != q.Get("event") || q.Get("webhookId") != "" && d.WebhookID != q.Get("webhookId")
	})
	return &reply{status: http.StatusOK, body: map[string]any{"data": nonNil(out)}}, nil
}

func (s *Sandbox) handleAdminWebhookGroups(r *http.Request) (*reply, error) {
	var body map[string]bool
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	for ev := range body {
		if !slices.Contains(webhookEvents, ev) {
			return nil, errBadRequest("unknown webhook group %q; groups are named by event: %s", ev, strings.Join(webhookEvents, ", "))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for ev, on := range body {
		s.st.WebhookGroups[ev] = on
	}
	s.commit()
	return &reply{status: http.StatusOK, body: map[string]any{"data": s.st.WebhookGroups}}, nil
}

func (s *Sandbox) handleAdminWebhookVerify(r *http.Request) (*reply, error) {
	s.mu.Lock()
	wh := s.st.Webhooks[r.PathValue("id")]
	var cp webhook
	if wh != nil {
		cp = *wh
		cp.Token = s.signingToken(wh)
	}
	s.mu.Unlock()
	if wh == nil {
		return nil, errNotFound("webhooks", r.PathValue("id"))
	}
	status, errText := s.hooks.verify(r.Context(), &cp)
	body := map[string]any{"status": status, "ok": status >= 200 && status < 300}
	if errText != "" {
		body["error"] = errText
	}
	return &reply{status: http.StatusOK, body: body}, nil
}

func (s *Sandbox) handleAdminOAuthClient(r *http.Request) (*reply, error) {
	var body struct {
		ClientID     string   `json:"clientId"`
		ClientSecret string   `json:"clientSecret"`
		RedirectURIs []string `json:"redirectUris"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.ClientID == "" || body.ClientSecret == "" {
		return nil, errBadRequest("clientId and clientSecret are required")
	}
	for _, u := range body.RedirectURIs {
		pu, err := url.Parse(u)
		if err != nil || pu.Scheme == "" || pu.Host == "" {
			return nil, errBadRequest("redirect URI %q is not an absolute URL", u)
		}
	}
	if len(body.RedirectURIs) == 0 && body.ClientID != DemoClientID {
		return nil, errBadRequest("redirectUris must hold at least one URI")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &oauthClient{ID: body.ClientID, Secret: body.ClientSecret, RedirectURIs: slices.Clone(body.RedirectURIs)}
	if body.ClientID == DemoClientID {
		c.Loopback = true
	}
	s.st.OAuthClients[c.ID] = c
	s.commit()
	return created(map[string]any{"clientId": c.ID, "redirectUris": nonNil(c.RedirectURIs)}), nil
}

func (s *Sandbox) handleAdminOAuthRevoke(r *http.Request) (*reply, error) {
	var body struct {
		ClientID string `json:"clientId"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.OAuthClients[body.ClientID] == nil {
		return nil, errNotFound("oauth clients", body.ClientID)
	}
	access, refresh := s.revokeClient(body.ClientID)
	s.commit()
	return &reply{status: http.StatusOK, body: map[string]any{
		"clientId": body.ClientID, "revokedAccessTokens": access, "revokedRefreshTokens": refresh,
	}}, nil
}

// handleAdminReset puts the account back to its seed. API keys and
// registered OAuth clients stay (they are configuration, not data); tokens,
// webhooks, faults and the delivery log go.
func (s *Sandbox) handleAdminReset(*http.Request) (*reply, error) {
	s.hooks.reset()
	s.faults.configure(faultSettings{})
	s.throttles.clear()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := buildSeed(s.st.Seed, s.cfg.NowFunc())
	st.APIKeys = s.st.APIKeys
	st.OAuthClients = s.st.OAuthClients
	st.JWTSecret = s.st.JWTSecret
	ensureBuiltins(st, s.cfg.WebhookGroupsOn)
	s.st = st
	s.commit()
	return noContent(), nil
}
