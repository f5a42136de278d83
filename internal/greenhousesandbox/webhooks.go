package greenhousesandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// eventActionTypes are the webhook events Greenhouse has (one per webhook).
var eventActionTypes = []string{"application_updated", "candidate_anonymized", "candidate_stage_change",
	"delete_application", "delete_candidate", "department_deleted", "hire_candidate", "interview_deleted",
	"job_approved", "job_created", "job_deleted", "job_interview_stage_deleted", "job_post_created",
	"job_post_deleted", "job_post_updated", "job_updated", "merge_candidate", "new_candidate_application",
	"new_prospect_application", "offer_approved", "offer_created", "offer_deleted", "offer_updated",
	"office_deleted", "reject_candidate", "unhire_candidate", "unreject_candidate", "update_candidate"}

// Sign returns the Signature header Greenhouse sends with body: "sha256 "
// and the lowercase hex HMAC-SHA256 of the raw body with the webhook's
// secret key.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256 " + hex.EncodeToString(m.Sum(nil))
}

// webhookApplication is the payload of the application events: the
// application with its current stage, job and candidate. The caller holds
// s.mu.
func (s *Sandbox) webhookApplication(a *application) map[string]any {
	var stage any
	if st := s.st.stage(a.StageID); st != nil {
		stage = map[string]any{"id": st.ID, "name": st.Name, "application_id": a.ID}
	}
	var jobs []any
	if j := s.st.job(a.JobID); j != nil {
		jobs = append(jobs, map[string]any{"id": j.ID, "name": j.Name, "requisition_id": nil, "status": j.Status})
	}
	cand := map[string]any{}
	if c := s.st.candidate(a.CandidateID); c != nil {
		var emails []any
		for _, e := range c.Emails {
			emails = append(emails, map[string]any{"value": e.Value, "type": e.Type})
		}
		cand = map[string]any{"id": c.ID, "first_name": c.FirstName, "last_name": c.LastName,
			"email_addresses": emails, "tags": s.st.tagNames(c.ID)}
	}
	var reason any
	if a.RejectionID != 0 {
		for _, r := range s.st.reasons {
			if r.ID == a.RejectionID {
				reason = map[string]any{"id": r.ID, "name": r.Name, "type": map[string]any{"name": r.Type}}
			}
		}
	}
	return map[string]any{"application": map[string]any{
		"id": a.ID, "status": a.Status, "prospect": false, "applied_at": ts(a.CreatedAt), "rejected_at": tsPtr(a.RejectedAt),
		"last_activity_at": ts(a.UpdatedAt), "current_stage": stage, "jobs": jobs, "candidate": cand,
		"rejection_reason": reason, "custom_fields": map[string]any{},
	}}
}

// dispatcher delivers webhooks, retrying failures on the configured
// schedule.
type dispatcher struct {
	s      *Sandbox
	client *http.Client
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// mu guards seq and stopped: no delivery starts once stop has begun.
	mu      sync.Mutex
	seq     int64
	stopped bool
}

func newDispatcher(s *Sandbox) *dispatcher {
	ctx, cancel := context.WithCancel(context.Background())
	return &dispatcher{s: s, client: &http.Client{Timeout: 30 * time.Second}, ctx: ctx, cancel: cancel}
}

func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
}

// fire sends action with payload to every active webhook of that event.
// The caller holds s.mu.
func (d *dispatcher) fire(action string, payload map[string]any) {
	body, err := json.Marshal(map[string]any{"action": action, "payload": payload})
	if err != nil {
		return
	}
	for _, h := range d.s.st.webhooks {
		if h.Deactivated || h.EventActionType != action {
			continue
		}
		d.deliver(*h, body)
	}
}

// deliver sends body to one webhook in the background: one attempt, then
// one per retry delay while the answer is not 200 (Greenhouse counts only
// 200 as delivered), capped by the webhook's max_attempts. Every attempt
// carries the same Greenhouse-Event-ID and the same signed body.
func (d *dispatcher) deliver(h webhook, body []byte) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	d.seq++
	eventID := strconv.FormatInt(time.Now().UnixNano(), 36) + "-" + strconv.FormatInt(d.seq, 10)
	d.wg.Add(1)
	d.mu.Unlock()
	delays := d.s.cfg.WebhookRetryDelays
	attempts := len(delays) + 1
	if h.MaxAttempts > 0 && h.MaxAttempts < attempts {
		attempts = h.MaxAttempts
	}
	go func() {
		defer d.wg.Done()
		for i := range attempts {
			if i > 0 {
				t := time.NewTimer(delays[i-1])
				select {
				case <-t.C:
				case <-d.ctx.Done():
					t.Stop()
					return
				}
			}
			if d.s.faults.chance(func(f faultSettings) float64 { return f.DropWebhookRate }) {
				continue
			}
			if d.post(h, eventID, body) == http.StatusOK {
				return
			}
		}
		d.s.log.Warn("webhook delivery failed", slog.Int64("webhook_id", h.ID), slog.Int("attempts", attempts))
	}()
}

