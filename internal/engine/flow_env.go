package engine

import (
	"context"
	"encoding/json"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/journal"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// The environments the engine hands a flow kind (internal/flow): what
// routing may ask of Lever for one integration, and the journalled writes
// the effects of one order event make.

// routeEnv is flow.RouteEnv for one integration of one connection.
type routeEnv struct {
	e    *Engine
	conn *domain.Connection
	r    route
}

func (env routeEnv) PostingTitle(ctx context.Context, postingID string) string {
	return env.e.postingTitle(ctx, env.conn, postingID)
}

func (env routeEnv) SyncedJob(ctx context.Context, postingID string) (any, string, string, error) {
	job, why, err := env.e.serviceJob(ctx, env.conn, env.r, postingID)
	if err != nil || job == nil {
		return nil, "", why, err
	}
	return job, job.Title, "", nil
}

var _ flow.RouteEnv = routeEnv{}

// reported is an order event as its kind's effects see it.
func (w *orderWork) reported(ev *domain.OrderEvent, in OrderEventInput) flow.Reported {
	o := w.order
	return flow.Reported{
		EventID: ev.ID, Event: in, ProviderName: w.provider.Name, Settings: w.settings,
		Order: flow.OrderView{ID: o.ID, PackageName: o.PackageName, CandidateName: o.Candidate.Name,
			CandidateURL: o.CandidateURL, EvaluationURL: o.EvaluationURL, Result: o.Result},
	}
}

// orderEnv is flow.EffectEnv for one order event: every write goes through
// the effect journal under the order's id.
type orderEnv struct {
	e *Engine
	w *orderWork
}

func (env *orderEnv) key(k string) string { return env.w.order.ID + ":" + k }

func (env *orderEnv) run(ctx context.Context, ef effect) error {
	_, err := env.e.apply(ctx, env.w.conn, env.w.order, ef)
	return err
}

func (env *orderEnv) Note(ctx context.Context, key, text string) error {
	w := env.w
	return env.run(ctx, noteEffect(w.drv, env.key(key), w.order.OpportunityID, text, w.as))
}

func (env *orderEnv) AddTags(ctx context.Context, key string, tags ...string) error {
	w := env.w
	return env.run(ctx, addTagsEffect(w.drv, env.key(key), w.order.OpportunityID, tags, w.as))
}

func (env *orderEnv) RemoveTags(ctx context.Context, key string, tags ...string) error {
	w := env.w
	return env.run(ctx, removeTagsEffect(w.drv, env.key(key), w.order.OpportunityID, tags, w.as))
}

func (env *orderEnv) MoveToStage(ctx context.Context, key, stage string) error {
	w := env.w
	st, err := env.e.ResolveStage(ctx, w.conn, stage)
	if err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			return queue.Cancel(err)
		}
		return env.e.leverError(ctx, w.conn.ID, err)
	}
	return env.run(ctx, stageEffect(w.drv, env.key(key), w.order.OpportunityID, st.ID, w.as))
}

func (env *orderEnv) OwnerMention(ctx context.Context) (string, error) {
	return env.e.ownerMention(ctx, env.w)
}

func (env *orderEnv) Earlier(ctx context.Context) ([]flow.Reported, error) {
	var events []*domain.OrderEvent
	if err := env.e.db.InTx(ctx, func(tx *store.Tx) (err error) { events, err = tx.OrderEventList(ctx, env.w.order.ID); return }); err != nil {
		return nil, err
	}
	var out []flow.Reported
	for _, ev := range events {
		if ev.ID == env.w.event.ID {
			break
		}
		var in OrderEventInput
		if json.Unmarshal(ev.Payload, &in) != nil {
			continue
		}
		in.Type = ev.Type
		out = append(out, env.w.reported(ev, in))
	}
	return out, nil
}

// WriteResults writes the PDF report first: a report URL that is refused
// writes nothing, and the provider is told why. Then the profile form (its
// template found or created) and the file.
func (env *orderEnv) WriteResults(ctx context.Context) (bool, error) {
	e, w := env.e, env.w
	var res Result
	_ = json.Unmarshal(w.order.Result, &res)
	report, err := e.reportFile(ctx, w)
	if domain.ErrorCode(err) == domain.EInvalid {
		return false, e.failOrderEvent(ctx, w, err.Error())
	}
	if err != nil {
		return false, err
	}
	if w.drv.Capabilities().Forms {
		// The template is the integration's, shared by its orders: it is
		// recorded against the connection alone, so that purging the
		// candidate whose order made it leaves it whole.
		tplID, err := e.applyEffect(ctx, w.conn, journal.Subject{ConnectionID: w.conn.ID}, e.formTemplateEffect(w.drv, w))
		if err != nil {
			return false, err
		}
		if err := env.run(ctx, e.profileFormEffect(w.drv, w, tplID, res)); err != nil {
			return false, err
		}
	} else if err := env.run(ctx, noteEffect(w.drv, w.order.ID+":completed:form", w.order.OpportunityID, resultsNote(w, res), w.as)); err != nil {
		// An ATS without forms: the results are a note, under the form's
		// key (the first write of the event, as failOrderEvent reads it).
		return false, err
	}
	if report != nil {
		if err := env.run(ctx, fileEffect(w.drv, env.key(w.input.Type+":file"), w.order.OpportunityID, *report, w.as)); err != nil {
			return false, err
		}
	}
	return true, nil
}

func (env *orderEnv) WriteFeedbackForm(ctx context.Context, key string) error {
	e, w := env.e, env.w
	if !w.drv.Capabilities().FeedbackForms {
		// An ATS without feedback forms: the feedback is a note.
		return env.run(ctx, noteEffect(w.drv, env.key(key), w.order.OpportunityID, feedbackText(w), w.as))
	}
	tplID, err := e.applyEffect(ctx, w.conn, journal.Subject{ConnectionID: w.conn.ID}, e.feedbackTemplateEffect(w.drv, w)) // the integration's, as the form template
	if err != nil {
		return err
	}
	return env.run(ctx, e.feedbackFormEffect(w.drv, w, env.key(key), tplID))
}

func (env *orderEnv) Invited(ctx context.Context) { env.e.observeInvite(ctx, env.w.order) }

var _ flow.EffectEnv = (*orderEnv)(nil)
