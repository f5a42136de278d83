package greenhouseats

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"stagecoach/internal/ats"
)

// Greenhouse's webhook events (event_action_type) the port's kinds are
// registered as. Greenhouse has one event per webhook and no interview
// created or updated event.
var ghEvents = map[ats.EventKind]string{
	ats.EventApplicationCreated: "new_candidate_application",
	ats.EventStageChanged:       "candidate_stage_change",
	ats.EventArchived:           "reject_candidate",
	ats.EventHired:              "hire_candidate",
	ats.EventDeleted:            "delete_application",
	ats.EventInterviewDeleted:   "interview_deleted",
}

// GreenhouseEvent returns the Greenhouse event a kind is registered as
// ("" for none: Greenhouse sends no interview.created or interview.updated).
func GreenhouseEvent(kind ats.EventKind) string { return ghEvents[kind] }

// kindOf maps a delivery's action to the port's kind. Besides the
// registered events: unreject_candidate is an archive change (restored),
// delete_candidate deletes each of the candidate's applications.
func kindOf(action string) (ats.EventKind, bool) {
	switch action {
	case "unreject_candidate":
		return ats.EventArchived, true
	case "delete_candidate":
		return ats.EventDeleted, true
	}
	for k, e := range ghEvents {
		if e == action {
			return k, true
		}
	}
	return "", false
}