func (d *dispatcher) post(h webhook, eventID string, body []byte) int {
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, h.EndpointURL, bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Greenhouse-Sandbox")
	req.Header.Set("Signature", Sign(h.SecretKey, body))
	req.Header.Set("Greenhouse-Event-ID", eventID)
	resp, err := d.client.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// ping sends a webhook's creation ping and reports whether it was
// answered with 200. Greenhouse does not document the ping's body; this
// one is {"action": "ping", "payload": {"web_hook_id": id}}.
func (d *dispatcher) ping(h webhook) bool {
	body, _ := json.Marshal(map[string]any{"action": "ping", "payload": map[string]any{"web_hook_id": h.ID}})
	return d.post(h, "ping-"+strconv.FormatInt(h.ID, 10), body) == http.StatusOK
}

func webhookJSON(h *webhook) map[string]any {
	return map[string]any{"id": h.ID, "name": h.Name, "endpoint_url": h.EndpointURL, "error_recipient_email": nil,
		"additional_headers": nil, "max_attempts": h.MaxAttempts, "last_delivered": nil, "event_action_type": h.EventActionType,
		"deactivated": h.Deactivated, "client_id": h.ClientID, "created_at": ts(h.CreatedAt), "updated_at": ts(h.UpdatedAt)}
}

// webhookInput is POST /v3/webhooks's body (no other fields allowed).
type webhookInput struct {
	EndpointURL         string `json:"endpoint_url"`
	Name                string `json:"name"`
	EventActionType     string `json:"event_action_type"`
	SecretKey           string `json:"secret_key"`
	MaxAttempts         *int   `json:"max_attempts"`
	Deactivated         bool   `json:"deactivated"`
	BasicAuthUsername   string `json:"basic_auth_username"`
	BasicAuthPassword   string `json:"basic_auth_password"`
	AdditionalHeaders   string `json:"additional_headers"`
	ErrorRecipientEmail string `json:"error_recipient_email"`
}

func (in webhookInput) check() *apiError {
	u, err := url.Parse(in.EndpointURL)
	if in.EndpointURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errField(http.StatusUnprocessableEntity, "endpoint_url", "endpoint_url must be an absolute URL")
	}
	if strings.TrimSpace(in.Name) == "" {
		return errField(http.StatusUnprocessableEntity, "name", "name is required")
	}
	if !slices.Contains(eventActionTypes, in.EventActionType) {
		return errField(http.StatusUnprocessableEntity, "event_action_type", "event_action_type %q is not one of Greenhouse's events", in.EventActionType)
	}
	if in.SecretKey == "" {
		return errField(http.StatusUnprocessableEntity, "secret_key", "secret_key is required")
	}
	if in.MaxAttempts == nil || *in.MaxAttempts < 1 {
		return errField(http.StatusUnprocessableEntity, "max_attempts", "max_attempts is required and must be at least 1")
	}
	return nil
}

// createWebhook is POST /v3/webhooks, for partner (authorization-code)
// tokens only: Greenhouse keeps the webhooks API to partners.
func (s *Sandbox) createWebhook(r *http.Request, g grant) (int, any, *apiError) {
	if !g.partner {
		return 0, nil, errStatus(http.StatusForbidden, "the webhooks API is exclusive to Greenhouse partners (authorization-code OAuth)")
	}
	var in webhookInput
	if err := decodeBody(r, &in); err != nil {
		return 0, nil, err.(*apiError)
	}
	if err := in.check(); err != nil {
		return 0, nil, err
	}
	now := s.now()
	h := &webhook{ID: s.st.id(), Name: in.Name, EndpointURL: in.EndpointURL, EventActionType: in.EventActionType,
		SecretKey: in.SecretKey, MaxAttempts: *in.MaxAttempts, Deactivated: in.Deactivated, ClientID: g.clientID, CreatedAt: now, UpdatedAt: now}
	s.st.webhooks = append(s.st.webhooks, h)
	return http.StatusCreated, webhookJSON(h), nil
}

func (s *Sandbox) deleteWebhook(r *http.Request, g grant) (int, any, *apiError) {
	if !g.partner {
		return 0, nil, errStatus(http.StatusForbidden, "the webhooks API is exclusive to Greenhouse partners (authorization-code OAuth)")
	}
	id, err := pathID(r)
	if err != nil {
		return 0, nil, err
	}
	i := slices.IndexFunc(s.st.webhooks, func(h *webhook) bool { return h.ID == id && h.ClientID == g.clientID })
	if i < 0 {
		return 0, nil, errNotFound("Webhook", id)
	}
	s.st.webhooks = slices.Delete(s.st.webhooks, i, i+1)
	return http.StatusOK, map[string]any{"message": "Webhook " + strconv.FormatInt(id, 10) + " deleted successfully"}, nil
}

func (s *Sandbox) listWebhooks(_ *http.Request, g grant, q url.Values) ([]any, *apiError) {
	if !g.partner {
		return nil, errStatus(http.StatusForbidden, "the webhooks API is exclusive to Greenhouse partners (authorization-code OAuth)")
	}
	f := newFilters(q, "event_action_type", "deactivated")
	ids, deact := f.ids("ids"), f.boolean("deactivated")
	if f.err != nil {
		return nil, f.err
	}
	var out []any
	for _, h := range s.st.webhooks {
		if h.ClientID != g.clientID || !match(ids, h.ID) || (deact != nil && *deact != h.Deactivated) {
			continue
		}
		if e := q.Get("event_action_type"); e != "" && e != h.EventActionType {
			continue
		}
		out = append(out, webhookJSON(h))
	}
	return out, nil
}
