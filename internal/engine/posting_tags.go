package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/journal"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// Putting the provider's package tags on the postings the operator picks
// (the integration's taggedPostings), as Lever's assessment use case asks:
// recruiters then choose a package tag on the posting, and the opportunities
// that apply to it inherit the tag.
//
// Lever has no "add a tag to a posting" call: a posting's tags are written
// with a partial update of the posting (POST /postings/:id) that replaces
// the whole list. So each posting is read right before it is written, and
// only a posting that lacks one of the tags is written. Every write goes
// through the effect journal: after an uncertain outcome the posting is read
// again, and the write is done if the tags are there.

type postingTagsArgs struct {
	IntegrationID string `json:"integrationId"`
	// Run names one sync; its journal entries are keyed by it, so a retried
	// job never writes a posting twice, and a later sync (new settings, new
	// packages, an operator's request) looks at every posting again.
	Run string `json:"run"`
}

func (postingTagsArgs) Kind() string                 { return JobPostingTags }
func (a postingTagsArgs) QueueKey() string           { return "posting-tags:" + a.IntegrationID }
func (postingTagsArgs) InsertOpts() queue.InsertOpts { return queue.InsertOpts{MaxAttempts: 12} }

// PostingTagResult is what a sync did to one posting.
type PostingTagResult struct {
	PostingID string
	// Added are the tags this sync added; empty when the posting had them all.
	Added []string
	// Err is why the posting could not be tagged (Lever refused, or the
	// posting does not exist).
	Err error
}

// packageTags returns the Lever tags of a provider's packages, sorted.
func packageTags(pkgs []domain.Package) []string {
	var tags []string
	for _, p := range pkgs {
		if t := strings.TrimSpace(p.LeverTag); t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	slices.Sort(tags)
	return tags
}

// enqueuePostingTags queues, in tx, a sync of an integration's tagged
// postings, when it is an enabled assessment integration with any. It
// reports whether a sync was queued.
func (e *Engine) enqueuePostingTags(ctx context.Context, tx *store.Tx, in *domain.Integration, p *domain.Provider) (bool, error) {
	if !flow.Is[flow.PostingTagger](p.Kind) || !in.Enabled {
		return false, nil
	}
	s, err := ParseSettings(in.Settings)
	if err != nil || len(s.TaggedPostings) == 0 {
		return false, err
	}
	_, err = queue.Insert(ctx, tx, postingTagsArgs{IntegrationID: in.ID, Run: domain.NewID("run")}, nil)
	return err == nil, err
}

// EnqueueProviderPostingTags queues, in tx, a sync of the tagged postings of
// every integration of a provider: its packages (and so their tags) have
// changed. It returns how many syncs were queued.
func (e *Engine) EnqueueProviderPostingTags(ctx context.Context, tx *store.Tx, providerID string) (int, error) {
	p, err := tx.ProviderGet(ctx, providerID)
	if err != nil {
		return 0, err
	}
	ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ProviderID: providerID, EnabledOnly: true})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, in := range ins {
		queued, err := e.enqueuePostingTags(ctx, tx, in, p)
		if err != nil {
			return n, err
		}
		if queued {
			n++
		}
	}
	return n, nil
}

// TagPostings puts the provider's package tags on an integration's tagged
// postings now, and says what it did to each.
func (e *Engine) TagPostings(ctx context.Context, integrationID string) ([]PostingTagResult, error) {
	return e.syncPostingTags(ctx, integrationID, domain.NewID("run"), true)
}

func (e *Engine) workPostingTags(ctx context.Context, job *queue.Job, args postingTagsArgs) error {
	results, err := e.syncPostingTags(ctx, args.IntegrationID, args.Run, false)
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("posting %s: %w", r.PostingID, r.Err))
		}
	}
	if len(errs) > 0 {
		return queue.Cancel(errors.Join(errs...))
	}
	return nil
}

