package engine

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/queue"
	"stagecoach/internal/store/storetest"
)

// jobCounter is an ATS driver that answers job reads and counts them; the
// engine calls nothing else of it here.
type jobCounter struct {
	ats.FlowDriver
	reads atomic.Int32
}

func (d *jobCounter) Job(_ context.Context, id string) (*ats.Job, error) {
	d.reads.Add(1)
	return &ats.Job{ID: id, Title: "Title of " + id}, nil
}

// A burst of orders on one posting reads its title from the ATS once, not
// once per candidate; another posting, or another connection, is read on
// its own.
func TestPostingTitleIsReadOncePerPosting(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	drv := &jobCounter{}
	e := New(db, queue.New(db, queue.Config{PollInterval: time.Hour}), Config{
		OpenATS: func(*domain.Connection, ats.Lent) (ats.Driver, error) { return drv, nil },
	})
	ctx := context.Background()
	acme, globex := &domain.Connection{ID: "acme"}, &domain.Connection{ID: "globex"}
	for range 20 {
		if got := e.postingTitle(ctx, acme, "post-1"); got != "Title of post-1" {
			t.Fatalf("title %q, want the posting's", got)
		}
	}
	if n := drv.reads.Load(); n != 1 {
		t.Fatalf("%d reads of one posting for 20 orders, want 1", n)
	}
	e.postingTitle(ctx, acme, "post-2")
	e.postingTitle(ctx, globex, "post-1")
	if n := drv.reads.Load(); n != 3 {
		t.Fatalf("%d reads after another posting and another connection, want 3", n)
	}
}
