package leversandbox

import (
	"net/http"
	"slices"
	"strings"
)

// Stages, archive reasons, tags and sources.

func (s *Sandbox) handleStageList(r *http.Request, _ *credential) (*reply, error) {
	key := func(st *stage) (int64, string) { return int64(s.stageIndex(st.ID)), st.ID }
	items, p, err := paginate(s, r, s.st.Stages, key)
	if err != nil {
		return nil, err
	}
	return listReply(nonNil(items), p), nil
}

func (s *Sandbox) handleStageGet(r *http.Request, _ *credential) (*reply, error) {
	id := r.PathValue("stage")
	st := s.stageByID(id)
	if st == nil {
		return nil, errNotFound("stages", id)
	}
	return ok(st), nil
}

func (s *Sandbox) handleArchiveReasonList(r *http.Request, _ *credential) (*reply, error) {
	typ := r.URL.Query().Get("type")
	if typ != "" && typ != "hired" && typ != "non-hired" {
		return nil, errBadRequest("type must be hired or non-hired, got %q", typ)
	}
	var list []*archiveReason
	for _, ar := range s.st.ArchiveReasons {
		if typ == "" || ar.Type == typ {
			list = append(list, ar)
		}
	}
	key := func(ar *archiveReason) (int64, string) {
		return int64(slices.Index(s.st.ArchiveReasons, ar)), ar.ID
	}
	items, p, err := paginate(s, r, list, key)
	if err != nil {
		return nil, err
	}
	return listReply(nonNil(items), p), nil
}

func (s *Sandbox) handleArchiveReasonGet(r *http.Request, _ *credential) (*reply, error) {
	id := r.PathValue("reason")
	ar := s.reasonByID(id)
	if ar == nil {
		return nil, errNotFound("archive_reasons", id)
	}
	return ok(ar), nil
}

type textCount struct {
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// counted lists the known texts with the number of live opportunities
// carrying each.
func (s *Sandbox) counted(known []string, of func(*opportunity) []string) []textCount {
	counts := map[string]int{}
	for _, o := range s.st.Opportunities {
		if o.deleted() {
			continue
		}
		for _, t := range of(o) {
			counts[t]++
		}
	}
	out := make([]textCount, 0, len(known))
	for _, t := range known {
		out = append(out, textCount{Text: t, Count: counts[t]})
	}
	return out
}

func (s *Sandbox) textCountList(r *http.Request, list []textCount) (*reply, error) {
	index := map[string]int{}
	for i, tc := range list {
		index[tc.Text] = i
	}
	key := func(tc textCount) (int64, string) { return int64(index[tc.Text]), tc.Text }
	items, p, err := paginate(s, r, list, key)
	if err != nil {
		return nil, err
	}
	return listReply(nonNil(items), p), nil
}

func (s *Sandbox) handleTagList(r *http.Request, _ *credential) (*reply, error) {
	return s.textCountList(r, s.counted(s.st.Tags, func(o *opportunity) []string { return o.Tags }))
}

func (s *Sandbox) handleSourceList(r *http.Request, _ *credential) (*reply, error) {
	return s.textCountList(r, s.counted(s.st.Sources, func(o *opportunity) []string { return o.Sources }))
}

// Contacts.

func (s *Sandbox) handleContactGet(r *http.Request, _ *credential) (*reply, error) {
	id := r.PathValue("contact")
	c := s.st.Contacts[id]
	if c == nil {
		return nil, errNotFound("contacts", id)
	}
	return ok(viewContact(c)), nil
}

// handleContactUpdate changes the fields sent; location is a plain string
// here, while the answer shows it as {name}.
func (s *Sandbox) handleContactUpdate(r *http.Request, _ *credential) (*reply, error) {
	id := r.PathValue("contact")
	c := s.st.Contacts[id]
	if c == nil {
		return nil, errNotFound("contacts", id)
	}
	var body struct {
		Name     *string   `json:"name"`
		Headline *string   `json:"headline"`
		Location *string   `json:"location"`
		Emails   *[]string `json:"emails"`
		Phones   *[]phone  `json:"phones"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Emails != nil {
		for _, e := range *body.Emails {
			if !strings.Contains(e, "@") {
				return nil, errBadRequest("emails: %q is not an e-mail address", e)
			}
		}
	}
	if body.Name != nil {
		c.Name = *body.Name
	}
	if body.Headline != nil {
		c.Headline = *body.Headline
	}
	if body.Location != nil {
		c.Location = *body.Location
	}
	if body.Emails != nil {
		c.Emails = union(nil, *body.Emails...)
	}
	if body.Phones != nil {
		c.Phones = nil
		for _, p := range *body.Phones {
			if p.Type == "" {
				p.Type = "other"
			}
			c.Phones = append(c.Phones, p)
		}
	}
	s.contactChanged(c)
	return ok(viewContact(c)), nil
}