// syncPostingTags adds the package tags each tagged posting lacks. A posting
// Lever refuses is reported in its result and does not stop the others;
// any other failure is returned, and a retry with the same run picks up
// where this one stopped. strict (an operator asked) turns a sync with
// nothing to do into an error saying why.
func (e *Engine) syncPostingTags(ctx context.Context, integrationID, run string, strict bool) ([]PostingTagResult, error) {
	var (
		in   *domain.Integration
		p    *domain.Provider
		conn *domain.Connection
		pkgs []domain.Package
	)
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(ctx, integrationID); err != nil {
			return err
		}
		if p, err = tx.ProviderGet(ctx, in.ProviderID); err != nil {
			return err
		}
		if conn, err = tx.ConnectionGet(ctx, in.ConnectionID); err != nil {
			return err
		}
		pkgs, err = tx.PackageList(ctx, p.ID)
		return err
	})
	if store.IsNotFound(err) && !strict {
		return nil, queue.Cancel(err)
	}
	if err != nil {
		return nil, err
	}
	settings, err := e.integrationSettings(in, p)
	if err != nil {
		return nil, queue.Cancel(err)
	}
	tags := packageTags(pkgs)
	var why string
	switch {
	case !flow.Is[flow.PostingTagger](p.Kind):
		why = fmt.Sprintf("integration %s: only assessment providers' package tags go on postings (%s is %s)", in.ID, p.ID, p.Kind)
	case !in.Enabled:
		why = fmt.Sprintf("integration %s is disabled", in.ID)
	case len(settings.TaggedPostings) == 0:
		why = fmt.Sprintf("integration %s has no taggedPostings in its settings", in.ID)
	case len(tags) == 0:
		why = fmt.Sprintf("provider %s has published no package with a Lever tag", p.ID)
	}
	if why != "" {
		if strict {
			return nil, domain.Errorf(domain.EInvalid, "%s", why)
		}
		return nil, nil
	}
	switch conn.Status {
	case domain.ConnBroken:
		if strict {
			return nil, domain.Errorf(domain.EInvalid, "connection %s is broken: %s", conn.ID, conn.StatusReason)
		}
		return nil, queue.Snooze(time.Minute, "connection broken: waiting for it to be reconnected")
	case domain.ConnDisconnected:
		return nil, queue.Cancel(fmt.Errorf("connection %s is disconnected", conn.ID))
	}
	d, err := e.Driver(conn)
	if err != nil {
		return nil, err
	}
	if !d.Capabilities().JobTags {
		why := fmt.Sprintf("connection %s: its ATS (%s) has no job tags to put package tags on", conn.ID, d.Name())
		if strict {
			return nil, domain.Errorf(domain.EInvalid, "%s", why)
		}
		return nil, queue.Cancel(errors.New(why))
	}
	log := e.log.With(slog.String("connection_id", conn.ID), slog.String("integration_id", in.ID))
	var out []PostingTagResult
	for _, postingID := range settings.TaggedPostings {
		ef := postingTagsEffect(d, in.ID+":posting-tags:"+run+":"+postingID, postingID, tags, firstNonEmpty(settings.PerformAs, conn.PerformAs))
		res, err := e.applyEffect(ctx, conn, journal.Subject{ConnectionID: conn.ID}, ef)
		r := PostingTagResult{PostingID: postingID}
		switch {
		case err == nil:
			_ = json.Unmarshal([]byte(res), &r.Added)
			if len(r.Added) > 0 {
				log.Info("package tags added to a posting", slog.String("posting_id", postingID), slog.Any("tags", r.Added))
			}
		case queue.IsCancel(err):
			r.Err = errors.Unwrap(err)
			log.Warn("Lever refused the posting's tags", slog.String("posting_id", postingID), slog.Any("error", r.Err))
		default:
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// postingTagsEffect adds the tags a posting lacks. Its result is the JSON
// list of the tags it added.
func postingTagsEffect(d ats.FlowDriver, key, postingID string, tags []string, performAs string) effect {
	return effect{
		key: key, kind: "posting_tags", payload: map[string]any{"postingId": postingID, "tags": tags},
		send: func(ctx context.Context) (string, error) {
			added, err := d.AddJobTags(ctx, postingID, tags, performAs)
			if err != nil {
				return "", err
			}
			if len(added) == 0 {
				return "[]", nil
			}
			return string(mustJSON(added)), nil
		},
		check: func(ctx context.Context) (bool, string, error) {
			job, err := d.Job(ctx, postingID)
			if err != nil {
				return false, "", err
			}
			return allIn(tags, job.Tags), "[]", nil
		},
	}
}
