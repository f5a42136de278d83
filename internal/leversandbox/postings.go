package leversandbox

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

var postingStates = []string{"published", "internal", "closed", "draft", "pending", "rejected"}

var workplaceTypes = []string{"onsite", "remote", "hybrid", "unspecified"}

type postingURLs struct {
	List  string `json:"list"`
	Show  string `json:"show"`
	Apply string `json:"apply"`
}

type postingView struct {
	ID                    string            `json:"id"`
	Text                  string            `json:"text"`
	CreatedAt             int64             `json:"createdAt"`
	UpdatedAt             int64             `json:"updatedAt"`
	State                 string            `json:"state"`
	DistributionChannels  []string          `json:"distributionChannels"`
	Confidentiality       string            `json:"confidentiality"`
	User                  any               `json:"user"`
	Owner                 any               `json:"owner"`
	HiringManager         any               `json:"hiringManager"`
	Categories            postingCategories `json:"categories"`
	Tags                  []string          `json:"tags"`
	Content               *postingContent   `json:"content,omitempty"`
	Country               string            `json:"country"`
	Followers             any               `json:"followers,omitempty"`
	ReqCode               *string           `json:"reqCode"`
	RequisitionCodes      []string          `json:"requisitionCodes"`
	SalaryDescription     string            `json:"salaryDescription"`
	SalaryDescriptionHTML string            `json:"salaryDescriptionHtml"`
	SalaryRange           *salaryRange      `json:"salaryRange"`
	URLs                  postingURLs       `json:"urls"`
	WorkplaceType         string            `json:"workplaceType"`
}

// viewPosting renders p. Content is always there: Lever's own example of
// GET /postings (no include) shows it on every posting, and include=content
// would leave only id and content. full adds followers, which lists only show
// when included or expanded.
func (s *Sandbox) viewPosting(p *posting, base string, expand []string, full bool) postingView {
	cat := p.Categories
	cat.AllLocations = nonNil(cat.AllLocations)
	v := postingView{
		ID: p.ID, Text: p.Text, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, State: p.State,
		DistributionChannels: nonNil(p.DistributionChannels), Confidentiality: p.Confidentiality,
		User: nilIfEmpty(p.User), Owner: nilIfEmpty(p.Owner), HiringManager: nilIfEmpty(p.HiringManager),
		Categories: cat, Tags: nonNil(p.Tags), Country: p.Country, RequisitionCodes: nonNil(p.RequisitionCodes),
		SalaryDescription: p.SalaryDescription, SalaryDescriptionHTML: p.SalaryDescriptionHTML, SalaryRange: p.SalaryRange,
		URLs:          postingURLs{List: base + "/", Show: base + "/?posting=" + p.ID, Apply: base + "/?posting=" + p.ID + "&apply=1"},
		WorkplaceType: p.WorkplaceType,
	}
	if len(p.RequisitionCodes) > 0 {
		v.ReqCode = ptr(p.RequisitionCodes[0])
	}
	v.Content = ptr(p.Content)
	v.Content.Lists = nonNil(v.Content.Lists)
	if full {
		v.Followers = nonNil(p.Followers)
	}
	for _, e := range expand {
		switch e {
		case "user":
			v.User = s.userOrNil(p.User)
		case "owner":
			v.Owner = s.userOrNil(p.Owner)
		case "hiringManager":
			v.HiringManager = s.userOrNil(p.HiringManager)
		case "followers":
			users := []*user{}
			for _, id := range p.Followers {
				if u := s.st.Users[id]; u != nil {
					users = append(users, u)
				}
			}
			v.Followers = users
		}
	}
	return v
}

func (s *Sandbox) renderPosting(r *http.Request, p *posting, full bool) any {
	q := r.URL.Query()
	expand, include := multi(q, "expand"), multi(q, "include")
	full = full || slices.Contains(include, "content") || slices.Contains(include, "followers")
	return shape(s.viewPosting(p, s.baseURL(r), expand, full), include, expand)
}

func postingKey(p *posting) (int64, string) { return p.CreatedAt, p.ID }

