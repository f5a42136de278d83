// Package flow says what a flow kind is: the declarative parts of one kind
// of hiring tool's flow (its settings and their defaults, the Lever
// endpoints it calls and so its OAuth scopes, the Lever webhook events it
// needs, the order events a provider of the kind may report and the status
// each leaves, the provider webhooks it sends), and one registry of the
// kinds, the way caddy lists its modules.
//
// Each kind is a package of its own (flow/assessment, flow/videointerview,
// flow/interviewservice, flow/sourcing) with an interface guard; flow/all
// lists them and registers them, in one place. A kind's behaviour is in
// optional interfaces the engine checks for (behaviour.go): Router (the
// package an opportunity entering the trigger stage gets and what its order
// needs), Effector (what each reported event writes to Lever, through the
// engine's EffectEnv) and EventChecker (a report checked against the
// earlier ones).
package flow

import (
	"fmt"
	"slices"
	"sync"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
)

// Kind is one kind of flow, named by the provider kind it serves. A Kind
// holds no state: every method returns a declaration, the same on every
// call, so the engine, the web UI and the tests read the same tables.
type Kind interface {
	// ID is the provider kind (domain.Kind…): stored, never renamed.
	ID() string
	// Label names the kind in the words an operator reads ("video interview").
	Label() string

	// SettingsFields lists the kind's integration settings, in the order an
	// operator fills them in.
	SettingsFields() []SettingsField
	// WithDefaults fills the empty settings for the provider named
	// providerName.
	WithDefaults(s Settings, providerName string) Settings
	// CheckSettings checks what can be checked of settings without asking
	// Lever; it returns an invalid domain error naming the field.
	CheckSettings(s Settings) error

	// LeverEndpoints lists the Lever endpoints the kind's flow calls beyond
	// EveryFlowEndpoints, written as leverscope writes them; the OAuth
	// scopes asked for derive from them.
	LeverEndpoints() []string
	// Events lists the ATS events the kind's flow needs (the driver names
	// the webhooks to register for them).
	Events() []ats.EventKind

	// Transitions lists the order events a provider of the kind may report,
	// in the order they are documented; nil for a kind without orders.
	Transitions() []Transition
	// ValidateEvent checks the fields of an order event whose type is one of
	// Transitions, reporting each wrong field to bad.
	ValidateEvent(ev *OrderEvent, bad func(field, msg string))
	// ProviderWebhooks lists the webhook types stagecoach sends a provider
	// of the kind.
	ProviderWebhooks() []string

	// ConfidentialMisses says what the kind's flow misses on confidential
	// postings when the connection may not see them.
	ConfidentialMisses() string
}

// Transition is one order event a provider may report: the statuses it may
// follow and the status it leaves.
type Transition struct {
	Event string   // the event type the provider reports
	From  []string // the order statuses it may follow
	To    string   // the order status it leaves
}

// EveryFlowEndpoints are the Lever endpoints called whatever the kind:
// routing reads the opportunity, stages resolve by name, the perform-as user
// is looked up, webhooks are registered and removed, and the setup check
// reads the account's stages, postings and users.
var EveryFlowEndpoints = []string{
	"GET /opportunities/:opportunity",
	"GET /stages",
	"GET /users",
	"GET /users/:user",
	"GET /postings",
	"POST /webhooks",
	"DELETE /webhooks/:webhook",
}

// Provider webhooks about orders, sent to a provider of a kind with orders:
// an order placed, an invitation to send again (the candidate re-entered
// the trigger stage while invited), an order cancelled in Lever, an event
// the provider reported that could not be written to Lever.
const (
	WebhookOrderCreated   = "order.created"
	WebhookOrderReinvite  = "order.reinvite"
	WebhookOrderCancelled = "order.cancelled"
	WebhookOrderFailed    = "order.failed"
)

// OrderWebhooks are the provider webhooks of a kind with orders.
var OrderWebhooks = []string{WebhookOrderCreated, WebhookOrderReinvite, WebhookOrderCancelled, WebhookOrderFailed}

// Provider webhooks about the Lever connection an integration uses.
const (
	WebhookConnectionBroken   = "connection.broken"
	WebhookConnectionRestored = "connection.restored"
)

// ConnectionWebhooks are the provider webhooks every kind gets about the
// Lever connection its integration uses.
var ConnectionWebhooks = []string{WebhookConnectionBroken, WebhookConnectionRestored}

var (
	mu    sync.RWMutex
	kinds = map[string]Kind{}
	order []string
)

// Register adds a kind to the registry. It panics on a kind without an ID
// or on an ID registered already: both are programming errors, caught when
// the binary starts.
func Register(k Kind) {
	if err := RegisterSafely(k); err != nil {
		panic(err)
	}
}

// RegisterSafely adds a kind to the registry, returning an error instead
// of panicking.
func RegisterSafely(k Kind) error {
	if k == nil || k.ID() == "" {
		return fmt.Errorf("flow: register a kind without an ID")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := kinds[k.ID()]; dup {
		return fmt.Errorf("flow: kind %q registered twice", k.ID())
	}
	kinds[k.ID()] = k
	order = append(order, k.ID())
	return nil
}

// Lookup returns the registered kind with the given ID, or an invalid
// domain error naming the kinds there are.
func Lookup(id string) (Kind, error) {
	mu.RLock()
	k, ok := kinds[id]
	ids := slices.Clone(order)
	mu.RUnlock()
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "unknown flow kind %q (known: %v)", id, ids)
	}
	return k, nil
}

// All returns the registered kinds in the order they were registered.
func All() []Kind {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Kind, 0, len(order))
	for _, id := range order {
		out = append(out, kinds[id])
	}
	return out
}

// Find returns the transition of event type typ in k, if k has one.
func Find(k Kind, typ string) (Transition, bool) {
	for _, t := range k.Transitions() {
		if t.Event == typ {
			return t, true
		}
	}
	return Transition{}, false
}

// EventTypes lists the event types of k's transitions, in order.
func EventTypes(k Kind) []string {
	var out []string
	for _, t := range k.Transitions() {
		out = append(out, t.Event)
	}
	return out
}
