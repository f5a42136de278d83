// Package inbound receives Lever webhooks at POST /hooks/lever/{connection}:
// it verifies the signature, answers Lever's verify-connection request (200,
// acting on nothing), refuses stale or malformed deliveries and replays of a
// delivery token already accepted, drops redeliveries, and stores each
// event durably (with its routing job) before answering 200. The work
// happens after, in the engine's jobs.
package inbound

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/metrics"
	"stagecoach/internal/store"
)

// Config configures the receiver.
type Config struct {
	// Window is how far from now an event's triggeredAt may be. Lever
	// retries failed deliveries for a while, so it is generous. Default 72h.
	Window time.Duration
	// MaxBody caps a delivery's size. Default 1 MiB.
	MaxBody int64
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	NowFunc func() time.Time
}

// Engine is what the receiver asks of the engine; *engine.Engine is one.
type Engine interface {
	// AcceptDelivery stores a verified event with its routing job, once per
	// delivery token (the token is kept until expires): false for a
	// redelivery of an event already stored, engine.ErrReplayedDelivery for
	// a token used before.
	AcceptDelivery(ctx context.Context, ev *domain.LeverEvent, token string, expires time.Time) (bool, error)
}

// Store is where the receiver reads a connection's status and signing
// tokens and records which webhooks arrive; *store.DB is one.
type Store interface {
	// ConnectionHooksGet returns the connection's status and signing
	// tokens, current as of the call (not_found for no such connection),
	// without a transaction: *store.DB keeps them in memory and checks
	// the connection's version.
	ConnectionHooksGet(ctx context.Context, id string) (*store.ConnectionHooks, error)
	WebhookArrivalPut(ctx context.Context, connID, event, result string) error
}

// Receiver is the webhook endpoint.
type Receiver struct {
	eng Engine
	db  Store
	cfg Config
	log *slog.Logger

	mu       sync.Mutex
	arrivals map[string]time.Time // connection/event -> last recorded arrival
}