func (s *Sandbox) handlePostingList(r *http.Request, c *credential) (*reply, error) {
	q := r.URL.Query()
	states := multi(q, "state")
	for _, st := range states {
		if !slices.Contains(postingStates, st) {
			return nil, errBadRequest("state must be one of %s, got %q", strings.Join(postingStates, ", "), st)
		}
	}
	channels := multi(q, "distributionChannel")
	teams, depts, locs := multiExact(q, "team"), multiExact(q, "department"), multiExact(q, "location")
	commitments, levels, tags := multiExact(q, "commitment"), multiExact(q, "level"), multiExact(q, "tag")
	conf := q.Get("confidentiality")
	switch conf {
	case "":
		conf = "non-confidential"
	case "non-confidential":
	case "confidential", "all":
		if !c.confidential() {
			return nil, errForbidden("this credential has no access to confidential data")
		}
	default:
		return nil, errBadRequest("confidentiality must be confidential, non-confidential or all, got %q", conf)
	}
	updStart, err := millisParam(q, "updated_at_start")
	if err != nil {
		return nil, err
	}
	updEnd, err := millisParam(q, "updated_at_end")
	if err != nil {
		return nil, err
	}
	if (updStart != nil || updEnd != nil) && len(states)+len(channels)+len(teams)+len(depts)+len(locs)+len(commitments)+len(levels)+len(tags) > 0 {
		return nil, errBadRequest("updated_at_start and updated_at_end may only be combined with confidentiality")
	}
	var list []*posting
	for _, p := range sortedValues(s.st.Postings, postingKey) {
		cat := p.Categories
		switch {
		case conf != "all" && p.Confidentiality != conf:
		case len(states) > 0 && !slices.Contains(states, p.State):
		case len(channels) > 0 && !anyIn(p.DistributionChannels, channels):
		case len(channels) == 0 && len(states) == 1 && states[0] == "published" && !slices.Contains(p.DistributionChannels, "public"):
		case len(teams) > 0 && !slices.Contains(teams, cat.Team):
		case len(depts) > 0 && !slices.Contains(depts, cat.Department):
		case len(locs) > 0 && !slices.Contains(locs, cat.Location) && !anyIn(cat.AllLocations, locs):
		case len(commitments) > 0 && !slices.Contains(commitments, cat.Commitment):
		case len(levels) > 0 && !slices.Contains(levels, cat.Level):
		case len(tags) > 0 && !anyIn(p.Tags, tags):
		case !inRange(p.UpdatedAt, updStart, updEnd):
		default:
			list = append(list, p)
		}
	}
	items, pg, err := paginate(s, r, list, postingKey)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(items))
	for _, p := range items {
		out = append(out, s.renderPosting(r, p, false))
	}
	return listReply(out, pg), nil
}

func (s *Sandbox) postingFor(r *http.Request, c *credential) (*posting, error) {
	id := r.PathValue("posting")
	p := s.st.Postings[id]
	if p == nil {
		return nil, errNotFound("postings", id)
	}
	if p.Confidentiality == "confidential" && !c.confidential() {
		return nil, errForbidden("posting %s is confidential and this credential has no access to confidential data", id)
	}
	return p, nil
}

func (s *Sandbox) handlePostingGet(r *http.Request, c *credential) (*reply, error) {
	p, err := s.postingFor(r, c)
	if err != nil {
		return nil, err
	}
	if d := r.URL.Query().Get("distribution"); d != "" && d != "internal" && d != "external" {
		return nil, errBadRequest("distribution must be internal or external, got %q", d)
	}
	return ok(s.renderPosting(r, p, true)), nil
}