// RegisterWebhook creates a Greenhouse webhook for the kind's event with a
// new random secret key (Greenhouse never shows it again) and up to 7
// attempts, Greenhouse's documented schedule. Only a partner (authorization
// code) connection may: otherwise ErrRefused, and an admin enters the
// webhook in Configure > Dev Center > Web Hooks.
func (d *Driver) RegisterWebhook(ctx context.Context, url string, kind ats.EventKind) (*ats.Webhook, error) {
	const op = "greenhouse: register webhook"
	if !d.Capabilities().WebhooksAPI {
		return nil, refused(op, "Greenhouse's webhooks API is for partner (authorization-code) connections; enter the webhook in Configure > Dev Center > Web Hooks")
	}
	event := ghEvents[kind]
	if event == "" {
		return nil, refused(op, "Greenhouse has no webhook event for %q", kind)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(b)
	var out struct {
		ID int64 `json:"id"`
	}
	_, err := d.c.do(ctx, http.MethodPost, "/v3/webhooks", map[string]any{
		"endpoint_url": url, "name": "stagecoach " + string(kind), "event_action_type": event,
		"secret_key": secret, "max_attempts": 7,
	}, &out)
	if err != nil {
		return nil, mapErr(op, err)
	}
	return &ats.Webhook{ID: itoa(out.ID), URL: url, Kind: kind, Secret: secret}, nil
}

// DeleteWebhook deletes a webhook RegisterWebhook made.
func (d *Driver) DeleteWebhook(ctx context.Context, id string) error {
	const op = "greenhouse: delete webhook"
	n, err := parseID(op, "webhook", id)
	if err != nil {
		return err
	}
	_, err = d.c.do(ctx, http.MethodDelete, "/v3/webhooks/"+itoa(n), nil, nil)
	return mapErr(op, err)
}

// ghDelivery is the envelope Greenhouse posts: {"action", "payload"}.
type ghDelivery struct {
	Action  string `json:"action"`
	Payload struct {
		Application *struct {
			ID             int64  `json:"id"`
			CandidateID    int64  `json:"candidate_id"`
			LastActivityAt string `json:"last_activity_at"`
			RejectedAt     string `json:"rejected_at"`
			CurrentStage   *struct {
				ID int64 `json:"id"`
			} `json:"current_stage"`
			Candidate *struct {
				ID int64 `json:"id"`
			} `json:"candidate"`
		} `json:"application"`
		Person *struct {
			ID                    int64   `json:"id"`
			DeletedApplicationIDs []int64 `json:"deleted_application_ids"`
		} `json:"person"`
		Interview *struct {
			ID int64 `json:"id"`
		} `json:"interview"`
	} `json:"payload"`
}

// verify checks a Signature header ("sha256 " and the lowercase hex
// HMAC-SHA256 of the raw body) against each secret in constant time.
func verify(sig string, body []byte, secrets []string) bool {
	hexSum, ok := strings.CutPrefix(sig, "sha256 ")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil || len(got) != sha256.Size {
		return false
	}
	signed := false
	for _, s := range secrets {
		if s == "" {
			continue
		}
		m := hmac.New(sha256.New, []byte(s))
		m.Write(body)
		if hmac.Equal(m.Sum(nil), got) {
			signed = true // no early return: each secret costs the same
		}
	}
	return signed
}

// ReadWebhook verifies a Greenhouse delivery (the Signature header over
// the raw body, with the webhook secrets of the action's kind) and parses
// it. The delivery id is the SHA-256 of the signed body: a retry resends
// the same body and so has the same id, while Greenhouse-Event-ID is not
// covered by the signature (a replay could change it). The creation ping
// (action "ping", and any action the port has no kind for) verifies
// against the secrets for kind "" and carries no events.
func (d *Driver) ReadWebhook(header http.Header, body []byte, secrets ats.WebhookSecrets) (*ats.Delivery, error) {
	const op = "greenhouse: read webhook"
	invalid := func(err error) (*ats.Delivery, error) {
		return nil, &ats.Error{Kind: ats.ErrInvalidWebhook, Op: op, Cause: err}
	}
	var env ghDelivery
	if err := json.Unmarshal(body, &env); err != nil {
		return invalid(fmt.Errorf("the body is not Greenhouse's JSON envelope: %w", err))
	}
	if env.Action == "" {
		return invalid(errors.New(`field "action" is missing`))
	}
	kind, known := kindOf(env.Action)
	var keys []string
	if secrets != nil {
		keys = secrets(kind)
	}
	if !verify(header.Get("Signature"), body, keys) {
		return invalid(fmt.Errorf("no webhook secret of the account signs this %s delivery (Signature: sha256 <hex> over the raw body)", env.Action))
	}
	sum := sha256.Sum256(body)
	del := &ats.Delivery{ID: "gh:" + hex.EncodeToString(sum[:]), At: time.Now().UTC(), Test: env.Action == "ping"}
	if !known {
		return del, nil
	}
	var raw struct {
		Payload json.RawMessage `json:"payload"`
	}
	_ = json.Unmarshal(body, &raw) // parsed once above
	p := env.Payload
	base := ats.Event{Kind: kind, Native: env.Action, Data: []byte(raw.Payload)}
	switch {
	case p.Application != nil:
		a := p.Application
		if t, err := time.Parse(time.RFC3339Nano, a.LastActivityAt); err == nil {
			del.At = t
		}
		e := base
		e.ApplicationID = itoa(a.ID)
		e.CandidateID = itoa(a.CandidateID)
		if a.Candidate != nil && a.Candidate.ID != 0 {
			e.CandidateID = itoa(a.Candidate.ID)
		}
		if kind == ats.EventStageChanged && a.CurrentStage != nil {
			e.ToStageID = itoa(a.CurrentStage.ID)
		}
		if kind == ats.EventArchived {
			archived := env.Action == "reject_candidate"
			e.Archived = &archived
		}
		del.Events = []ats.Event{e}
	case p.Person != nil && kind == ats.EventDeleted:
		for _, id := range p.Person.DeletedApplicationIDs {
			e := base
			e.ApplicationID, e.CandidateID = itoa(id), itoa(p.Person.ID)
			del.Events = append(del.Events, e)
		}
	case p.Interview != nil && kind == ats.EventInterviewDeleted:
		e := base
		e.InterviewID = itoa(p.Interview.ID)
		del.Events = []ats.Event{e}
	default:
		return invalid(fmt.Errorf("the %s delivery has no payload the driver knows", env.Action))
	}
	return del, nil
}
