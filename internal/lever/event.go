package lever

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// Webhook event names (reference §7.2).
const (
	EventApplicationCreated     = "applicationCreated"
	EventCandidateStageChange   = "candidateStageChange"
	EventCandidateArchiveChange = "candidateArchiveChange"
	EventCandidateHired         = "candidateHired"
	EventCandidateDeleted       = "candidateDeleted"
	EventInterviewCreated       = "interviewCreated"
	EventInterviewUpdated       = "interviewUpdated"
	EventInterviewDeleted       = "interviewDeleted"
	EventContactCreated         = "contactCreated"
	EventContactUpdated         = "contactUpdated"
)

// Events lists all ten webhook event names.
var Events = []string{
	EventApplicationCreated,
	EventCandidateStageChange,
	EventCandidateArchiveChange,
	EventCandidateHired,
	EventCandidateDeleted,
	EventInterviewCreated,
	EventInterviewUpdated,
	EventInterviewDeleted,
	EventContactCreated,
	EventContactUpdated,
}

// Event is one webhook delivery from Lever. Lever puts everything in the JSON
// body, the signature included; there is no signature header.
type Event struct {
	ID          string          // event id; optional, often absent
	Event       string          // one of Events
	TriggeredAt int64           // ms since the epoch
	Token       string          // random per delivery; signed together with TriggeredAt
	Signature   string          // lowercase hex HMAC-SHA256; empty when the webhook has no signing token
	Data        json.RawMessage // event payload, kept raw; see Payload
}

// ParseEvent decodes a webhook body. It fails, naming the field, when the
// body is not a JSON object, when event is missing or not one of Events, when
// triggeredAt is missing or not an integer, or when a field has the wrong
// type. triggeredAt is read as an integer, never through float64, because
// the signature covers its exact decimal digits.
func ParseEvent(body []byte) (*Event, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("lever: parse event: body is not a JSON object: %w", err)
	}
	if raw == nil {
		return nil, errors.New("lever: parse event: body is not a JSON object")
	}
	var e Event
	str := func(name string, dst *string, required bool) error {
		v, ok := raw[name]
		if !ok || isNull(v) {
			if required {
				return fmt.Errorf("lever: parse event: field %q is missing", name)
			}
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("lever: parse event: field %q must be a string", name)
		}
		return nil
	}
	if err := str("id", &e.ID, false); err != nil {
		return nil, err
	}
	if err := str("event", &e.Event, true); err != nil {
		return nil, err
	}
	if !slices.Contains(Events, e.Event) {
		return nil, fmt.Errorf("lever: parse event: field \"event\": unknown event %q", e.Event)
	}
	if err := str("token", &e.Token, false); err != nil {
		return nil, err
	}
	if err := str("signature", &e.Signature, false); err != nil {
		return nil, err
	}
	ts, ok := raw["triggeredAt"]
	if !ok || isNull(ts) {
		return nil, errors.New("lever: parse event: field \"triggeredAt\" is missing")
	}
	n, err := parseTriggeredAt(ts)
	if err != nil {
		return nil, fmt.Errorf("lever: parse event: field \"triggeredAt\": %w", err)
	}
	e.TriggeredAt = n
	if d, ok := raw["data"]; ok && !isNull(d) {
		if !isObject(d) {
			return nil, errors.New("lever: parse event: field \"data\" must be an object")
		}
		e.Data = append(json.RawMessage(nil), bytes.TrimSpace(d)...)
	}
	return &e, nil
}

// parseTriggeredAt accepts a JSON integer, or a string of decimal digits.
// Fractions and exponents are refused: their digits are not the ones Lever
// signed.
func parseTriggeredAt(b []byte) (int64, error) {
	s := string(bytes.TrimSpace(b))
	if len(s) > 0 && s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
	}
	if s == "" || !isDigits(s) {
		return 0, fmt.Errorf("%s is not an integer of milliseconds", b)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s is out of range", b)
	}
	return n, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Sign returns the signature Lever puts on a delivery: the lowercase hex
