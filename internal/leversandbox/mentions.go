package leversandbox

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// Lever notifies the users a note @-mentions by username ("@rkhan"). The
// sandbox records the mentions on the note, and the admin endpoint
// GET /_sandbox/notifications lists them as the notifications each user got.

var mentionRE = regexp.MustCompile(`(^|[^A-Za-z0-9._-])@([A-Za-z0-9._-]+)`)

// mentionedUsers returns the ids of the active users value @-mentions, in
// order of first mention. The caller holds s.mu.
func (s *Sandbox) mentionedUsers(value string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(value, -1) {
		name := strings.TrimRight(m[2], ".-")
		for _, u := range sortedValues(s.st.Users, func(u *user) (int64, string) { return u.CreatedAt, u.ID }) {
			if u.DeactivatedAt == nil && strings.EqualFold(u.Username, name) && !slices.Contains(out, u.ID) {
				out = append(out, u.ID)
			}
		}
	}
	return out
}

// notification is one mention of a user in a note.
type notification struct {
	UserID        string `json:"userId"`
	Username      string `json:"username"`
	OpportunityID string `json:"opportunityId"`
	NoteID        string `json:"noteId"`
	CreatedAt     int64  `json:"createdAt"`
	Value         string `json:"value"`
}

// handleAdminNotifications lists the mention notifications, oldest first;
// ?user= (an id or username) and ?opportunity= filter them.
func (s *Sandbox) handleAdminNotifications(r *http.Request) (*reply, error) {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []notification{}
	for _, n := range sortedValues(s.st.Notes, noteKey) {
		if o := q.Get("opportunity"); o != "" && n.OpportunityID != o {
			continue
		}
		for _, c := range n.Comments {
			for _, id := range c.Mentions {
				u := s.st.Users[id]
				if u == nil {
					continue
				}
				if want := q.Get("user"); want != "" && want != u.ID && !strings.EqualFold(want, u.Username) {
					continue
				}
				out = append(out, notification{UserID: u.ID, Username: u.Username, OpportunityID: n.OpportunityID, NoteID: n.ID, CreatedAt: c.CreatedAt, Value: c.Value})
			}
		}
	}
	return &reply{status: http.StatusOK, body: map[string]any{"data": out}}, nil
}
