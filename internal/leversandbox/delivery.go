package leversandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// The webhook events Lever fires.
const (
	eventApplicationCreated = "applicationCreated"
	eventHired              = "candidateHired"
	eventStageChange        = "candidateStageChange"
	eventArchiveChange      = "candidateArchiveChange"
	eventDeleted            = "candidateDeleted"
	eventInterviewCreated   = "interviewCreated"
	eventInterviewUpdated   = "interviewUpdated"
	eventInterviewDeleted   = "interviewDeleted"
	eventContactCreated     = "contactCreated"
	eventContactUpdated     = "contactUpdated"
)

var webhookEvents = []string{
	eventApplicationCreated, eventHired, eventStageChange, eventArchiveChange, eventDeleted,
	eventInterviewCreated, eventInterviewUpdated, eventInterviewDeleted, eventContactCreated, eventContactUpdated,
}

// conditionalEvents accept configuration.conditions.origins.
var conditionalEvents = []string{eventApplicationCreated, eventArchiveChange, eventHired, eventStageChange}

// maxDeliveryLog is how many delivery attempts the log keeps.
const maxDeliveryLog = 1000

// deliveryTimeout bounds one delivery attempt.
const deliveryTimeout = 10 * time.Second

// delivery is one event on its way to one webhook.
type delivery struct {
	eventID     string
	event       string
	triggeredAt int64
	data        json.RawMessage
	webhookID   string
	url         string
	secret      string
	duplicate   bool
}

// envelope is the body Lever POSTs: the signature is a body field,
// HMAC-SHA256(signatureToken, token + decimal(triggeredAt)), lowercase hex.
type envelope struct {
	ID          string          `json:"id"`
	Event       string          `json:"event"`
	TriggeredAt int64           `json:"triggeredAt"`
	Token       string          `json:"token"`
	Signature   string          `json:"signature,omitempty"`
	Data        json.RawMessage `json:"data"`
}

// testEnvelope is the "verify connection" request: no id, empty data.
type testEnvelope struct {
	TriggeredAt int64          `json:"triggeredAt"`
	Event       string         `json:"event"`
	Data        map[string]any `json:"data"`
	Signature   string         `json:"signature,omitempty"`
	Token       string         `json:"token"`
}

// sign computes Lever's webhook signature; without a signing token there is
// none (the body then has no signature field).
func sign(signatureToken, token string, triggeredAt int64) string {
	if signatureToken == "" {
		return ""
	}
	mac := hmac.New(sha256.New, []byte(signatureToken))
	mac.Write([]byte(token + strconv.FormatInt(triggeredAt, 10)))
	return hex.EncodeToString(mac.Sum(nil))
}

// deliveryRecord is one attempt in the delivery log.
type deliveryRecord struct {
	ID          string          `json:"id"`
	EventID     string          `json:"eventId,omitempty"`
	Event       string          `json:"event"`
	WebhookID   string          `json:"webhookId"`
	URL         string          `json:"url"`
	Attempt     int             `json:"attempt"`
	TriggeredAt int64           `json:"triggeredAt"`
	Token       string          `json:"token"`
	SentAt      int64           `json:"sentAt"`
	DurationMs  int64           `json:"durationMs"`
	Status      int             `json:"status"`
	OK          bool            `json:"ok"`
	Outcome     string          `json:"outcome"` // delivered, retrying, failed, cancelled
	Error       string          `json:"error,omitempty"`
	Dropped     bool            `json:"dropped,omitempty"`
	Duplicate   bool            `json:"duplicate,omitempty"`
	Test        bool            `json:"test,omitempty"`
	Request     json.RawMessage `json:"request"`
	Response    string          `json:"response,omitempty"`
}

// fire queues event for every webhook subscribed to it, when the event's
// group is enabled and the origin condition (for the four configurable
// events) holds. The caller holds s.mu; delivery happens elsewhere.
func (s *Sandbox) fire(event, origin string, data any) {
	if !s.st.WebhookGroups[event] {
		return
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return
	}
	eventID, at := newID(), s.now()
	for _, wh := range sortedValues(s.st.Webhooks, func(w *webhook) (int64, string) { return w.CreatedAt, w.ID }) {
		if wh.Event != event {
			continue
		}
		if len(wh.Origins) > 0 && slices.Contains(conditionalEvents, event) && !slices.Contains(wh.Origins, origin) {
			continue
		}
		d := &delivery{eventID: eventID, event: event, triggeredAt: at, data: raw, webhookID: wh.ID, url: wh.URL, secret: s.signingToken(wh)}
		s.hooks.enqueue(d)
		if s.faults.chance(func(f faultSettings) float64 { return f.DuplicateWebhookRate }) {
			dup := *d
			dup.duplicate = true
			s.hooks.enqueue(&dup)
		}
	}
}

// signingToken is the key wh's deliveries are signed with: its own token
// for a webhook created through the API, its event group's token for one
// added in the settings page ("" until a Super Admin generates it). The
// caller holds s.mu.
func (s *Sandbox) signingToken(wh *webhook) string {
	if wh.Page {
		return s.st.WebhookTokens[wh.Event]
	}
	return wh.Token
}

// dispatcher delivers webhooks asynchronously: one FIFO queue and worker per
// webhook for first attempts, and a goroutine per delivery that is being
// retried.
type dispatcher struct {
	s      *Sandbox
	client *http.Client

	mu      sync.Mutex
	ctx     context.Context
	cancel  context.CancelFunc
	queues  map[string]*deliveryQueue
	stopped bool
	wg      sync.WaitGroup

	logMu sync.Mutex
	log   []deliveryRecord
}

