package queue_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// orderArgs are arguments of several types, some known at insert only.
type orderArgs struct {
	OrderID  string    `json:"orderId"`
	Attempts int       `json:"attempts"`
	At       time.Time `json:"at"`
	Conn     string    `json:"-"`
}

func (orderArgs) Kind() string       { return "order_test" }
func (a orderArgs) QueueKey() string { return "opp:" + a.Conn }
func (orderArgs) InsertOpts() queue.InsertOpts {
	return queue.InsertOpts{MaxAttempts: 7}
}

// Insert stores a job under its args' kind and queue key, with its type's
// options unless the call gives others; the worker gets the args decoded.
func TestInsertAndRegisterDecode(t *testing.T) {
	t.Parallel()
	db, r := setup(t)
	got := make(chan orderArgs, 1)
	queue.Register(r, func(ctx context.Context, j *queue.Job, args orderArgs) error {
		got <- args
		return nil
	})
	at := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	ctx := context.Background()
	var first, second bool
	err := db.InTx(ctx, func(tx *store.Tx) (err error) {
		if first, err = queue.Insert(ctx, tx, orderArgs{OrderID: "ord_1", Attempts: 3, At: at, Conn: "acme"}, &queue.InsertOpts{UniqueKey: "u1"}); err != nil {
			return err
		}
		second, err = queue.Insert(ctx, tx, orderArgs{OrderID: "ord_2", Conn: "acme"}, &queue.InsertOpts{UniqueKey: "u1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !first || second {
		t.Fatalf("inserted %v then %v, want true then false (same unique key)", first, second)
	}
	js := jobs(t, db)
	if len(js) != 1 {
		t.Fatalf("%d jobs, want 1", len(js))
	}
	j := js[0]
	if j.Kind != "order_test" || j.QueueKey != "opp:acme" || j.MaxAttempts != 7 || j.UniqueKey != "u1" {
		t.Fatalf("stored job = %+v, want kind order_test, queue key opp:acme, 7 attempts, unique key u1", j)
	}
	if want := `{"orderId":"ord_1","attempts":3,"at":"2026-03-04T05:06:07.008Z"}`; string(j.Args) != want {
		t.Fatalf("stored args = %s, want %s", j.Args, want)
	}
	start(t, r)
	select {
	case a := <-got:
		if a.OrderID != "ord_1" || a.Attempts != 3 || !a.At.Equal(at) || a.Conn != "" {
			t.Fatalf("worker got %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the worker never ran")
	}
	// An explicit MaxAttempts wins over the type's.
	_ = db.InTx(ctx, func(tx *store.Tx) error {
		_, err := queue.Insert(ctx, tx, orderArgs{OrderID: "ord_3"}, &queue.InsertOpts{MaxAttempts: 2})
		return err
	})
	if js := jobs(t, db); js[0].MaxAttempts != 2 {
		t.Fatalf("max attempts = %d, want 2", js[0].MaxAttempts)
	}
}

type noKindArgs struct{}

func (noKindArgs) Kind() string     { return "" }
func (noKindArgs) QueueKey() string { return "" }

func TestInsertRefusesArgsWithoutKind(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	err := db.InTx(ctx, func(tx *store.Tx) error {
		_, err := queue.Insert(ctx, tx, noKindArgs{}, nil)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "queue_test.noKindArgs have no kind") {
		t.Fatalf("insert = %v, want an error naming the args type", err)
	}
}

// Stored arguments that do not decode dead-let the job at once (no retry
// can fix them), with an error naming the kind and the field; the worker
// never runs.
func TestRegisterDeadLettersArgsThatDoNotDecode(t *testing.T) {
	t.Parallel()
	cases := []struct{ args, want string }{
		{`{"orderId":42}`, `job order_test: args field "orderId" is a JSON number, want string`},
		{`{"orderId":"ord_1","attempts":"three"}`, `job order_test: args field "attempts" is a JSON string, want int`},
		{`{"orderId":"ord_1","at":"yesterday"}`, `job order_test: args field "at": parsing time "yesterday"`},
		{`["ord_1"]`, `job order_test: args are a JSON array, want an object`},
	}
	db, r := setup(t)
	var mu sync.Mutex
	runs := 0
	queue.Register(r, func(ctx context.Context, j *queue.Job, args orderArgs) error {
		mu.Lock()
		defer mu.Unlock()
		runs++
		return nil
	})
	ctx := context.Background()
	// The rows are written as raw JSON, as a row of another version or a
	// hand edit would be.
	err := db.InTx(ctx, func(tx *store.Tx) error {
		for _, c := range cases {
			if _, err := tx.JobInsert(ctx, store.JobParams{Kind: "order_test", Args: rawJSON(c.args)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	start(t, r)
	waitIdle(t, r)
	mu.Lock()
	if runs != 0 {
		t.Errorf("the worker ran %d times on arguments that do not decode", runs)
	}
	mu.Unlock()
	js := jobs(t, db) // newest first
	if len(js) != len(cases) {
		t.Fatalf("%d jobs, want %d", len(js), len(cases))
	}
	for i, c := range cases {
		j := js[len(js)-1-i]
		if j.Status != domain.JobDead || j.Attempt != 1 || !strings.Contains(j.LastError, c.want) {
			t.Errorf("args %s: job %s on attempt %d with error %q; want dead on attempt 1 with %q", c.args, j.Status, j.Attempt, j.LastError, c.want)
		}
	}
}

// rawJSON is stored as is by JobInsert.
type rawJSON string

func (r rawJSON) MarshalJSON() ([]byte, error) { return []byte(r), nil }
