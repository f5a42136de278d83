package leversandbox

import (
	"net/http"
	"slices"
	"strings"
)

func userKey(u *user) (int64, string) { return u.CreatedAt, u.ID }

func (s *Sandbox) handleUserList(r *http.Request, _ *credential) (*reply, error) {
	q := r.URL.Query()
	withDeactivated, err := boolParam(q, "includeDeactivated")
	if err != nil {
		return nil, err
	}
	roles := multiExact(q, "accessRole")
	email := q.Get("email")
	extID := q.Get("external_directory_id")
	var list []*user
	for _, u := range sortedValues(s.st.Users, userKey) {
		switch {
		case u.DeactivatedAt != nil && (withDeactivated == nil || !*withDeactivated):
		case email != "" && canonicalEmail(u.Email) != email:
		case len(roles) > 0 && !slices.Contains(roles, u.AccessRole):
		case extID != "" && (u.ExternalDirectoryID == nil || *u.ExternalDirectoryID != extID):
		default:
			list = append(list, u)
		}
	}
	items, p, err := paginate(s, r, list, userKey)
	if err != nil {
		return nil, err
	}
	return listReply(nonNil(items), p), nil
}

func (s *Sandbox) userFor(r *http.Request) (*user, error) {
	id := r.PathValue("user")
	u := s.st.Users[id]
	if u == nil {
		return nil, errNotFound("users", id)
	}
	return u, nil
}

func (s *Sandbox) handleUserGet(r *http.Request, _ *credential) (*reply, error) {
	u, err := s.userFor(r)
	if err != nil {
		return nil, err
	}
	return ok(u), nil
}

type userInput struct {
	Name                string  `json:"name"`
	Email               string  `json:"email"`
	AccessRole          string  `json:"accessRole"`
	ExternalDirectoryID *string `json:"externalDirectoryId"`
	JobTitle            *string `json:"jobTitle"`
	ManagerID           *string `json:"managerId"`
}

// apply validates in and writes it into u (a full replacement of these
// fields). self is u's own id, "" for a new user.
func (s *Sandbox) applyUser(u *user, in userInput, self string) error {
	if strings.TrimSpace(in.Name) == "" {
		return errBadRequest("name is required")
	}
	if !strings.Contains(in.Email, "@") {
		return errBadRequest("email is required and must be an e-mail address")
	}
	for _, other := range s.st.Users {
		if other.ID != self && canonicalEmail(other.Email) == canonicalEmail(in.Email) {
			return errBadRequest("a user with e-mail %s already exists", in.Email)
		}
	}
	if in.AccessRole == "" {
		in.AccessRole = roleInterviewer
	}
	if !slices.Contains(accessRoles, in.AccessRole) {
		return errBadRequest("accessRole must be one of %s, got %q", strings.Join(accessRoles, ", "), in.AccessRole)
	}
	if in.ManagerID != nil && s.st.Users[*in.ManagerID] == nil {
		return errBadRequest("managerId %s was not found", *in.ManagerID)
	}
	u.Name, u.Email, u.AccessRole = in.Name, in.Email, in.AccessRole
	u.Username = strings.Split(in.Email, "@")[0]
	u.ExternalDirectoryID, u.JobTitle, u.ManagerID = in.ExternalDirectoryID, in.JobTitle, in.ManagerID
	return nil
}

func (s *Sandbox) handleUserCreate(r *http.Request, _ *credential) (*reply, error) {
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	u := &user{ID: newID(), CreatedAt: s.now(), LinkedContactIDs: []string{}}
	if err := s.applyUser(u, in, ""); err != nil {
		return nil, err
	}
	s.st.Users[u.ID] = u
	return created(u), nil
}

func (s *Sandbox) handleUserUpdate(r *http.Request, _ *credential) (*reply, error) {
	u, err := s.userFor(r)
	if err != nil {
		return nil, err
	}
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		return nil, err
	}
	if in.AccessRole == "" {
		return nil, errBadRequest("accessRole is required")
	}
	next := *u
	if err := s.applyUser(&next, in, u.ID); err != nil {
		return nil, err
	}
	*u = next
	return ok(u), nil
}

func (s *Sandbox) handleUserDeactivate(r *http.Request, _ *credential) (*reply, error) {
	u, err := s.userFor(r)
	if err != nil {
		return nil, err
	}
	if u.DeactivatedAt == nil {
		u.DeactivatedAt = ptr(s.now())
	}
	return ok(u), nil
}

func (s *Sandbox) handleUserReactivate(r *http.Request, _ *credential) (*reply, error) {
	u, err := s.userFor(r)
	if err != nil {
		return nil, err
	}
	u.DeactivatedAt = nil
	return ok(u), nil
}
