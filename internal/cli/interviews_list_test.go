package cli

import (
	"context"
	"strings"
	"testing"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// `interviews` lists the orders of video interview and interview service
// providers on a connection, never an assessment's; --provider and --limit
// narrow it, an unknown connection is named, and a connection without
// interviews says so.
func TestInterviewsListsOnlyInterviewOrders(t *testing.T) {
	cfg, leverURL := newCLIEnv(t)
	ctx := context.Background()
	err := withEngine(ctx, cfg, func(e *engine.Engine, adm *admin.Service) error {
		for _, id := range []string{"acme", "quiet"} {
			if _, err := adm.CreateConnection(ctx, admin.ConnectionInput{ID: id, Environment: "custom", BaseURL: leverURL, APIKey: "k"}); err != nil {
				return err
			}
		}
		var orders []*domain.Order
		for _, p := range []admin.ProviderInput{{ID: "imocha", Name: "iMocha", Kind: domain.KindAssessment}, {ID: "vid", Name: "Vid", Kind: domain.KindVideoInterview}, {ID: "svc", Name: "Svc", Kind: domain.KindInterviewService}} {
			if _, _, err := adm.CreateProvider(ctx, p); err != nil {
				return err
			}
			in, err := adm.CreateIntegration(ctx, "acme", p.ID, nil)
			if err != nil {
				return err
			}
			for i, opp := range []string{"opp-1", "opp-2"} {
				if p.ID == "svc" && i > 0 {
					break
				}
				orders = append(orders, &domain.Order{ID: "ord-" + p.ID + "-" + opp, IntegrationID: in.ID, ConnectionID: "acme", ProviderID: p.ID, PackageID: "general", PackageName: "General",
					OpportunityID: opp, PostingID: "post-1", Status: domain.OrderInvited, Candidate: domain.Candidate{Name: "Cand " + opp, Email: opp + "@example.com"}})
			}
		}
		return e.DB().InTx(ctx, func(tx *store.Tx) error {
			for _, o := range orders {
				if err := tx.OrderInsert(ctx, o); err != nil {
					return err
				}
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}

	out, _, err := runCLI(ctx, "interviews", "--connection", "acme")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "ORDER ") || strings.Count(out, "ord-vid-") != 2 || strings.Count(out, "ord-svc-") != 1 || strings.Contains(out, "ord-imocha") {
		t.Errorf("interviews printed:\n%s", out)
	}
	if line := lineOf(out, "ord-svc-opp-1"); !strings.Contains(line, "Cand opp-1") || !strings.Contains(line, "post-1") || !strings.HasSuffix(strings.TrimSpace(line), " -") {
		t.Errorf("the interview service order's line (posting id for want of a title, - for no evaluation): %q", line)
	}

	var rows []map[string]any
	listJSON(t, &rows, "interviews", "--connection", "acme", "--provider", "svc", "--json")
	if len(rows) != 1 || rows[0]["order"] != "ord-svc-opp-1" || rows[0]["email"] != "opp-1@example.com" || rows[0]["evaluation"] != "" {
		t.Errorf("interviews --provider svc --json: %v", rows)
	}
	listJSON(t, &rows, "interviews", "--connection", "acme", "--limit", "2", "--json")
	if len(rows) != 2 {
		t.Errorf("interviews --limit 2 --json: %d rows", len(rows))
	}
	if out, _, err := runCLI(ctx, "interviews", "--connection", "quiet"); err != nil || !strings.HasSuffix(out, "no interviews\n") {
		t.Errorf("a connection without interviews: %v\n%s", err, out)
	}
	if _, _, err := runCLI(ctx, "interviews", "--connection", "nowhere"); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("an unknown connection: %v, want an error naming it", err)
	}
}

func lineOf(out, substr string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}
