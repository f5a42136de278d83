package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"stagecoach/internal/domain"
)

type orderView struct {
	ID            string `json:"id"`
	Status        string `json:"status"`
	ConnectionID  string `json:"connectionId"`
	IntegrationID string `json:"integrationId"`
	Package       struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"package"`
	Candidate struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"candidate"`
	Opportunity struct {
		ID string `json:"id"`
	} `json:"opportunity"`
	Posting struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"posting"`
	CandidateURL *string        `json:"candidateUrl"`
	Result       map[string]any `json:"result"`
	UpdatedAt    time.Time      `json:"updatedAt"`
}

type orderPage struct {
	Data       []orderView `json:"data"`
	NextCursor *string     `json:"nextCursor"`
}

// seedOrders stores seven orders of imocha and two of hirevue, one after
// the other; it returns imocha's, oldest first.
func seedOrders(t *testing.T, b *testBundle) []*domain.Order {
	t.Helper()
	specs := []struct{ conn, posting, status string }{
		{"acme", "post_1", domain.OrderCreated},
		{"acme", "post_2", domain.OrderInvited},
		{"globex", "post_1", domain.OrderInvited},
		{"acme", "post_1", domain.OrderCompleted},
		{"globex", "post_3", domain.OrderCancelled},
		{"acme", "post_2", domain.OrderStarted},
		{"acme", "post_1", domain.OrderInvited},
	}
	var out []*domain.Order
	for i, s := range specs {
		out = append(out, b.insertOrder(t, domain.Order{ProviderID: "imocha", ConnectionID: s.conn, PostingID: s.posting, Status: s.status}))
		if i == 3 {
			b.insertOrder(t, domain.Order{ProviderID: "hirevue", ConnectionID: "acme", PostingID: "post_1", Status: domain.OrderInvited})
		}
	}
	b.insertOrder(t, domain.Order{ProviderID: "hirevue", ConnectionID: "initech", Status: domain.OrderCreated})
	return out
}

func ids(vs []orderView) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.ID)
	}
	return out
}

func orderIDs(os []*domain.Order, keep func(*domain.Order) bool) []string {
	var out []string
	for _, o := range os {
		if keep(o) {
			out = append(out, o.ID)
		}
	}
	return out
}

func TestOrderList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	orders := seedOrders(t, b)
	all := orderIDs(orders, func(*domain.Order) bool { return true })

	t.Run("pages through the provider's orders only", func(t *testing.T) {
		var got []string
		cursor := ""
		pages := 0
		for {
			q := url.Values{"limit": {"3"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			var pg orderPage
			b.call(t, "GET", "/v1/orders?"+q.Encode(), keyIMocha, nil).decode(t, &pg)
			pages++
			if len(pg.Data) > 3 {
				t.Fatalf("page of %d orders, limit 3", len(pg.Data))
			}
			got = append(got, ids(pg.Data)...)
			if pg.NextCursor == nil {
				break
			}
			cursor = *pg.NextCursor
			if pages > 10 {
				t.Fatal("pagination does not end")
			}
		}
		if pages != 3 || !slices.Equal(got, all) {
			t.Fatalf("%d pages of %v, want 3 pages of %v", pages, got, all)
		}
	})
	t.Run("default limit answers everything in one page", func(t *testing.T) {
		var pg orderPage
		b.call(t, "GET", "/v1/orders", keyIMocha, nil).decode(t, &pg)
		if !slices.Equal(ids(pg.Data), all) || pg.NextCursor != nil {
			t.Fatalf("got %v (next %v)", ids(pg.Data), pg.NextCursor)
		}
		if v := pg.Data[0]; v.Package.ID != "go-coding" || v.Candidate.Email != "ada@example.org" || v.ConnectionID != "acme" || v.IntegrationID != "int_imocha_acme" || v.Posting.ID != "post_1" {
			t.Fatalf("view=%+v", v)
		}
	})

	filters := []struct {
		name  string
		query url.Values
		keep  func(*domain.Order) bool
	}{
		{"status", url.Values{"status": {"invited"}}, func(o *domain.Order) bool { return o.Status == domain.OrderInvited }},
		{"connection", url.Values{"connection": {"globex"}}, func(o *domain.Order) bool { return o.ConnectionID == "globex" }},
		{"posting", url.Values{"posting": {"post_1"}}, func(o *domain.Order) bool { return o.PostingID == "post_1" }},
		{"updatedSince", url.Values{"updatedSince": {orders[4].UpdatedAt.Format(time.RFC3339)}}, func(o *domain.Order) bool { return !o.UpdatedAt.Before(orders[4].UpdatedAt) }},
		{"several", url.Values{"status": {"invited"}, "connection": {"acme"}, "posting": {"post_1"}}, func(o *domain.Order) bool {
			return o.Status == domain.OrderInvited && o.ConnectionID == "acme" && o.PostingID == "post_1"
		}},
		{"another provider's connection", url.Values{"connection": {"initech"}}, func(*domain.Order) bool { return false }},
	}
	for _, tt := range filters {
		t.Run("filter "+tt.name, func(t *testing.T) {
			var pg orderPage
			b.call(t, "GET", "/v1/orders?"+tt.query.Encode(), keyIMocha, nil).decode(t, &pg)
			want := orderIDs(orders, tt.keep)
			if got := ids(pg.Data); !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			if pg.Data == nil {
				t.Fatal("data is null, want []")
			}
		})
	}

	bad := []struct {
		query url.Values
		field string
	}{
		{url.Values{"status": {"done"}}, "status"},
		{url.Values{"updatedSince": {"yesterday"}}, "updatedSince"},
		{url.Values{"updatedSince": {"2025-03-01"}}, "updatedSince"},
		{url.Values{"limit": {"0"}}, "limit"},
		{url.Values{"limit": {"201"}}, "limit"},
		{url.Values{"limit": {"ten"}}, "limit"},
		{url.Values{"cursor": {"not-a-cursor!"}}, "cursor"},
	}
	for _, tt := range bad {
		t.Run("bad "+tt.query.Encode(), func(t *testing.T) {
			p := b.call(t, "GET", "/v1/orders?"+tt.query.Encode(), keyIMocha, nil).problem(t, http.StatusBadRequest)
			if got := fieldsOf(p); !slices.Equal(got, []string{tt.field}) {
				t.Fatalf("fields=%v, want [%s] (detail %q)", got, tt.field, p.Detail)
			}
		})
	}
	t.Run("limit 200 is allowed", func(t *testing.T) {
		var pg orderPage
		b.call(t, "GET", "/v1/orders?limit=200", keyIMocha, nil).decode(t, &pg)
	})
	t.Run("hirevue sees its own", func(t *testing.T) {
		var pg orderPage
		b.call(t, "GET", "/v1/orders", keyHireVue, nil).decode(t, &pg)
		if len(pg.Data) != 2 {
			t.Fatalf("hirevue sees %v", ids(pg.Data))
		}
	})
}

func TestOrderGet(t *testing.T) {
	t.Parallel()
	b := setup(t)
	mine := b.insertOrder(t, domain.Order{ProviderID: "imocha", ConnectionID: "acme", PostingID: "post_1",
		Details: domain.OrderDetails{PostingTitle: "Backend Engineer", OpportunityURL: "https://hire.lever.co/candidates/x"}})
	theirs := b.insertOrder(t, domain.Order{ProviderID: "hirevue", ConnectionID: "acme"})

	var v orderView
	b.call(t, "GET", "/v1/orders/"+mine.ID, keyIMocha, nil).decode(t, &v)
	if v.ID != mine.ID || v.Status != "created" || v.Posting.Title != "Backend Engineer" || v.CandidateURL != nil || v.Result != nil {
		t.Fatalf("view=%+v", v)
	}
	for _, id := range []string{theirs.ID, "ord_missing"} {
		p := b.call(t, "GET", "/v1/orders/"+id, keyIMocha, nil).problem(t, http.StatusNotFound)
		if p.Type != "https://stagecoach.dev/problems/not_found" {
			t.Fatalf("type=%q", p.Type)
		}
	}
}