// New returns a Receiver that reads connections from db and hands events
// to eng.
func New(eng Engine, db Store, cfg Config) *Receiver {
	if cfg.Window <= 0 {
		cfg.Window = 72 * time.Hour
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	return &Receiver{eng: eng, db: db, cfg: cfg, log: cfg.Logger.With("component", "inbound")}
}

// Register adds the receiver's route to mux.
func (rc *Receiver) Register(mux *http.ServeMux) {
	mux.HandleFunc("POST /hooks/lever/{connection}", rc.handleLeverWebhook)
}

type answer struct {
	status int
	result string // the metric label
	msg    string
}

func (rc *Receiver) handleLeverWebhook(w http.ResponseWriter, r *http.Request) {
	connID := r.PathValue("connection")
	a := rc.receive(r, connID)
	rc.cfg.Metrics.WebhookReceived(a.result)
	level := slog.LevelInfo
	if a.status >= 400 {
		level = slog.LevelWarn
	}
	rc.log.Log(r.Context(), level, "lever webhook", slog.String("connection_id", connID), slog.String("result", a.result), slog.Int("status", a.status))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	fmt.Fprintf(w, "{\"result\":%q,\"message\":%q}\n", a.result, a.msg)
}

func (rc *Receiver) receive(r *http.Request, connID string) answer {
	ctx := r.Context()
	conn, err := rc.db.ConnectionHooksGet(ctx, connID)
	if store.IsNotFound(err) {
		return answer{http.StatusNotFound, "unknown_connection", fmt.Sprintf("no connection %q", connID)}
	}
	if err != nil {
		rc.log.Error("load connection failed", slog.String("connection_id", connID), slog.Any("error", err))
		return answer{http.StatusServiceUnavailable, "error", "try again"}
	}
	if conn.Status == domain.ConnDisconnected {
		return answer{http.StatusGone, "disconnected", fmt.Sprintf("connection %q is disconnected", connID)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, rc.cfg.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return answer{http.StatusRequestEntityTooLarge, "rejected_body", fmt.Sprintf("body larger than %d bytes", rc.cfg.MaxBody)}
		}
		return answer{http.StatusBadRequest, "rejected_body", "could not read the body"}
	}
	ev, err := lever.ParseEvent(body)
	if err != nil {
		return answer{http.StatusBadRequest, "rejected_body", "malformed webhook: " + err.Error()}
	}
	if ev.IsVerification() {
		return rc.verification(ctx, connID, conn.Webhooks, ev)
	}
	token := signingToken(conn.Webhooks, ev.Event)
	if token == "" {
		return answer{http.StatusForbidden, "rejected_signature", fmt.Sprintf("connection %q has no signing token for %s", connID, ev.Event)}
	}
	if ev.Token == "" {
		// Without a token the signature covers triggeredAt alone, and one
		// delivery could be replayed with any data.
		return answer{http.StatusBadRequest, "rejected_body", "malformed webhook: field \"token\" is missing"}
	}
	if !ev.VerifySignature(token) {
		return answer{http.StatusForbidden, "rejected_signature", "signature does not match"}
	}
	rc.noteArrival(r, connID, ev.Event, "event")
	now := rc.cfg.NowFunc()
	at := time.UnixMilli(ev.TriggeredAt)
	if at.Before(now.Add(-rc.cfg.Window)) || at.After(now.Add(futureSkew)) {
		return answer{http.StatusBadRequest, "rejected_window", fmt.Sprintf("triggeredAt %s is outside the accepted window", at.UTC().Format(time.RFC3339))}
	}
	stored := &domain.LeverEvent{
		ID: domain.NewID("evt"), ConnectionID: connID, Event: ev.Event, DedupeKey: dedupeKey(ev),
		OpportunityID: ev.OpportunityID(), TriggeredAt: ev.TriggeredAt, Payload: []byte(ev.Data), Source: engine.SourceWebhook,
	}
	if len(stored.Payload) == 0 {
		stored.Payload = []byte("{}")
	}
	// The token is remembered as long as a delivery with this triggeredAt
	// would pass the window check above; after that the check refuses it.
	inserted, err := rc.eng.AcceptDelivery(ctx, stored, ev.Token, at.Add(rc.cfg.Window))
	if errors.Is(err, engine.ErrReplayedDelivery) {
		return answer{http.StatusConflict, "rejected_replay", "this delivery's token was already used: a replayed delivery is refused and nothing is done"}
	}
	if err != nil {
		rc.log.Error("store lever event failed", slog.String("connection_id", connID), slog.Any("error", err))
		return answer{http.StatusServiceUnavailable, "error", "could not store the event; Lever will retry"}
	}
	if !inserted {
		return answer{http.StatusOK, "duplicate", "already received"}
	}
	return answer{http.StatusOK, "accepted", stored.ID}
}

// futureSkew is how far ahead of this server's clock an event's
// triggeredAt may be.
const futureSkew = 5 * time.Minute

// Results of Lever's "verify connection" test request, as recorded in the
// webhook arrivals (see store.VerifyArrival).
const (
	ResultVerified       = store.ArrivalVerified
	ResultVerifyMismatch = store.ArrivalSignatureMismatch
	VerifyEvent          = store.VerifyArrival
)

// verification answers Lever's "verify connection" test request. Lever keeps
// delivering to the URL whether or not the test succeeds, so it is answered
// 200 whatever its signature; what it proves is recorded for the setup
// check and the connection page: which webhooks' tokens signed it, or that
// none did (the operator copied a wrong token). Nothing in it is acted on.
func (rc *Receiver) verification(ctx context.Context, connID string, hooks []*domain.ConnectionWebhook, ev *lever.Event) answer {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	put := func(event, result string) {
		if err := rc.db.WebhookArrivalPut(ctx, connID, event, result); err != nil {
			rc.log.Warn("record webhook arrival failed", slog.String("connection_id", connID), slog.Any("error", err))
		}
	}
	matched := false
	for _, h := range hooks {
		if h.SigningToken != "" && ev.VerifySignature(h.SigningToken) {
			matched = true
			put(h.Event, ResultVerified)
		}
	}
	if !matched {
		put(VerifyEvent, ResultVerifyMismatch)
		return answer{http.StatusOK, "verification_mismatch", "test request received, but its signature matches no signing token of this connection: copy the token again; nothing was acted on"}
	}
	put(VerifyEvent, ResultVerified)
	return answer{http.StatusOK, "verification", "connection verified; nothing was acted on"}
}

// noteArrival records, at most once a minute per connection and event, that
// a signed delivery arrived, so the setup check can tell which webhooks work.
func (rc *Receiver) noteArrival(r *http.Request, connID, event, result string) {
	key := connID + "/" + event + "/" + result
	now := time.Now()
	rc.mu.Lock()
	if rc.arrivals == nil {
		rc.arrivals = map[string]time.Time{}
	}
	last, seen := rc.arrivals[key]
	if seen && now.Sub(last) < time.Minute {
		rc.mu.Unlock()
		return
	}
	rc.arrivals[key] = now
	rc.mu.Unlock()
	// Recorded beside the answer, never in its way: Lever waits for it.
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
		defer cancel()
		if err := rc.db.WebhookArrivalPut(ctx, connID, event, result); err != nil {
			rc.log.Warn("record webhook arrival failed", slog.String("connection_id", connID), slog.Any("error", err))
		}
	}()
}

// signingToken returns the token for an event: its own, else the
// connection-wide one.
func signingToken(hooks []*domain.ConnectionWebhook, event string) string {
	wide := ""
	for _, h := range hooks {
		if h.Event == event {
			return h.SigningToken
		}
		if h.Event == "*" {
			wide = h.SigningToken
		}
	}
	return wide
}

// dedupeKey identifies one event across redeliveries. Lever makes a new
// token for every delivery, so the key is the event id when Lever sends one,
// else the event's name, time and data.
func dedupeKey(ev *lever.Event) string {
	if ev.ID != "" {
		return "id:" + ev.ID
	}
	h := sha256.New()
	h.Write([]byte(ev.Event))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(ev.TriggeredAt, 10)))
	h.Write([]byte{0})
	h.Write(compact(ev.Data))
	return "h:" + hex.EncodeToString(h.Sum(nil))
}

var (
	_ Engine = (*engine.Engine)(nil)
	_ Store  = (*store.DB)(nil)
)
