package lever

import (
	"bytes"
	"encoding/json"
)

// Opportunity is one candidacy of a contact (a person) in Lever's pipeline.
// Fields Lever can expand (contact, stage, owner, applications, followers)
// decode from either the bare id or the expanded object.
type Opportunity struct {
	ID              string           `json:"id"`
	Name            string           `json:"name"`
	Headline        string           `json:"headline"`
	Location        string           `json:"location"`
	Origin          string           `json:"origin"`          // agency, applied, internal, referred, sourced, university
	Confidentiality string           `json:"confidentiality"` // confidential or non-confidential
	Contact         ContactRef       `json:"contact"`
	Emails          []string         `json:"emails"`
	Links           []string         `json:"links"`
	Tags            []string         `json:"tags"`
	Sources         []string         `json:"sources"`
	Followers       []string         `json:"followers"` // user ids
	Phones          []Phone          `json:"phones"`
	Stage           StageRef         `json:"stage"`
	Owner           UserRef          `json:"owner"`
	Applications    []ApplicationRef `json:"applications"` // zero or one
	Archived        *Archived        `json:"archived"`     // nil when active
	StageChanges    []StageChange    `json:"stageChanges"`
	CreatedAt       Millis           `json:"createdAt"`
	UpdatedAt       Millis           `json:"updatedAt"`
	LastAdvancedAt  Millis           `json:"lastAdvancedAt"`
	URLs            struct {
		List string `json:"list"`
		Show string `json:"show"`
	} `json:"urls"`
	IsAnonymized bool   `json:"isAnonymized"`
	DeletedAt    Millis `json:"deletedAt,omitempty"` // only on deleted opportunities
	DeletedBy    string `json:"deletedBy,omitempty"` // user id; only on deleted opportunities
}

// PostingID returns the id of the posting the opportunity applied to. It is
// known only when the opportunity was fetched with expand "applications";
// otherwise, or when there is no application, it is "".
func (o *Opportunity) PostingID() string {
	if len(o.Applications) == 0 {
		return ""
	}
	return o.Applications[0].Posting
}

// UnmarshalJSON decodes tolerantly: expanded followers become ids, and the
// legacy flat archivedAt/archiveReason fields fill Archived when the archived
// object is absent.
func (o *Opportunity) UnmarshalJSON(b []byte) error {
	type plain Opportunity
	aux := struct {
		*plain
		Followers     idList    `json:"followers"`
		DeletedBy     idString  `json:"deletedBy"`
		IsAnonymized  flexBool  `json:"isAnonymized"`
		ArchivedAt    Millis    `json:"archivedAt"`
		ArchiveReason *idString `json:"archiveReason"`
	}{plain: (*plain)(o)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	o.Followers = aux.Followers
	o.DeletedBy = string(aux.DeletedBy)
	o.IsAnonymized = bool(aux.IsAnonymized)
	if o.Archived == nil && aux.ArchiveReason != nil && *aux.ArchiveReason != "" {
		o.Archived = &Archived{ArchivedAt: aux.ArchivedAt, Reason: string(*aux.ArchiveReason)}
	}
	return nil
}

// Archived is an opportunity's archive state.
type Archived struct {
	ArchivedAt Millis `json:"archivedAt"`
	Reason     string `json:"reason"` // archive reason id
}

// UnmarshalJSON accepts the reason as an id or an expanded object.
func (a *Archived) UnmarshalJSON(b []byte) error {
	var aux struct {
		ArchivedAt Millis   `json:"archivedAt"`
		Reason     idString `json:"reason"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*a = Archived{ArchivedAt: aux.ArchivedAt, Reason: string(aux.Reason)}
	return nil
}

// Phone is a phone number with its kind (mobile, home, work, skype, other).
type Phone struct {
	Type  string `json:"type,omitempty"`
	Value string `json:"value"`
}

// StageChange is one entry of an opportunity's stage history.
type StageChange struct {
	ToStageID    string `json:"toStageId"`
	ToStageIndex int    `json:"toStageIndex"`
	UserID       string `json:"userId"`
	UpdatedAt    Millis `json:"updatedAt"`
}

// UnmarshalJSON tolerates a quoted stage index.
func (s *StageChange) UnmarshalJSON(b []byte) error {
	type plain StageChange
	aux := struct {
		*plain
		ToStageIndex flexInt64 `json:"toStageIndex"`
		UserID       idString  `json:"userId"`
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	s.ToStageIndex = int(aux.ToStageIndex)
	s.UserID = string(aux.UserID)
	return nil
}

// ContactRef is an opportunity's contact: the id, plus name and e-mails when
// the opportunity was fetched with expand "contact".
type ContactRef struct {
	ID     string   `json:"id"`
	Name   string   `json:"name,omitempty"`
	Emails []string `json:"emails,omitempty"`
}

// UnmarshalJSON accepts an id string or an expanded contact object.
func (r *ContactRef) UnmarshalJSON(b []byte) error {
	type plain ContactRef
	return decodeRef(b, &r.ID, (*plain)(r))
}

// StageRef is a stage: the id, plus its text when expanded.
type StageRef struct {
	ID   string `json:"id"`
	Text string `json:"text,omitempty"`
}

// UnmarshalJSON accepts an id string or an expanded {id,text} object.
func (r *StageRef) UnmarshalJSON(b []byte) error {
	type plain StageRef
	return decodeRef(b, &r.ID, (*plain)(r))
}

// UserRef is a Lever user: the id, plus name, e-mail and username when
// expanded.
type UserRef struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Username string `json:"username,omitempty"`
}

// UnmarshalJSON accepts an id string or an expanded user object.
func (r *UserRef) UnmarshalJSON(b []byte) error {
	type plain UserRef
	return decodeRef(b, &r.ID, (*plain)(r))
}

// ApplicationRef is an opportunity's application: the id, plus the posting id
// and the application type (posting, user, referral) when expanded.
type ApplicationRef struct {
	ID      string `json:"id"`
	Posting string `json:"posting,omitempty"` // posting id
	Type    string `json:"type,omitempty"`
}

// UnmarshalJSON accepts an id string or an expanded application object (whose
// posting may itself be an id or an object).
func (r *ApplicationRef) UnmarshalJSON(b []byte) error {
	if !isObject(b) {
		return decodeRef(b, &r.ID, nil)
	}
	var aux struct {
		ID      string   `json:"id"`
		Posting idString `json:"posting"`
		Type    string   `json:"type"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = ApplicationRef{ID: aux.ID, Posting: string(aux.Posting), Type: aux.Type}
	return nil
}

// decodeRef decodes an expandable reference: a JSON string goes to *id, an
// object into obj, null leaves both empty.
func decodeRef(b []byte, id *string, obj any) error {
	b = bytes.TrimSpace(b)
	switch {
	case isNull(b):
		return nil
	case b[0] == '{' && obj != nil:
		return json.Unmarshal(b, obj)
	default:
		return json.Unmarshal(b, id)
	}
}
