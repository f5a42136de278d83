package ui_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// The orders page links to the older and the newer page by the orders at
// its edges, and following the links walks the list both ways.
func TestOrdersPageLinksToOlderAndNewerPages(t *testing.T) {
	env := startDemo(t)
	b := newBrowser(t, env.UIURL)
	createOwner(t, b)
	ctx := context.Background()
	err := env.App.DB.InTx(ctx, func(tx *store.Tx) error {
		for i := range 60 {
			err := tx.OrderInsert(ctx, &domain.Order{ID: fmt.Sprintf("ord_p%02d", i), IntegrationID: "int_x", ConnectionID: "paging", ProviderID: "acme-assess",
				PackageID: "java", PackageName: "Java", OpportunityID: fmt.Sprintf("opp_p%02d", i), Status: domain.OrderInvited})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`<a href="([^"]*)">(← Newer|Older →)</a>`)
	open := func(path string) (orders []string, newer, older string) {
		t.Helper()
		r := b.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d\n%s", path, r.status, r.body)
		}
		for _, m := range regexp.MustCompile(`/orders/(ord_p\d\d)"`).FindAllStringSubmatch(r.body, -1) {
			orders = append(orders, m[1])
		}
		for _, m := range link.FindAllStringSubmatch(r.body, -1) {
			if strings.HasPrefix(m[2], "←") {
				newer = html.UnescapeString(m[1])
			} else {
				older = html.UnescapeString(m[1])
			}
		}
		return orders, newer, older
	}
	// The orders share their time, so they come by id, highest first.
	first, newer, older := open("/orders?connection=paging")
	if len(first) != 50 || first[0] != "ord_p59" || first[49] != "ord_p10" || newer != "" || older == "" {
		t.Fatalf("first page: %d orders (%v…), newer %q, older %q", len(first), first[:min(len(first), 1)], newer, older)
	}
	if !strings.Contains(older, "connection=paging") {
		t.Fatalf("the older page's link %q drops the filter", older)
	}
	second, newer, older := open(older)
	if len(second) != 10 || second[0] != "ord_p09" || second[9] != "ord_p00" || newer == "" || older != "" {
		t.Fatalf("second page: %v, newer %q, older %q", second, newer, older)
	}
	back, newer, _ := open(newer)
	if strings.Join(back, ",") != strings.Join(first, ",") || newer != "" {
		t.Fatalf("back from the second page: %d orders (%v…), newer %q", len(back), back[:min(len(back), 1)], newer)
	}
}
