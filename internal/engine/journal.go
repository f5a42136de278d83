package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// effect is one intended write to Lever. Lever takes no idempotency key, so
// each effect can also look in Lever for itself: after an attempt whose
// outcome is unknown (a timeout, a reset, a crash between sending and
// recording) the journal checks before sending again, and a recruiter never
// sees the write twice.
type effect struct {
	key     string // the same intent always has the same key
	kind    string
	payload any // recorded in the journal, for people reading it
	send    func(ctx context.Context) (result string, err error)
	// check reports whether the write is already in Lever.
	check func(ctx context.Context) (found bool, result string, err error)
}

// apply runs one effect of an order through the journal and returns its
// result.
func (e *Engine) apply(ctx context.Context, conn *domain.Connection, order *domain.Order, ef effect) (string, error) {
	log := e.log.With(slog.String("connection_id", conn.ID), slog.String("opportunity_id", order.OpportunityID), slog.String("order_id", order.ID), slog.String("effect", ef.kind))
	return e.applyEffect(ctx, log, conn, &domain.Effect{Key: ef.key, ConnectionID: conn.ID, OpportunityID: order.OpportunityID, OrderID: order.ID, Kind: ef.kind, Payload: mustJSON(ef.payload)}, ef)
}

// applyEffect runs ef through the journal under the row want (recorded
// before anything is sent) and returns its result.
func (e *Engine) applyEffect(ctx context.Context, log *slog.Logger, conn *domain.Connection, want *domain.Effect, ef effect) (string, error) {
	var row *domain.Effect
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.EffectEnsure(ctx, want)
		return
	})
	if err != nil {
		return "", err
	}
	switch row.Status {
	case domain.EffectDone:
		return row.Result, nil
	case domain.EffectFailed:
		return "", queue.Cancel(fmt.Errorf("%s was refused by Lever: %s", ef.kind, row.LastError))
	case domain.EffectSending:
		found, result, err := ef.check(ctx)
		if err != nil {
			return "", e.leverError(ctx, conn.ID, fmt.Errorf("check %s: %w", ef.kind, err))
		}
		if found {
			log.Info("an earlier attempt landed; not sending again", slog.String("effect_key", ef.key))
			return result, e.finishEffect(ctx, ef.key, domain.EffectDone, result, "")
		}
	}
	if err := e.db.InTx(ctx, func(tx *store.Tx) error { return tx.EffectMarkSending(ctx, ef.key) }); err != nil {
		return "", err
	}
	result, err := ef.send(ctx)
	switch {
	case err == nil:
		return result, e.finishEffect(ctx, ef.key, domain.EffectDone, result, "")
	case errors.Is(err, lever.ErrUncertain):
		log.Warn("Lever write outcome unknown; will check before retrying", slog.Any("error", err))
		_ = e.db.InTx(ctx, func(tx *store.Tx) error { return tx.EffectNote(ctx, ef.key, err.Error()) })
		return "", err
	case errors.Is(err, lever.ErrBadRequest), errors.Is(err, lever.ErrForbidden), errors.Is(err, lever.ErrNotFound):
		_ = e.finishEffect(ctx, ef.key, domain.EffectFailed, "", err.Error())
		return "", e.leverError(ctx, conn.ID, err)
	default:
		// Lever certainly did not apply it (the client reports every other
		// failure of a sent write as uncertain): the next attempt sends
		// without checking.
		_ = e.finishEffect(ctx, ef.key, domain.EffectPending, "", err.Error())
		return "", e.leverError(ctx, conn.ID, err)
	}
}

func (e *Engine) finishEffect(ctx context.Context, key, status, result, msg string) error {
	return e.db.InTx(ctx, func(tx *store.Tx) error { return tx.EffectFinish(ctx, key, status, result, msg) })
}

// The effects below are the writes the flows make.

func noteEffect(c *lever.Client, key, oppID, text, performAs string) effect {
	marker := ref(key)
	value := text + "\n\n(stagecoach " + marker + ")"
	return effect{
		key: key, kind: "note", payload: map[string]string{"value": value},
		send: func(ctx context.Context) (string, error) {
			return c.CreateNote(ctx, oppID, lever.NoteInput{Value: value}, performAs)
		},
		check: func(ctx context.Context) (bool, string, error) {
			for n, err := range c.ListNotes(ctx, oppID) {
				if err != nil {
					return false, "", err
				}
				if strings.Contains(n.Value(), marker) {
					return true, n.ID, nil
				}
			}
			return false, "", nil
		},
	}
}

func addTagsEffect(c *lever.Client, key, oppID string, tags []string, performAs string) effect {
	return effect{
		key: key, kind: "add_tags", payload: map[string]any{"tags": tags},
		send: func(ctx context.Context) (string, error) { return "", c.AddTags(ctx, oppID, tags, performAs) },
		check: func(ctx context.Context) (bool, string, error) {
			o, err := c.GetOpportunity(ctx, oppID)
			if err != nil {
				return false, "", err
			}
			return allIn(tags, o.Tags), "", nil
		},
	}
}

func removeTagsEffect(c *lever.Client, key, oppID string, tags []string, performAs string) effect {
	return effect{
		key: key, kind: "remove_tags", payload: map[string]any{"tags": tags},
		send: func(ctx context.Context) (string, error) { return "", c.RemoveTags(ctx, oppID, tags, performAs) },
		check: func(ctx context.Context) (bool, string, error) {
			o, err := c.GetOpportunity(ctx, oppID)
			if err != nil {
				return false, "", err
			}
			for _, t := range tags {
				if containsExact(o.Tags, t) {
					return false, "", nil
				}
			}
			return true, "", nil
		},
	}
}

func stageEffect(c *lever.Client, key, oppID, stageID, performAs string) effect {
	return effect{
		key: key, kind: "stage", payload: map[string]string{"stage": stageID},
		send: func(ctx context.Context) (string, error) {
			return stageID, c.UpdateStage(ctx, oppID, stageID, performAs)
		},
		check: func(ctx context.Context) (bool, string, error) {
			o, err := c.GetOpportunity(ctx, oppID)
			if err != nil {
				return false, "", err
			}
			return o.Stage.ID == stageID, stageID, nil
		},
	}
}

func fileEffect(c *lever.Client, key, oppID string, f lever.File, performAs string) effect {
	return effect{
		key: key, kind: "file", payload: map[string]any{"name": f.Name, "bytes": len(f.Data)},
		send: func(ctx context.Context) (string, error) {
			fi, err := c.UploadFile(ctx, oppID, f, performAs)
			if err != nil {
				return "", err
			}
			return fi.ID, nil
		},
		check: func(ctx context.Context) (bool, string, error) {
			for fi, err := range c.ListFiles(ctx, oppID) {
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
