package lever_test

import (
	"context"
	"strings"
	"testing"

	"stagecoach/internal/lever"
)

// TestSandboxFindUserByEmailAsTyped: Lever's user list filters on the
// canonical e-mail exactly, so a perform-as user typed with capitals or
// spaces ("  Rae.Khan@Example.ORG ") must still be found; the client sends
// the canonical form.
func TestSandboxFindUserByEmailAsTyped(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	c := sandboxClient(t, srv, lever.Unlimited(), nil)
	ctx := context.Background()
	users := all(t, c.ListUsers(ctx, lever.ListUsersParams{}))
	if len(users) == 0 {
		t.Fatal("no users")
	}
	want := users[0]
	typed := "  " + strings.ToUpper(want.Email[:1]) + want.Email[1:len(want.Email)-3] + strings.ToUpper(want.Email[len(want.Email)-3:]) + " "
	got, err := c.FindUserByEmail(ctx, typed)
	if err != nil {
		t.Fatalf("FindUserByEmail(%q): %v", typed, err)
	}
	if got.ID != want.ID {
		t.Fatalf("FindUserByEmail(%q)=%s, want %s", typed, got.ID, want.ID)
	}
}