// HMAC-SHA256, keyed with the webhook's signature token, of token followed
// by the decimal digits of triggeredAt (no separator).
func Sign(signingToken, token string, triggeredAt int64) string {
	return hex.EncodeToString(mac(signingToken, token, triggeredAt))
}

func mac(signingToken, token string, triggeredAt int64) []byte {
	m := hmac.New(sha256.New, []byte(signingToken))
	m.Write([]byte(token))
	m.Write(strconv.AppendInt(nil, triggeredAt, 10))
	return m.Sum(nil)
}

// VerifySignature reports whether e carries a valid signature for
// signingToken, comparing in constant time. It is false when the signature
// or the signing token is empty, and for anything but a hex digest.
func (e *Event) VerifySignature(signingToken string) bool {
	if e.Signature == "" || signingToken == "" {
		return false
	}
	got, err := hex.DecodeString(e.Signature)
	if err != nil {
		return false
	}
	return hmac.Equal(got, mac(signingToken, e.Token, e.TriggeredAt))
}

// IsVerification reports whether e is Lever's test request from the webhook
// settings page, recognisable by an empty data object.
func (e *Event) IsVerification() bool {
	if isNull(e.Data) {
		return true
	}
	var m map[string]json.RawMessage
	return json.Unmarshal(e.Data, &m) == nil && len(m) == 0
}

// EventData is the payload of an event: a bag of optional ids. Which ids are
// set depends on the event. Lever's documentation shows only
// candidateStageChange's (opportunityId, candidateId, contactId, toStageId,
// fromStageId); ToArchived, FromArchived, InterviewID, PanelID and DeletedBy
// are seen in third-party code only. Handlers must re-read the objects
// through the API rather than act on them (the engine's confirmEvent).
type EventData struct {
	OpportunityID string    `json:"opportunityId"`
	CandidateID   string    `json:"candidateId"` // deprecated; equals OpportunityID for migrated data
	ContactID     string    `json:"contactId"`
	ApplicationID string    `json:"applicationId"`
	ToStageID     string    `json:"toStageId"`
	FromStageID   string    `json:"fromStageId"`
	InterviewID   string    `json:"interviewId"`
	PanelID       string    `json:"panelId"`
	DeletedBy     string    `json:"deletedBy"`
	ToArchived    *Archived `json:"toArchived"`
	FromArchived  *Archived `json:"fromArchived"`
}

// Payload decodes e.Data. An empty payload (the test request) gives zero
// EventData.
func (e *Event) Payload() (EventData, error) {
	var d EventData
	if isNull(e.Data) {
		return d, nil
	}
	var aux struct {
		EventData
		OpportunityID idString `json:"opportunityId"`
		CandidateID   idString `json:"candidateId"`
		ContactID     idString `json:"contactId"`
		ApplicationID idString `json:"applicationId"`
		ToStageID     idString `json:"toStageId"`
		FromStageID   idString `json:"fromStageId"`
		InterviewID   idString `json:"interviewId"`
		PanelID       idString `json:"panelId"`
		DeletedBy     idString `json:"deletedBy"`
	}
	if err := json.Unmarshal(e.Data, &aux); err != nil {
		return d, fmt.Errorf("lever: %s event: decode data: %w", e.Event, err)
	}
	d = aux.EventData
	d.OpportunityID, d.CandidateID, d.ContactID = string(aux.OpportunityID), string(aux.CandidateID), string(aux.ContactID)
	d.ApplicationID, d.ToStageID, d.FromStageID = string(aux.ApplicationID), string(aux.ToStageID), string(aux.FromStageID)
	d.InterviewID, d.PanelID, d.DeletedBy = string(aux.InterviewID), string(aux.PanelID), string(aux.DeletedBy)
	return d, nil
}

// OpportunityID returns the opportunity the event is about: data.opportunityId,
// or the deprecated data.candidateId when that is all there is; "" when
// neither is present or the payload does not decode.
func (e *Event) OpportunityID() string {
	d, err := e.Payload()
	if err != nil {
		return ""
	}
	if d.OpportunityID != "" {
		return d.OpportunityID
	}
	return d.CandidateID
}
