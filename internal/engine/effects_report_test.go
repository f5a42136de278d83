package engine

import (
	"context"
	"encoding/json"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/outbound"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// A completed event whose report cannot be fetched for good is told to the
// provider: the order records why and an order.failed webhook is queued.
// Whether the order goes back to its status before the event depends on
// what happened since: only the latest event, of which nothing reached
// Lever, is undone.
func TestFailedReportUndoesOnlyAnUnwrittenLatestEvent(t *testing.T) {
	t.Parallel()
	const why = "report.url: it redirects to 127.0.0.1, a loopback address; stagecoach fetches only public addresses (see --allow-private-fetch)"
	score, maxScore := 7.0, 10.0
	completed := OrderEventInput{Type: "completed", Score: &score, MaxScore: &maxScore,
		Report: &ReportInput{Filename: "report.pdf", URL: "https://reports.example/r.pdf"}}

	// setup stores an order of an assessment provider, reports started and
	// completed, runs then on the order, and fails the completed event.
	setup := func(t *testing.T, then func(tx *store.Tx, o *domain.Order) error) (*store.DB, *domain.Order, error) {
		t.Helper()
		db := storetest.Open(t)
		ctx := context.Background()
		e := newTestEngine(db, Config{})
		p := &domain.Provider{ID: "acme", Name: "Acme", Kind: domain.KindAssessment, APIKeyHash: "h", WebhookSecret: outbound.NewSecret()}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ProviderCreate(ctx, p) }); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.OrderInsert(ctx, &domain.Order{ID: "ord_1", IntegrationID: "int_1", ConnectionID: "c", ProviderID: p.ID, PackageID: "java", PackageName: "Java",
				OpportunityID: "opp_1", Status: domain.OrderCreated, Candidate: domain.Candidate{Name: "Ada Park", Email: "ada@example.org"}})
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.ReportOrderEvent(ctx, p.ID, "ord_1", OrderEventInput{Type: "started"}); err != nil {
			t.Fatal(err)
		}
		o, err := e.ReportOrderEvent(ctx, p.ID, "ord_1", completed)
		if err != nil {
			t.Fatal(err)
		}
		w := &orderWork{order: o, input: completed, provider: p}
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			evs, err := tx.OrderEventList(ctx, o.ID)
			w.event = evs[len(evs)-1]
			if err != nil || then == nil {
				return err
			}
			return then(tx, o)
		}); err != nil {
			t.Fatal(err)
		}
		failErr := e.failOrderEvent(ctx, w, why)
		var got *domain.Order
		var hooks []*domain.Job
		if err := db.InTx(ctx, func(tx *store.Tx) (err error) {
			if got, err = tx.OrderGet(ctx, o.ID); err != nil {
				return err
			}
			hooks, err = tx.JobList(ctx, store.JobFilter{Kind: JobProviderWebhook})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		told := 0
		for _, j := range hooks {
			var a providerWebhookArgs
			_ = json.Unmarshal(j.Args, &a)
			var data OrderJSON
			_ = json.Unmarshal(a.Data, &data)
			if a.Type == WebhookOrderFailed && data.ID == o.ID && data.LastError != nil && *data.LastError == why {
				told++
			}
		}
		if got.LastError != why || told != 1 {
			t.Errorf("order lastError %q, %d order.failed webhooks with it; want %q and 1", got.LastError, told, why)
		}
		return db, got, failErr
	}

	t.Run("nothing written: back to started, and reported again", func(t *testing.T) {
		t.Parallel()
		db, o, err := setup(t, nil)
		if err != nil {
			t.Fatalf("failOrderEvent = %v, want nil: the provider was told, nothing is left to retry", err)
		}
		if o.Status != domain.OrderStarted || o.Result != nil {
			t.Fatalf("order %s with result %s, want started with none", o.Status, o.Result)
		}
		e := newTestEngine(db, Config{})
		again, err := e.ReportOrderEvent(context.Background(), "acme", o.ID, completed)
		if err != nil {
			t.Fatalf("completed again: %v", err)
		}
		if again.Status != domain.OrderCompleted || again.LastError != "" {
			t.Fatalf("order after completed again: %s, lastError %q; want completed, none", again.Status, again.LastError)
		}
	})

	t.Run("cancelled since: stays cancelled", func(t *testing.T) {
		t.Parallel()
		_, o, err := setup(t, func(tx *store.Tx, o *domain.Order) error {
			o.Status = domain.OrderCancelled
			if err := tx.OrderUpdate(context.Background(), o); err != nil {
				return err
			}
			return tx.OrderEventInsert(context.Background(), &domain.OrderEvent{ID: domain.NewID("oev"), OrderID: o.ID, Type: "cancelled", Payload: json.RawMessage(`{}`)})
		})
		if err != nil || o.Status != domain.OrderCancelled {
			t.Fatalf("order %s (%v), want cancelled", o.Status, err)
		}
	})

	t.Run("form written by an earlier attempt: stays completed, dead letter", func(t *testing.T) {
		t.Parallel()
		_, o, err := setup(t, func(tx *store.Tx, o *domain.Order) error {
			_, err := tx.EffectEnsure(context.Background(), &domain.Effect{Key: o.ID + ":completed:form", ConnectionID: "c", OpportunityID: o.OpportunityID, OrderID: o.ID, Kind: "profile_form", Payload: json.RawMessage(`{}`)})
			return err
		})
		if !queue.IsCancel(err) || o.Status != domain.OrderCompleted {
			t.Fatalf("order %s, failOrderEvent = %v; want completed and the job cancelled", o.Status, err)
		}
	})
}
