package leversandbox

import (
	"encoding/json"
	"net/http"
)

type noteFieldView struct {
	Type      string  `json:"type"`
	Text      string  `json:"text"`
	Value     string  `json:"value"`
	User      *string `json:"user"`
	CreatedAt int64   `json:"createdAt"`
	Score     *int    `json:"score"`
	Stage     *string `json:"stage"`
}

type noteView struct {
	ID          string          `json:"id"`
	Text        string          `json:"text"`
	Fields      []noteFieldView `json:"fields"`
	User        *string         `json:"user"`
	Secret      bool            `json:"secret"`
	CreatedAt   int64           `json:"createdAt"`
	CompletedAt *int64          `json:"completedAt"`
	DeletedAt   *int64          `json:"deletedAt"`
}

func viewNote(n *note) noteView {
	v := noteView{ID: n.ID, Text: "Note", User: n.User, Secret: n.Secret, CreatedAt: n.CreatedAt, CompletedAt: n.CompletedAt, Fields: []noteFieldView{}}
	for _, c := range n.Comments {
		v.Fields = append(v.Fields, noteFieldView{Type: "note", Text: "Comment", Value: c.Value, User: c.User, CreatedAt: c.CreatedAt, Score: c.Score, Stage: c.Stage})
	}
	return v
}

func noteKey(n *note) (int64, string) { return n.CreatedAt, n.ID }

// notesOf lists an opportunity's notes in list order.
func (s *Sandbox) notesOf(oppID string) []*note {
	var out []*note
	for _, n := range sortedValues(s.st.Notes, noteKey) {
		if n.OpportunityID == oppID {
			out = append(out, n)
		}
	}
	return out
}

func (s *Sandbox) noteFor(r *http.Request, c *credential) (*opportunity, *note, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, nil, err
	}
	id := r.PathValue("note")
	n := s.st.Notes[id]
	if n == nil || n.OpportunityID != o.ID {
		return nil, nil, errNotFound("notes", id)
	}
	return o, n, nil
}

func (s *Sandbox) handleNoteList(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	items, p, err := paginate(s, r, s.notesOf(o.ID), noteKey)
	if err != nil {
		return nil, err
	}
	out := make([]noteView, 0, len(items))
	for _, n := range items {
		out = append(out, viewNote(n))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) handleNoteGet(r *http.Request, c *credential) (*reply, error) {
	_, n, err := s.noteFor(r, c)
	if err != nil {
		return nil, err
	}
	return ok(viewNote(n)), nil
}

func (s *Sandbox) handleNoteCreate(r *http.Request, c *credential) (*reply, error) {
	o, err := s.opportunityFor(r.PathValue("id"), c)
	if err != nil {
		return nil, err
	}
	by, err := s.performAs(r, false)
	if err != nil {
		return nil, err
	}
	var body struct {
		Value           *string `json:"value"`
		Secret          bool    `json:"secret"`
		Score           *int    `json:"score"`
		NotifyFollowers bool    `json:"notifyFollowers"`
		CreatedAt       *int64  `json:"createdAt"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Value == nil || *body.Value == "" {
		return nil, errBadRequest("value is required")
	}
	if body.Score != nil && (*body.Score < 1 || *body.Score > 4) {
		return nil, errBadRequest("score must be 1, 2, 3 or 4")
	}
	now := s.now()
	at := now
	if body.CreatedAt != nil {
		if *body.CreatedAt > now {
			return nil, errBadRequest("createdAt must not be in the future")
		}
		at = *body.CreatedAt
	}
	comment := noteComment{Value: *body.Value, User: userIDPtr(by), CreatedAt: at, Score: body.Score, Stage: ptr(o.StageID), Mentions: s.mentionedUsers(*body.Value)}
	if noteID := r.URL.Query().Get("note_id"); noteID != "" {
		n := s.st.Notes[noteID]
		if n == nil || n.OpportunityID != o.ID {
			return nil, errNotFound("notes", noteID)
		}
		n.Comments = append(n.Comments, comment)
		return created(map[string]string{"noteId": n.ID}), nil
	}
	n := &note{ID: newID(), OpportunityID: o.ID, Comments: []noteComment{comment}, User: userIDPtr(by), Secret: body.Secret, CreatedAt: at, ViaAPI: true}
	s.st.Notes[n.ID] = n
	return created(map[string]string{"noteId": n.ID}), nil
}

// handleNoteUpdate replaces an API-created note; it bumps the
// opportunity's updatedAt, as Lever documents.
func (s *Sandbox) handleNoteUpdate(r *http.Request, c *credential) (*reply, error) {
	o, n, err := s.noteFor(r, c)
	if err != nil {
		return nil, err
	}
	if !n.ViaAPI {
		return nil, errForbidden("note %s was not created through the API and cannot be changed through it", n.ID)
	}
	var body struct {
		Values []struct {
			Value     string `json:"value"`
			CreatedAt *int64 `json:"createdAt"`
		} `json:"values"`
		User        *string `json:"user"`
		Secret      bool    `json:"secret"`
		CreatedAt   *int64  `json:"createdAt"`
		CompletedAt *int64  `json:"completedAt"`
		Score       *int    `json:"score"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if len(body.Values) == 0 {
		return nil, errBadRequest("values must hold at least one value")
	}
	if body.User != nil && s.st.Users[*body.User] == nil {
		return nil, errBadRequest("user %s was not found", *body.User)
	}
	if body.Score != nil && (*body.Score < 1 || *body.Score > 4) {
		return nil, errBadRequest("score must be 1, 2, 3 or 4")
	}
	now := s.now()
	created := n.CreatedAt
	if body.CreatedAt != nil {
		created = *body.CreatedAt
	}
	var comments []noteComment
	for i, v := range body.Values {
		if v.Value == "" {
			return nil, errBadRequest("values[%d].value is required", i)
		}
		at := created
		if v.CreatedAt != nil {
			at = *v.CreatedAt
		}
		cm := noteComment{Value: v.Value, User: body.User, CreatedAt: at, Stage: ptr(o.StageID), Mentions: s.mentionedUsers(v.Value)}
		if i == 0 {
			cm.Score = body.Score
		}
		comments = append(comments, cm)
	}
	n.Comments, n.User, n.Secret, n.CreatedAt, n.CompletedAt = comments, body.User, body.Secret, created, body.CompletedAt
	o.UpdatedAt = now
	return ok(map[string]string{"noteId": n.ID}), nil
}

func (s *Sandbox) handleNoteDelete(r *http.Request, c *credential) (*reply, error) {
	_, n, err := s.noteFor(r, c)
	if err != nil {
		return nil, err
	}
	if !n.ViaAPI {
		return nil, errForbidden("note %s was not created through the API and cannot be deleted through it", n.ID)
	}
	delete(s.st.Notes, n.ID)
	return noContent(), nil
}

// remarshal converts a decoded JSON value into dst.
func remarshal(v any, dst any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return errBadRequest("invalid body: %v", err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return errBadRequest("invalid body: %v", err)
	}
	return nil
}
