package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// The event log's filters: connection, event, integration, decision (or
// none taken) and when it was received.
func TestLeverEventSearchFilters(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	t0 := time.UnixMilli(1_800_000_000_000).UTC()
	now := t0
	db.NowFunc = func() time.Time { return now }
	add := func(id, conn, event, opp string, at time.Duration, decisions ...[2]string) {
		now = t0.Add(at)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.LeverEventInsert(ctx, &domain.LeverEvent{ID: id, ConnectionID: conn, Event: event, DedupeKey: id, OpportunityID: opp, Payload: []byte(`{}`), Source: "webhook"}); err != nil {
				return err
			}
			for _, d := range decisions {
				if err := tx.DecisionInsert(ctx, &domain.Decision{EventID: id, IntegrationID: d[0], OpportunityID: opp, Decision: d[1], Reason: "r"}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	add("e1", "acme", "candidateStageChange", "o1", 0, [2]string{"int_a", domain.DecisionOrdered}, [2]string{"int_b", domain.DecisionIgnored})
	add("e2", "acme", "candidateStageChange", "o2", time.Hour, [2]string{"int_a", domain.DecisionIgnored})
	add("e3", "acme", "candidateArchiveChange", "o1", 2*time.Hour)
	add("e4", "other", "candidateStageChange", "o3", 3*time.Hour, [2]string{"int_c", domain.DecisionOrdered})
	for _, c := range []struct {
		q    store.EventSearch
		want string
	}{
		{store.EventSearch{}, "e4 e3 e2 e1"},
		{store.EventSearch{ConnectionID: "acme"}, "e3 e2 e1"},
		{store.EventSearch{Event: "candidateArchiveChange"}, "e3"},
		{store.EventSearch{IntegrationID: "int_a"}, "e2 e1"},
		{store.EventSearch{IntegrationID: "int_a", Decision: domain.DecisionOrdered}, "e1"},
		{store.EventSearch{IntegrationID: "int_b", Decision: domain.DecisionOrdered}, ""},
		{store.EventSearch{Decision: domain.DecisionOrdered}, "e4 e1"},
		{store.EventSearch{Decision: store.DecisionNone}, "e3"},
		{store.EventSearch{IntegrationID: "int_b", Decision: store.DecisionNone}, "e4 e3 e2"},
		{store.EventSearch{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}, "e3 e2"},
		{store.EventSearch{OpportunityID: "o1", Limit: 1}, "e3"},
	} {
		var got []string
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			evs, err := tx.LeverEventSearch(ctx, c.q)
			for _, e := range evs {
				got = append(got, e.ID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("%+v: %v, want %s", c.q, got, c.want)
		}
	}
}

func TestCandidateNamesByOpportunityComeFromTheOrders(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.OrderInsert(ctx, &domain.Order{ID: "ord1", IntegrationID: "i", ConnectionID: "acme", ProviderID: "p", PackageID: "k", PackageName: "K",
			OpportunityID: "o1", Status: domain.OrderInvited, Candidate: domain.Candidate{Name: "Ada Park", Email: "ada@example.org"}}); err != nil {
			return err
		}
		names, err := tx.CandidateNamesByOpportunity(ctx, []string{"o1", "o2"})
		if err != nil {
			return err
		}
		if names["o1"] != "Ada Park" || len(names) != 1 {
			t.Errorf("names: %v", names)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
