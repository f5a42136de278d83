package flow

import (
	"context"
	"encoding/json"
	"fmt"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
)

// The behaviour of a kind, beyond its declarations, is optional: the engine
// checks for each of these interfaces with a type assertion, the way caddy
// checks a module for Provisioner or Validator, and does the common thing
// for a kind without it. A kind reaches Lever only through the small
// environments the engine hands it (RouteEnv, EffectEnv), in the product's
// words, so that no kind package imports the engine.

// Trigger is an opportunity that entered an integration's trigger stage
// and is to get an order, as its kind sees it.
type Trigger struct {
	ProviderName  string
	Settings      Settings // with the kind's defaults
	OpportunityID string
	PostingID     string   // "" when the opportunity has no posting
	Tags          []string // the opportunity's tags
}

// OrderDraft is what a kind adds to an order before it is placed.
type OrderDraft struct {
	// PostingTitle is the posting's title the provider is sent.
	PostingTitle string
	// Created holds fields added to the order.created webhook's data.
	Created map[string]any
}

// RouteEnv is what routing may ask the engine about one integration's
// Lever account.
type RouteEnv interface {
	// PostingTitle returns a posting's title, or "" when Lever cannot tell
	// it now (the order goes ahead without it).
	PostingTitle(ctx context.Context, postingID string) string
	// SyncedJob returns the job the integration's job sync sent the
	// provider for a posting, with its title, or says why there is none.
	SyncedJob(ctx context.Context, postingID string) (job any, title, why string, err error)
}

// Router is a kind that decides more than the common routing does: which
// of the provider's packages an opportunity gets, and what the order needs
// beyond the common fields. A kind without it orders the provider's first
// package (or one named after the provider when it published none) and
// adds nothing.
type Router interface {
	// ChoosePackage picks the package of pkgs the opportunity gets, or says
	// why none.
	ChoosePackage(t Trigger, pkgs []domain.Package) (*domain.Package, string)
	// PrepareOrder fills what the kind adds to the order, or says why the
	// opportunity gets no order (why != "").
	PrepareOrder(ctx context.Context, env RouteEnv, t Trigger, d *OrderDraft) (why string, err error)
}

// DefaultPackage is the package of a kind without a Router.
func DefaultPackage(providerName string, pkgs []domain.Package) *domain.Package {
	if len(pkgs) > 0 {
		return &pkgs[0]
	}
	return &domain.Package{ID: "interview", Name: providerName + " interview"}
}

// OrderView is what a kind's effects see of an order.
type OrderView struct {
	ID            string
	PackageName   string
	CandidateName string
	CandidateURL  string // the last one the provider reported
	EvaluationURL string // the last one the provider reported
	Result        json.RawMessage
}

// Reported is one event a provider reported about an order, whose effects
// are to be written to Lever.
type Reported struct {
	EventID      string     // the order event's id
	Event        OrderEvent // what the provider reported (Event.Type is one of the kind's transitions)
	Order        OrderView
	ProviderName string
	Settings     Settings // with the kind's defaults
}

// EffectEnv writes to the opportunity of one order, each write through the
// effect journal: key names the write, unique within the order (the engine
// prefixes it with the order's id), so that a retried job writes nothing
// twice. A write Lever refuses, or one that must wait, is returned as an
// error the kind returns as it is.
type EffectEnv interface {
	// Note adds a note to the opportunity, as the integration's acting user.
	Note(ctx context.Context, key, text string) error
	// AddTags and RemoveTags change the opportunity's tags.
	AddTags(ctx context.Context, key string, tags ...string) error
	RemoveTags(ctx context.Context, key string, tags ...string) error
	// MoveToStage moves the opportunity to a stage given by id or name.
	MoveToStage(ctx context.Context, key, stage string) error
	// OwnerMention returns "@username " for the opportunity's owner, which
	// makes Lever notify them in a note, or "" without an owner.
	OwnerMention(ctx context.Context) (string, error)
	// Earlier returns the order's events before this one, oldest first.
	Earlier(ctx context.Context) ([]Reported, error)
	// WriteResults writes a completed assessment's results: the profile
	// form (its template found or created) and the PDF report. written is
	// false when the provider's report cannot be written (it is told why,
	// and the order goes back): nothing more is to be written then.
	WriteResults(ctx context.Context) (written bool, err error)
	// WriteFeedbackForm writes a round's feedback as a Lever feedback form
	// of the integration's template (found or created).
	WriteFeedbackForm(ctx context.Context, key string) error
	// Invited records that the candidate's invitation reached Lever (the
	// invite latency metric).
	Invited(ctx context.Context)
}

