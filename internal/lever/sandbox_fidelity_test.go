package lever_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

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

// TestSandboxListPostingsUpdatedSinceWithTagRefused: Lever takes
// updated_at_start on postings only together with confidentiality, so a
// list that also filters by tag is refused before it is sent, with an error
// naming both; the sandbox would refuse it too.
func TestSandboxListPostingsUpdatedSinceWithTagRefused(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	counter := &callCounter{}
	c := sandboxClient(t, srv, lever.Unlimited(), counter)
	ctx := context.Background()
	since := time.Now().Add(-time.Hour)
	for _, p := range []lever.ListPostingsParams{
		{Tags: []string{"Acme"}, UpdatedAtStart: since},
		{States: []string{"published"}, UpdatedAtStart: since},
	} {
		var err error
		for _, e := range c.ListPostings(ctx, p) {
			err = e
		}
		if !errors.Is(err, lever.ErrBadRequest) || !strings.Contains(err.Error(), "updated_at_start") || !strings.Contains(err.Error(), "confidentiality") {
			t.Fatalf("ListPostings(%+v) err=%v, want ErrBadRequest naming updated_at_start and confidentiality", p, err)
		}
	}
	if n := counter.route("GET /postings"); n != 0 {
		t.Fatalf("GET /postings sent %d times, want none", n)
	}
	// With confidentiality alone it is Lever's documented use.
	all(t, c.ListPostings(ctx, lever.ListPostingsParams{UpdatedAtStart: since, Confidentiality: "all"}))
}