// applyPostingFields writes the attributes present in body into p: a
// partial update, where an array (tags) replaces the old one.
//
// Lever refuses two shapes of an update ("Update a posting"): a workplaceType
// set back to unspecified once it is onsite, remote or hybrid, and a
// salaryRange with some of its child fields only ("if one child field is
// filled out they all must be filled out").
func (s *Sandbox) applyPostingFields(p *posting, body map[string]json.RawMessage) error {
	prevWorkplace := p.WorkplaceType
	if err := checkSalaryRange(body["salaryRange"]); err != nil {
		return err
	}
	set := func(key string, dst any) error {
		raw, has := body[key]
		if !has {
			return nil
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return errBadRequest("%s: %v", key, err)
		}
		return nil
	}
	if raw, has := body["confidentiality"]; has {
		var conf string
		_ = json.Unmarshal(raw, &conf)
		if conf != p.Confidentiality {
			return errBadRequest("a posting's confidentiality cannot be set or changed through the API")
		}
	}
	for key, dst := range map[string]any{
		"text": &p.Text, "state": &p.State, "distributionChannels": &p.DistributionChannels,
		"owner": &p.Owner, "hiringManager": &p.HiringManager, "tags": &p.Tags, "content": &p.Content,
		"country": &p.Country, "followers": &p.Followers, "requisitionCodes": &p.RequisitionCodes,
		"salaryDescription": &p.SalaryDescription, "salaryDescriptionHtml": &p.SalaryDescriptionHTML,
		"salaryRange": &p.SalaryRange, "workplaceType": &p.WorkplaceType,
	} {
		if err := set(key, dst); err != nil {
			return err
		}
	}
	if raw, has := body["categories"]; has {
		var cat map[string]json.RawMessage
		if err := json.Unmarshal(raw, &cat); err != nil {
			return errBadRequest("categories: %v", err)
		}
		for key, dst := range map[string]any{
			"team": &p.Categories.Team, "department": &p.Categories.Department, "location": &p.Categories.Location,
			"allLocations": &p.Categories.AllLocations, "commitment": &p.Categories.Commitment, "level": &p.Categories.Level,
		} {
			if v, has := cat[key]; has {
				if err := json.Unmarshal(v, dst); err != nil {
					return errBadRequest("categories.%s: %v", key, err)
				}
			}
		}
		if _, has := cat["allLocations"]; !has && p.Categories.Location != "" {
			p.Categories.AllLocations = []string{p.Categories.Location}
		}
	}
	if strings.TrimSpace(p.Text) == "" {
		return errBadRequest("text is required")
	}
	if !slices.Contains(postingStates, p.State) {
		return errBadRequest("state must be one of %s, got %q", strings.Join(postingStates, ", "), p.State)
	}
	for _, ch := range p.DistributionChannels {
		if ch != "public" && ch != "internal" {
			return errBadRequest("distributionChannels must hold public and/or internal, got %q", ch)
		}
	}
	if !slices.Contains(workplaceTypes, p.WorkplaceType) {
		return errBadRequest("workplaceType must be one of %s, got %q", strings.Join(workplaceTypes, ", "), p.WorkplaceType)
	}
	if p.WorkplaceType == "unspecified" && prevWorkplace != "" && prevWorkplace != "unspecified" {
		return errBadRequest("workplaceType is %s and cannot be set back to unspecified", prevWorkplace)
	}
	for _, id := range append([]string{p.Owner, p.HiringManager}, p.Followers...) {
		if id != "" && s.st.Users[id] == nil {
			return errBadRequest("user %s was not found", id)
		}
	}
	p.Tags = union(nil, p.Tags...)
	s.st.Tags = addKnown(s.st.Tags, p.Tags...)
	return nil
}

// checkSalaryRange refuses a salaryRange that names some of min, max,
// currency and interval but not all: Lever wants all four or none.
func checkSalaryRange(raw json.RawMessage) error {
	if len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return nil
	}
	var sr map[string]json.RawMessage
	if err := json.Unmarshal(raw, &sr); err != nil {
		return errBadRequest("salaryRange must be an object with min, max, currency and interval: %v", err)
	}
	var missing []string
	for _, k := range []string{"min", "max", "currency", "interval"} {
		if v, has := sr[k]; !has || string(bytes.TrimSpace(v)) == "null" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return errBadRequest("salaryRange needs all of min, max, currency and interval once one is given; missing %s", strings.Join(missing, ", "))
	}
	return nil
}

func (s *Sandbox) handlePostingCreate(r *http.Request, _ *credential) (*reply, error) {
	by, err := s.performAs(r, true)
	if err != nil {
		return nil, err
	}
	var body map[string]json.RawMessage
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	now := s.now()
	p := &posting{
		// "If none is provided, distributionChannels defaults to public and internal."
		ID: newID(), CreatedAt: now, UpdatedAt: now, State: "draft", DistributionChannels: []string{"public", "internal"},
		Confidentiality: "non-confidential", User: by.ID, Owner: by.ID, WorkplaceType: "unspecified",
	}
	if err := s.applyPostingFields(p, body); err != nil {
		return nil, err
	}
	p.Followers = union(p.Followers, by.ID)
	s.st.Postings[p.ID] = p
	return created(s.renderPosting(r, p, true)), nil
}

func (s *Sandbox) handlePostingUpdate(r *http.Request, c *credential) (*reply, error) {
	p, err := s.postingFor(r, c)
	if err != nil {
		return nil, err
	}
	if _, err := s.performAs(r, true); err != nil {
		return nil, err
	}
	var body map[string]json.RawMessage
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	// Work on a deep copy so that a refused update leaves p untouched
	// (json.Unmarshal reuses the backing arrays of slices it fills).
	next := *p
	next.Tags, next.Followers = slices.Clone(p.Tags), slices.Clone(p.Followers)
	next.DistributionChannels, next.RequisitionCodes = slices.Clone(p.DistributionChannels), slices.Clone(p.RequisitionCodes)
	next.Categories.AllLocations = slices.Clone(p.Categories.AllLocations)
	next.Content.Lists = slices.Clone(p.Content.Lists)
	if p.SalaryRange != nil {
		next.SalaryRange = ptr(*p.SalaryRange)
	}
	if err := s.applyPostingFields(&next, body); err != nil {
		return nil, err
	}
	next.UpdatedAt = s.now()
	*p = next
	return ok(s.renderPosting(r, p, true)), nil
}