// Effector is a kind whose order events write to Lever. A kind without it
// writes nothing.
type Effector interface {
	// Effects writes what the reported event means to the opportunity.
	Effects(ctx context.Context, env EffectEnv, r Reported) error
}

// Unregister removes a kind from the registry: a test registers a kind of
// its own and removes it on cleanup. Unregistering a kind not registered is
// an error.
func Unregister(id string) error {
	mu.Lock()
	defer mu.Unlock()
	if _, ok := kinds[id]; !ok {
		return fmt.Errorf("flow: unregister kind %q, which is not registered", id)
	}
	delete(kinds, id)
	for i, x := range order {
		if x == id {
			order = append(order[:i:i], order[i+1:]...)
			break
		}
	}
	return nil
}

// OrderLinks are links an accepted event gives its order beyond the
// candidateUrl and evaluationUrl it reports ("" leaves a link as it is).
type OrderLinks struct {
	CandidateURL  string
	EvaluationURL string
}

// EventChecker is a kind that checks a reported event against the order's
// earlier events before it is accepted: it refuses one that would tell the
// recruiter nothing new (a conflict domain error saying why), may complete
// it from the earlier ones, and names the links it gives the order.
type EventChecker interface {
	CheckEvent(orderID string, earlier []OrderEvent, in *OrderEvent) (OrderLinks, error)
}

// TakesOrders reports whether the kind with the given ID places orders:
// one with transitions has a trigger stage that routing and the sweep for
// missed webhooks look at; one without (sourcing) has none.
func TakesOrders(id string) bool {
	k, err := Lookup(id)
	return err == nil && len(k.Transitions()) > 0
}

// SetupEnv is what a kind's setup check may ask of the engine: the
// integration's settings (with defaults), the provider, and checks against
// what the ATS account offers, each of which reports its own finding.
type SetupEnv interface {
	Settings() Settings
	ProviderName() string
	Packages() []domain.Package
	// Add reports a finding: severity SeverityError, SeverityWarning or
	// SeverityOK; field the setting it is about ("" for none).
	Add(severity, field, format string, args ...any)
	// Stage reports a stage setting the account lacks ("" and "-" pass).
	Stage(field, label, stage string)
	// Job reports a job id the account lacks.
	Job(field, label, id string)
	// Package reports a package id the provider has not published.
	Package(field, label, id string)
	// TagWarn warns of a tag the account has not used yet.
	TagWarn(field, label, tag string)
	// HasTag reports whether the account uses a tag; known is false when
	// its tags could not be read.
	HasTag(tag string) (has, known bool)
	// HasTemplate reports whether the account has a template of a kind
	// titled title; known is false when they could not be read.
	HasTemplate(kind ats.FormKind, title string) (has, known bool)
	// JobCarries reports whether any job carries a tag; known is false
	// when the jobs could not be read.
	JobCarries(tag string) (has, known bool)
	// ConnectionPerformsAs reports whether the connection has a default
	// acting user.
	ConnectionPerformsAs() bool
}

// Setup finding severities.
const (
	SeverityError   = "error"   // the integration will not work: Activate refuses
	SeverityWarning = "warning" // it works, but not as the operator may expect yet
	SeverityOK      = "ok"
)

// SetupChecker is implemented by a kind with setup checks of its own,
// beyond the trigger stage and the acting users every kind's are checked
// for.
type SetupChecker interface {
	CheckSetup(env SetupEnv)
}

// The marker interfaces say which of the engine's features a kind takes
// part in; the engine asks (Is) instead of naming kinds.

// PostingTagger is a kind whose packages' tags go on the integration's
// taggedPostings, so that recruiters can pick them (assessment).
type PostingTagger interface{ TagsPostings() }

// KitMapper is a kind whose integration maps jobs to packages (video
// interview kits).
type KitMapper interface{ MapsKits() }

// JobSyncer is a kind whose provider is sent the jobs carrying the
// integration's tag (interview service).
type JobSyncer interface{ SyncsJobs() }

// Interviewer is a kind whose orders are interviews, listed in the
// interview listing.
type Interviewer interface{ Interviews() }

// Exporter is a kind whose provider exports candidates into the ATS
// (sourcing).
type Exporter interface{ Exports() }

// Is reports whether the kind id is registered and implements T.
func Is[T any](id string) bool {
	k, err := Lookup(id)
	if err != nil {
		return false
	}
	_, ok := k.(T)
	return ok
}
