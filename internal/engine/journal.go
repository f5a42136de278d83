package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/journal"
	"stagecoach/internal/queue"
)

// effect is one intended write to Lever. Lever takes no idempotency key, so
// each effect can also look in Lever for itself: after an attempt whose
// outcome is unknown (a timeout, a reset, a crash between sending and
// recording) the journal (internal/journal) checks before sending again, and
// a recruiter never sees the write twice.
type effect struct {
	key     string // the same intent always has the same key
	kind    string
	payload any // recorded in the journal, for people reading it
	send    func(ctx context.Context) (result string, err error)
	// check reports whether the write is already in Lever.
	check func(ctx context.Context) (found bool, result string, err error)
}

func (ef effect) Key() string                                     { return ef.key }
func (ef effect) Kind() string                                    { return ef.kind }
func (ef effect) Payload() any                                    { return ef.payload }
func (ef effect) Send(ctx context.Context) (string, error)        { return ef.send(ctx) }
func (ef effect) Check(ctx context.Context) (bool, string, error) { return ef.check(ctx) }

// classifyLever tells the journal what a failed ATS write means.
func classifyLever(err error) journal.Outcome {
	switch {
	case errors.Is(err, ats.ErrUncertain):
		return journal.Uncertain
	case errors.Is(err, ats.ErrRefused), errors.Is(err, ats.ErrForbidden), errors.Is(err, ats.ErrNotFound):
		return journal.Refused
	}
	// Lever certainly did not apply it (the client reports every other
	// failure of a sent write as uncertain): the next attempt sends without
	// checking.
	return journal.NotApplied
}

// apply runs one effect of an order through the journal and returns its
// result.
func (e *Engine) apply(ctx context.Context, conn *domain.Connection, order *domain.Order, ef effect) (string, error) {
	return e.applyEffect(ctx, conn, journal.Subject{ConnectionID: conn.ID, OpportunityID: order.OpportunityID, OrderID: order.ID}, ef)
}

// applyEffect runs ef through the journal, recorded against s, and returns
// its result; its errors are the job's: an entry another job is sending
// snoozes it, a refusal cancels it.
func (e *Engine) applyEffect(ctx context.Context, conn *domain.Connection, s journal.Subject, ef effect) (string, error) {
	res, err := e.journal.Apply(ctx, s, ef)
	var failed *journal.FailedError
	switch {
	case err == nil:
		return res, nil
	case errors.Is(err, journal.ErrBusy):
		// Another job holds the entry (a template every order of the
		// integration shares): its attempt is in flight, so wait for it
		// rather than look in Lever for a write not made yet.
		return "", queue.Snooze(time.Second, err.Error())
	case errors.As(err, &failed):
		return "", queue.Cancel(fmt.Errorf("%s was refused by Lever: %s", failed.Kind, failed.LastError))
	case errors.Is(err, ats.ErrUncertain):
		// Retried with backoff; the next attempt checks first.
		return "", err
	}
	return "", e.leverError(ctx, conn.ID, err)
}

// The effects below are the writes the flows make, through the ATS port;
// each looks for itself with the port's reads.

func noteEffect(d ats.FlowDriver, key, appID, text, performAs string) effect {
	marker := ref(key)
	value := text + "\n\n(stagecoach " + marker + ")"
	return effect{
		key: key, kind: "note", payload: map[string]string{"value": value},
		send: func(ctx context.Context) (string, error) {
			return d.WriteNote(ctx, appID, ats.Note{Text: value}, performAs)
		},
		check: func(ctx context.Context) (bool, string, error) {
			for n, err := range d.Notes(ctx, appID) {
				if err != nil {
					return false, "", err
				}
				if strings.Contains(n.Text, marker) {
					return true, n.ID, nil
				}
			}
			return false, "", nil
		},
	}
}

func addTagsEffect(d ats.FlowDriver, key, appID string, tags []string, performAs string) effect {
	return effect{
		key: key, kind: "add_tags", payload: map[string]any{"tags": tags},
		send: func(ctx context.Context) (string, error) { return "", d.AddTags(ctx, appID, tags, performAs) },
		check: func(ctx context.Context) (bool, string, error) {
			app, err := d.Application(ctx, appID)
			if err != nil {
				return false, "", err
			}
			return allIn(tags, app.Tags), "", nil
		},
	}
}

func removeTagsEffect(d ats.FlowDriver, key, appID string, tags []string, performAs string) effect {
	return effect{
		key: key, kind: "remove_tags", payload: map[string]any{"tags": tags},
		send: func(ctx context.Context) (string, error) { return "", d.RemoveTags(ctx, appID, tags, performAs) },
		check: func(ctx context.Context) (bool, string, error) {
			app, err := d.Application(ctx, appID)
			if err != nil {
				return false, "", err
			}
			for _, t := range tags {
				if containsExact(app.Tags, t) {
					return false, "", nil
				}
			}
			return true, "", nil
		},
	}
}

func stageEffect(d ats.FlowDriver, key, appID, stageID, performAs string) effect {
	return effect{
		key: key, kind: "stage", payload: map[string]string{"stage": stageID},
		send: func(ctx context.Context) (string, error) {
			return stageID, d.MoveToStage(ctx, appID, stageID, performAs)
		},
		check: func(ctx context.Context) (bool, string, error) {
			app, err := d.Application(ctx, appID)
			if err != nil {
				return false, "", err
			}
			return app.Stage.ID == stageID, stageID, nil
		},
	}
}

func fileEffect(d ats.FlowDriver, key, appID string, f ats.File, performAs string) effect {
	return effect{
		key: key, kind: "file", payload: map[string]any{"name": f.Name, "bytes": len(f.Data)},
		send: func(ctx context.Context) (string, error) {
			return d.UploadFile(ctx, appID, f, performAs)
		},
		check: func(ctx context.Context) (bool, string, error) {
			for fi, err := range d.Files(ctx, appID) {
				if err != nil {
					return false, "", err
				}
				if fi.Name == f.Name {
					return true, fi.ID, nil
				}
			}
			return false, "", nil
		},
	}
}

func containsExact(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func allIn(want, have []string) bool {
	for _, w := range want {
		if !containsExact(have, w) {
			return false
		}
	}
	return true
}

var _ journal.Effect = effect{}
