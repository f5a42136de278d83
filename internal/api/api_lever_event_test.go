package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

type leverEventView struct {
	ID            string    `json:"id"`
	Event         string    `json:"event"`
	OpportunityID string    `json:"opportunityId"`
	ReceivedAt    time.Time `json:"receivedAt"`
	Decisions     []struct {
		IntegrationID string  `json:"integrationId"`
		Decision      string  `json:"decision"`
		Reason        string  `json:"reason"`
		OrderID       *string `json:"orderId"`
	} `json:"decisions"`
}

type leverEventPage struct {
	Data       []leverEventView `json:"data"`
	NextCursor *string          `json:"nextCursor"`
}

// insertLeverEvent stores a Lever event with decisions (integration id,
// decision, order id).
func (b *testBundle) insertLeverEvent(tb testing.TB, id, conn, opp string, decisions ...[3]string) {
	tb.Helper()
	ctx := context.Background()
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		ev := &domain.LeverEvent{ID: id, ConnectionID: conn, Event: "candidateStageChange", DedupeKey: id, OpportunityID: opp, TriggeredAt: 1, Payload: json.RawMessage(`{}`), Source: "webhook"}
		if _, err := tx.LeverEventInsert(ctx, ev); err != nil {
			return err
		}
		for _, d := range decisions {
			if err := tx.DecisionInsert(ctx, &domain.Decision{EventID: id, IntegrationID: d[0], OpportunityID: opp, Decision: d[1], Reason: "because " + d[1], OrderID: d[2]}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("insert lever event: %v", err)
	}
}

func eventIDs(vs []leverEventView) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func TestLeverEvents(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.insertLeverEvent(t, "evt_1", "acme", "opp_1",
		[3]string{"int_imocha_acme", domain.DecisionIgnored, ""},
		[3]string{"int_hirevue_acme", domain.DecisionOrdered, "ord_hv"})
	b.insertLeverEvent(t, "evt_2", "acme", "opp_2",
		[3]string{"int_imocha_acme", domain.DecisionOrdered, "ord_im"})
	b.insertLeverEvent(t, "evt_3", "initech", "opp_1",
		[3]string{"int_hirevue_initech", domain.DecisionOrdered, "ord_hv2"})
	b.insertLeverEvent(t, "evt_4", "globex", "opp_1") // routing still to come

	t.Run("list", func(t *testing.T) {
		var pg leverEventPage
		b.call(t, "GET", "/v1/lever-events", keyIMocha, nil).decode(t, &pg)
		if got, want := eventIDs(pg.Data), []string{"evt_4", "evt_2", "evt_1"}; !slices.Equal(got, want) || pg.NextCursor != nil {
			t.Fatalf("events=%v (next %v), want %v newest first", got, pg.NextCursor, want)
		}
		e1 := pg.Data[2]
		if e1.Event != "candidateStageChange" || e1.OpportunityID != "opp_1" || e1.ReceivedAt.IsZero() {
			t.Fatalf("evt_1=%+v", e1)
		}
		if len(e1.Decisions) != 1 || e1.Decisions[0].IntegrationID != "int_imocha_acme" || e1.Decisions[0].Decision != "ignored" ||
			e1.Decisions[0].Reason != "because ignored" || e1.Decisions[0].OrderID != nil {
			t.Fatalf("evt_1 decisions=%+v, want only imocha's, with orderId null", e1.Decisions)
		}
		if d := pg.Data[1].Decisions; len(d) != 1 || d[0].OrderID == nil || *d[0].OrderID != "ord_im" {
			t.Fatalf("evt_2 decisions=%+v", d)
		}
		if d := pg.Data[0].Decisions; d == nil || len(d) != 0 {
			t.Fatalf("evt_4 decisions=%+v, want []", d)
		}
	})
	t.Run("list by opportunity", func(t *testing.T) {
		var pg leverEventPage
		b.call(t, "GET", "/v1/lever-events?opportunity=opp_1", keyIMocha, nil).decode(t, &pg)
		if got, want := eventIDs(pg.Data), []string{"evt_4", "evt_1"}; !slices.Equal(got, want) {
			t.Fatalf("events=%v, want %v", got, want)
		}
		b.call(t, "GET", "/v1/lever-events?opportunity=opp_1", keyHireVue, nil).decode(t, &pg)
		if got, want := eventIDs(pg.Data), []string{"evt_3", "evt_1"}; !slices.Equal(got, want) {
			t.Fatalf("hirevue events=%v, want %v", got, want)
		}
		if d := pg.Data[1].Decisions; len(d) != 1 || d[0].IntegrationID != "int_hirevue_acme" {
			t.Fatalf("hirevue's evt_1 decisions=%+v", d)
		}
	})
	t.Run("a provider without integrations sees nothing", func(t *testing.T) {
		var pg leverEventPage
		b.call(t, "GET", "/v1/lever-events", keyLonely, nil).decode(t, &pg)
		if pg.Data == nil || len(pg.Data) != 0 {
			t.Fatalf("lonely sees %v", eventIDs(pg.Data))
		}
		b.call(t, "GET", "/v1/lever-events/evt_1", keyLonely, nil).problem(t, http.StatusNotFound)
	})
	t.Run("get", func(t *testing.T) {
		var v leverEventView
		b.call(t, "GET", "/v1/lever-events/evt_1", keyHireVue, nil).decode(t, &v)
		if v.ID != "evt_1" || len(v.Decisions) != 1 || v.Decisions[0].Decision != "ordered" || *v.Decisions[0].OrderID != "ord_hv" {
			t.Fatalf("evt_1=%+v", v)
		}
		b.call(t, "GET", "/v1/lever-events/evt_3", keyIMocha, nil).problem(t, http.StatusNotFound)
		b.call(t, "GET", "/v1/lever-events/evt_missing", keyIMocha, nil).problem(t, http.StatusNotFound)
	})
	t.Run("bad parameters", func(t *testing.T) {
		for _, q := range []string{"limit=0", "limit=500", "cursor=%21%21"} {
			p := b.call(t, "GET", "/v1/lever-events?"+q, keyIMocha, nil).problem(t, http.StatusBadRequest)
			if len(p.Errors) != 1 {
				t.Fatalf("%s: errors=%+v", q, p.Errors)
			}
		}
	})
}

func TestLeverEventsPaginate(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var want []string
	for _, id := range []string{"evt_a", "evt_b", "evt_c", "evt_d", "evt_e"} {
		b.insertLeverEvent(t, id, "acme", "opp_1", [3]string{"int_imocha_acme", domain.DecisionIgnored, ""})
		want = append([]string{id}, want...)
	}
	page := func(cursor string) leverEventPage {
		q := url.Values{"limit": {"2"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var pg leverEventPage
		b.call(t, "GET", "/v1/lever-events?"+q.Encode(), keyIMocha, nil).decode(t, &pg)
		return pg
	}
	var got []string
	pg := page("")
	got = append(got, eventIDs(pg.Data)...)
	// Events that arrive between pages shift the newest-first list; the
	// next pages neither repeat nor skip what was there before.
	b.insertLeverEvent(t, "evt_new1", "acme", "opp_1")
	b.insertLeverEvent(t, "evt_new2", "acme", "opp_1")
	b.insertLeverEvent(t, "evt_new3", "acme", "opp_1")
	pages := 1
	for pg.NextCursor != nil {
		pg = page(*pg.NextCursor)
		got = append(got, eventIDs(pg.Data)...)
		if pages++; pages > 10 {
			t.Fatal("pagination does not end")
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged %v, want %v", got, want)
	}
}
