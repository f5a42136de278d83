package e2e

import (
	"context"
	"testing"

	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// A connection's perform-as user typed as an operator might, with capitals
// and spaces, names the same Lever user: Lever's GET /users?email= matches
// only the canonical address, and stagecoach sends it so. The connection is
// saved with that user's id, which every write without an integration
// perform-as user is then made as.
func TestPerformAsEmailTypedWithCapitalsIsFound(t *testing.T) {
	t.Parallel()
	env := startSourcingDemo(t)
	ctx := context.Background()
	priya, err := env.Lever.FindUserByEmail(ctx, "priya.shah@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := env.App.Admin.UpdateConnection(ctx, demo.ConnectionID, "", "  Priya.Shah@Example.COM "); err != nil {
		t.Fatalf("perform-as typed with capitals and spaces refused: %v", err)
	}
	var c *domain.Connection
	if err := env.App.DB.InTx(ctx, func(tx *store.Tx) (err error) { c, err = tx.ConnectionGet(ctx, demo.ConnectionID); return }); err != nil {
		t.Fatal(err)
	}
	if c.PerformAs != priya.ID {
		t.Fatalf("connection perform-as=%q, want %s (%s)", c.PerformAs, priya.ID, priya.Email)
	}
}
