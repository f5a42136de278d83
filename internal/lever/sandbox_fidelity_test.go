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

// TestSandboxCreateHistoricalArchivedOpportunity: Lever takes an archived
// opportunity's archivedAt only with a createdAt before it. The client sends
// createdAt (as JSON and as a multipart field beside a resume), so an
// imported candidate keeps both dates; an archivedAt without it is refused
// before anything is sent, naming what is missing.
func TestSandboxCreateHistoricalArchivedOpportunity(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	counter := &callCounter{}
	c := sandboxClient(t, srv, lever.Unlimited(), counter)
	ctx := context.Background()
	as := all(t, c.ListUsers(ctx, lever.ListUsersParams{}))[0].ID
	reasons, err := c.ListArchiveReasons(ctx)
	if err != nil || len(reasons) == 0 {
		t.Fatalf("archive reasons=%v err=%v", reasons, err)
	}
	created := lever.MillisOf(time.Now().Add(-72 * time.Hour).Truncate(time.Millisecond))
	archivedAt := lever.MillisOf(time.Now().Add(-24 * time.Hour).Truncate(time.Millisecond))
	for _, resume := range []*lever.File{nil, {Name: "cv.txt", Data: []byte("Kim Lee, engineer")}} {
		in := lever.CreateOpportunityInput{
			Name: "Kim Lee", Emails: []string{"kim.lee@example.org"}, CreatedAt: created,
			Phones:   []lever.Phone{{Type: "mobile", Value: "+1 555 0142"}, {Value: "+44 20 7946 0143"}},
			Archived: &lever.CreateArchived{Reason: reasons[0].ID, ArchivedAt: archivedAt}, ResumeFile: resume,
		}
		o, err := c.CreateOpportunity(ctx, in, as)
		if err != nil {
			t.Fatalf("resume %v: %v", resume != nil, err)
		}
		if o.CreatedAt != created || o.Archived == nil || o.Archived.ArchivedAt != archivedAt || o.Archived.Reason != reasons[0].ID {
			t.Fatalf("resume %v: createdAt=%d archived=%+v, want %d and %d", resume != nil, o.CreatedAt, o.Archived, created, archivedAt)
		}
		if len(o.Phones) != 2 || o.Phones[0] != in.Phones[0] || o.Phones[1].Value != in.Phones[1].Value {
			t.Fatalf("resume %v: phones=%+v, want %+v", resume != nil, o.Phones, in.Phones)
		}
	}

	sent := counter.route("POST /opportunities")
	_, err = c.CreateOpportunity(ctx, lever.CreateOpportunityInput{
		Name: "No Date", Archived: &lever.CreateArchived{Reason: reasons[0].ID, ArchivedAt: archivedAt},
	}, as)
	if !errors.Is(err, lever.ErrBadRequest) || !strings.Contains(err.Error(), "CreatedAt") {
		t.Fatalf("archivedAt without createdAt: err=%v, want ErrBadRequest naming CreatedAt", err)
	}
	if n := counter.route("POST /opportunities"); n != sent {
		t.Fatalf("POST /opportunities sent %d more times, want none", n-sent)
	}
}