type deliveryQueue struct {
	items []*delivery
	wake  chan struct{}
}

func newDispatcher(s *Sandbox) *dispatcher {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	d := &dispatcher{
		s: s,
		client: &http.Client{
			Transport: tr,
			// Lever does not follow redirects: a 3xx is a failed delivery.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		queues: map[string]*deliveryQueue{},
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	return d
}

func (d *dispatcher) enqueue(job *delivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	q := d.queues[job.webhookID]
	if q == nil {
		q = &deliveryQueue{wake: make(chan struct{}, 1)}
		d.queues[job.webhookID] = q
		d.wg.Add(1)
		go d.work(d.ctx, q)
	}
	q.items = append(q.items, job)
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) work(ctx context.Context, q *deliveryQueue) {
	defer d.wg.Done()
	for {
		d.mu.Lock()
		if len(q.items) == 0 {
			d.mu.Unlock()
			select {
			case <-q.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		job := q.items[0]
		q.items = q.items[1:]
		d.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
		delays := d.s.cfg.WebhookRetryDelays
		if d.attempt(ctx, job, 1, len(delays) == 0) {
			continue
		}
		if len(delays) > 0 {
			d.wg.Add(1)
			go d.retry(ctx, job, delays)
		}
	}
}

// retry makes the remaining attempts, each after its delay.
func (d *dispatcher) retry(ctx context.Context, job *delivery, delays []time.Duration) {
	defer d.wg.Done()
	for i, delay := range delays {
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if d.attempt(ctx, job, i+2, i == len(delays)-1) {
			return
		}
	}
}

// attempt sends job once, with a fresh token, and logs the attempt. It
// reports success (a 2xx answer).
func (d *dispatcher) attempt(ctx context.Context, job *delivery, n int, last bool) bool {
	token := randomHex(24)
	body, _ := json.Marshal(envelope{
		ID: job.eventID, Event: job.event, TriggeredAt: job.triggeredAt, Token: token,
		Signature: sign(job.secret, token, job.triggeredAt), Data: job.data,
	})
	rec := deliveryRecord{
		ID: newID(), EventID: job.eventID, Event: job.event, WebhookID: job.webhookID, URL: job.url,
		Attempt: n, TriggeredAt: job.triggeredAt, Token: token, SentAt: d.s.now(),
		Duplicate: job.duplicate, Request: body,
	}
	// A group switched off after the event fired delivers nothing more.
	d.s.mu.Lock()
	on := d.s.st.WebhookGroups[job.event]
	d.s.mu.Unlock()
	if !on {
		rec.Outcome = "cancelled"
		rec.Error = "not sent: the " + eventLabel(job.event) + " group is switched off"
		d.record(rec)
		return true
	}
	start := time.Now()
	if d.s.faults.chance(func(f faultSettings) float64 { return f.DropWebhookRate }) {
		rec.Dropped = true
		rec.Error = "not sent (injected fault)"
	} else {
		rec.Status, rec.Response, rec.Error = d.post(ctx, job.url, body)
	}
	rec.DurationMs = time.Since(start).Milliseconds()
	rec.OK = rec.Status >= 200 && rec.Status < 300
	switch {
	case rec.OK:
		rec.Outcome = "delivered"
	case last:
		rec.Outcome = "failed"
	default:
		rec.Outcome = "retrying"
	}
	d.record(rec)
	return rec.OK
}

// post sends one webhook request and returns the status (0 when no answer
// came), the start of the answer body and the transport error.
func (d *dispatcher) post(ctx context.Context, url string, body []byte) (int, string, string) {
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Lever-Webhooks")
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, "", err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), ""
}

func (d *dispatcher) record(rec deliveryRecord) {
	d.logMu.Lock()
	defer d.logMu.Unlock()
	d.log = append(d.log, rec)
	if len(d.log) > maxDeliveryLog {
		d.log = slices.Clone(d.log[len(d.log)-maxDeliveryLog:])
	}
}

func (d *dispatcher) records() []deliveryRecord {
	d.logMu.Lock()
	defer d.logMu.Unlock()
	return slices.Clone(d.log)
}

// verify sends the "verify connection" test request to wh and returns the
// receiver's status (0 when it did not answer).
func (d *dispatcher) verify(ctx context.Context, wh *webhook) (int, string) {
	token := randomHex(24)
	at := d.s.now()
	body, _ := json.Marshal(testEnvelope{
		TriggeredAt: at, Event: eventHired, Data: map[string]any{}, Signature: sign(wh.Token, token, at), Token: token,
	})
	start := time.Now()
	status, resp, errText := d.post(ctx, wh.URL, body)
	rec := deliveryRecord{
		ID: newID(), Event: eventHired, WebhookID: wh.ID, URL: wh.URL, Attempt: 1, TriggeredAt: at,
		Token: token, SentAt: at, DurationMs: time.Since(start).Milliseconds(), Status: status,
		OK: status >= 200 && status < 300, Error: errText, Test: true, Request: body, Response: resp,
	}
	rec.Outcome = "failed"
	if rec.OK {
		rec.Outcome = "delivered"
	}
	d.record(rec)
	return status, errText
}

// reset drops every queued and retrying delivery and the log.
func (d *dispatcher) reset() {
	d.mu.Lock()
	d.cancel()
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.queues = map[string]*deliveryQueue{}
	d.mu.Unlock()
	d.logMu.Lock()
	d.log = nil
	d.logMu.Unlock()
}

// stop cancels delivery and waits for the goroutines to end.
func (d *dispatcher) stop() {
	d.mu.Lock()
	d.stopped = true
	d.cancel()
	d.mu.Unlock()
	d.wg.Wait()
}
