package sampleprovider

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"net/url"

	"stagecoach/internal/pdf"
	"stagecoach/provider"
)

// startOrder starts the steps of an order of one of the provider's
// assessment packages, unless it runs already or was cancelled. It reports
// whether it started it.
func (p *Provider) startOrder(o *provider.Order) bool {
	pkg, ok := p.ownPackage(o.Package.ID)
	if !ok {
		p.log.Info("ignored an order for a package that is not one of this provider's",
			slog.String("order_id", o.ID), slog.String("package_id", o.Package.ID))
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.orders[o.ID]; ok {
		return false
	}
	ctx, cancel := context.WithCancel(p.base)
	run := &orderRun{order: *o, pkg: pkg, status: o.Status, cancel: cancel}
	p.orders[o.ID] = run
	p.wg.Add(1)
	go p.runOrder(ctx, run)
	return true
}

// cancelOrder stops an order's pending steps, and keeps it from starting if
// its order.created comes later.
func (p *Provider) cancelOrder(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	run, ok := p.orders[id]
	if !ok {
		run = &orderRun{order: provider.Order{ID: id}, status: provider.StatusCancelled, cancel: func() {}}
		p.orders[id] = run
	}
	run.cancelled = true
	run.cancel()
}

func (p *Provider) ownPackage(id string) (provider.Package, bool) {
	for _, pkg := range p.cfg.Packages {
		if pkg.ID == id && pkg.Kind == packageKindFor(p.cfg.Kind) {
			return pkg, true
		}
	}
	return provider.Package{}, false
}

// runOrder plays the candidate through the steps of the provider's kind
// (assessment: invited, started, completed), each after the delay. It ends when the order is done, cancelled, or refused for good.
func (p *Provider) runOrder(ctx context.Context, run *orderRun) {
	defer p.wg.Done()
	defer run.cancel()
	if p.orderDoneFunc != nil {
		defer p.orderDoneFunc(run.order.ID)
	}
	log := p.log.With(slog.String("order_id", run.order.ID))
	for _, ev := range p.steps(run) {
		select {
		case <-ctx.Done():
			log.Info("order steps stopped", slog.String("next", ev.Type))
			return
		case <-p.afterFunc(p.cfg.Delay):
		}
		if !p.report(ctx, log, run, ev) {
			return
		}
	}
}

// report reports ev until stagecoach takes it, says it is past it (409), or
// refuses it for good, or ctx ends. It reports whether to go on.
func (p *Provider) report(ctx context.Context, log *slog.Logger, run *orderRun, ev provider.Event) bool {
	// The key depends only on the order and the step, so a restarted
	// provider repeating a step is answered, not applied twice.
	key := run.order.ID + ":" + ev.Type
	for n := 1; ; n++ {
		_, err := p.client.ReportEvent(ctx, run.order.ID, ev, provider.WithIdempotencyKey(key))
		var pr *provider.Problem
		switch {
		case err == nil:
			p.mu.Lock()
			p.reported[ev.Type]++
			run.status = ev.Type
			p.mu.Unlock()
			log.Info("reported", slog.String("type", ev.Type))
			return true
		case ctx.Err() != nil:
			return false
		case errors.As(err, &pr) && pr.Status == http.StatusConflict:
			log.Info("order already past this step", slog.String("type", ev.Type), slog.String("detail", pr.Detail))
			return true
		case permanent(err):
			log.Error("stagecoach refused the report; giving up on the order", slog.String("type", ev.Type), slog.Any("error", err))
			return false
		}
		log.Warn("cannot report; retrying", slog.String("type", ev.Type), slog.Int("attempt", n), slog.Any("error", err))
		if !p.sleep(ctx, retryWait(n)) {
			return false
		}
	}
}

func (p *Provider) invited(run *orderRun) provider.Event {
	return provider.Event{
		Type:         provider.EventInvited,
		CandidateURL: p.publicURL() + "/take/" + url.PathEscape(run.order.ID),
	}
}

// completed is the order's result. Everything in it derives from the order,
// so a repeat after a restart is the same body under the same key.
func (p *Provider) completed(run *orderRun) provider.Event {
	res := resultFor(run.order.ID)
	score, maxScore := float64(res.Score), float64(res.MaxScore)
	attrs := map[string]any{}
	for _, a := range res.Attributes {
		attrs[a.Name] = a.Value
	}
	return provider.Event{
		Type:       provider.EventCompleted,
		Score:      &score,
		MaxScore:   &maxScore,
		Result:     res.Outcome,
		Attributes: attrs,
		ResultURL:  p.publicURL() + "/results/" + url.PathEscape(run.order.ID),
		Report: &provider.Report{
			Filename:      run.pkg.ID + "-report.pdf",
			ContentBase64: base64.StdEncoding.EncodeToString(p.reportPDF(run, res)),
		},
	}
}

func (p *Provider) reportPDF(run *orderRun, res result) []byte {
	o := run.order
	lines := []string{
		"Candidate: " + o.Candidate.Name + " <" + o.Candidate.Email + ">",
		"Assessment: " + run.pkg.Name,
	}
	if o.Posting.Title != "" {
		lines = append(lines, "Posting: "+o.Posting.Title)
	}
	lines = append(lines,
		"Order: "+o.ID,
		"",
		fmt.Sprintf("Score: %d / %d (%s)", res.Score, res.MaxScore, res.Outcome),
		"",
	)
	for _, a := range res.Attributes {
		lines = append(lines, a.Name+": "+a.Value)
	}
	lines = append(lines, "", "Generated by the stagecoach sample provider (a demo: no real assessment was taken).")
	return pdf.Report(p.cfg.Name+": "+run.pkg.Name+" report", lines)
}

// result is an order's made-up outcome.
type result struct {
	Score, MaxScore int
	Outcome         string // pass or fail
	Attributes      []attribute
}

type attribute struct{ Name, Value string }

// passMark is the lowest passing score.
const passMark = 70

// resultFor derives an order's outcome from its id, so that it is the same
// on every run: a score of 60–98 out of 100.
func resultFor(orderID string) result {
	h := fnv.New64a()
	h.Write([]byte(orderID))
	v := h.Sum64()
	score := 60 + int(v%39)
	outcome := "fail"
	if score >= passMark {
		outcome = "pass"
	}
	return result{
		Score:    score,
		MaxScore: 100,
		Outcome:  outcome,
		Attributes: []attribute{
			{"Correctness", fmt.Sprintf("%d/10", score/10)},
			{"Code quality", fmt.Sprintf("%d/10", 5+int((v>>8)%5))},
			{"Time taken", fmt.Sprintf("%d min", 20+int((v>>16)%40))},
		},
	}
}
