package lever_test

import (
	"context"
	"slices"
	"testing"

	"stagecoach/internal/lever"
)

// TestSandboxRequestShapes: against the sandbox, which reads only Lever's
// spellings, a multipart create lands every field a recruiter then sees
// (emails, phones, links, sources, tags, the posting, the archived state),
// and a posting list carries each posting's description.
func TestSandboxRequestShapes(t *testing.T) {
	t.Parallel()
	srv := startSandbox(t, -1)
	c := sandboxClient(t, srv, lever.Unlimited(), nil)
	ctx := context.Background()
	users := all(t, c.ListUsers(ctx, lever.ListUsersParams{}))
	postings := all(t, c.ListPostings(ctx, lever.ListPostingsParams{}))
	reasons := must(c.ListArchiveReasons(ctx))(t)
	if len(users) == 0 || len(postings) == 0 || len(reasons) == 0 {
		t.Fatal("the demo seed has no users, postings or archive reasons")
	}
	withContent := slices.IndexFunc(postings, func(p *lever.Posting) bool { return p.Content.Description != "" })
	if withContent < 0 {
		t.Fatalf("no posting in the list carries its description")
	}

	o := must(c.CreateOpportunity(ctx, lever.CreateOpportunityInput{
		Name: "Kim Shapes", Emails: []string{"kim.shapes@example.org"}, Tags: []string{"shapes"},
		Phones:     []lever.Phone{{Type: "mobile", Value: "+1 555 0199"}},
		Links:      []string{"https://talent.example/kim"},
		Sources:    []string{"Shapes Sourcing"},
		Postings:   []string{postings[withContent].ID},
		Archived:   &lever.CreateArchived{Reason: reasons[0].ID},
		ResumeFile: &lever.File{Name: "kim.txt", ContentType: "text/plain", Data: []byte("Kim Shapes")},
	}, users[0].ID))(t)
	got := must(c.GetOpportunity(ctx, o.ID))(t)
	if len(got.Phones) != 1 || got.Phones[0].Value != "+1 555 0199" || !slices.Contains(got.Links, "https://talent.example/kim") ||
		!slices.Contains(got.Sources, "Shapes Sourcing") || !slices.Contains(got.Tags, "shapes") || got.Archived == nil {
		t.Fatalf("the recruiter sees %+v", got)
	}
}
