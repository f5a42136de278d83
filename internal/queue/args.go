package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// Job is a stored job as its worker gets it: its row in the jobs table,
// with the arguments still encoded.
type Job = domain.Job

// Args are the arguments of one kind of job: a small struct stored as JSON
// in the job's row. Its methods have value receivers, so that the zero
// value names the kind.
//
// The JSON encoding of an Args type is stored: a field may be added
// (decoded as its zero value from older rows) but never renamed or given
// another type. Fields tagged `json:"-"` are not stored; they only help
// QueueKey at insert time.
type Args interface {
	// Kind names the job's kind: a stable lowercase string, stored, never
	// renamed once in use.
	Kind() string
	// QueueKey orders the job: jobs with the same key run one at a time,
	// in the order they were inserted, and a failing one holds back those
	// after it. "" for none.
	QueueKey() string
}

// ArgsWithInsertOpts is Args with the insert options every job of its kind
// gets by default (how many attempts, typically); Insert's own options
// take precedence field by field.
type ArgsWithInsertOpts interface {
	Args
	InsertOpts() InsertOpts
}

// InsertOpts are the options of one insert.
type InsertOpts struct {
	// UniqueKey: a second job with the same key is not inserted (Insert
	// reports false). "" for none.
	UniqueKey string
	// RunAt is when the job is due. Zero: now.
	RunAt time.Time
	// MaxAttempts is how many attempts a job gets before it is
	// dead-lettered. Zero: 25.
	MaxAttempts int
}

// Insert enqueues the job args describe in tx, so that it is stored (and
// runs) only if the change it follows commits. Its kind and queue key come
// from args, its options from args' InsertOpts and then opts (nil for
// none). It reports false when a job with the same unique key exists. Call
// Runner.Notify after the commit to run it at once.
func Insert(ctx context.Context, tx *store.Tx, args Args, opts *InsertOpts) (bool, error) {
	p, err := Params(args, opts)
	if err != nil {
		return false, err
	}
	return tx.JobInsert(ctx, p)
}

// Params returns the row Insert would write for args and opts, for a
// store method that inserts the job itself (store.DB.IngestDelivery).
func Params(args Args, opts *InsertOpts) (store.JobParams, error) {
	kind := args.Kind()
	if kind == "" {
		return store.JobParams{}, fmt.Errorf("insert job: args %T have no kind", args)
	}
	var o InsertOpts
	if d, ok := args.(ArgsWithInsertOpts); ok {
		o = d.InsertOpts()
	}
	if opts != nil {
		if opts.UniqueKey != "" {
			o.UniqueKey = opts.UniqueKey
		}
		if !opts.RunAt.IsZero() {
			o.RunAt = opts.RunAt
		}
		if opts.MaxAttempts > 0 {
			o.MaxAttempts = opts.MaxAttempts
		}
	}
	return store.JobParams{Kind: kind, QueueKey: args.QueueKey(), UniqueKey: o.UniqueKey, Args: args, RunAt: o.RunAt, MaxAttempts: o.MaxAttempts}, nil
}

// Waiting reports whether a job of args' kind and queue key waits to run
// in tx (not yet taken, or due again after a failed attempt).
func Waiting(ctx context.Context, tx *store.Tx, args Args) (bool, error) {
	return tx.JobWaiting(ctx, args.Kind(), args.QueueKey())
}

// Register sets the worker of the jobs of T's kind: each job's arguments
// are decoded into a T and handed to work with the job. Arguments that do
// not decode dead-letter the job at once, with an error naming the kind
// and the field. Register panics on a duplicate kind: that is a
// programming mistake.
func Register[T Args](r *Runner, work func(ctx context.Context, job *Job, args T) error) {
	var zero T
	kind := zero.Kind()
	r.register(kind, func(ctx context.Context, job *Job) error {
		var args T
		if err := decodeArgs(job.Args, &args); err != nil {
			return Cancel(fmt.Errorf("job %s: %w", kind, err))
		}
		return work(ctx, job, args)
	})
}

// decodeArgs decodes a job's stored arguments into v (a pointer), and on
// failure says which field is wrong.
func decodeArgs(b []byte, v any) error {
	err := json.Unmarshal(b, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Errorf("args field %q is a JSON %s, want %s", te.Field, te.Value, te.Type)
		}
		return fmt.Errorf("args are a JSON %s, want an object", te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("args are not valid JSON: %v", err)
	}
	// A field's own decoder refused its value (a malformed time, say):
	// decode the fields one at a time to name it.
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) == nil {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			one, _ := json.Marshal(map[string]json.RawMessage{k: fields[k]})
			probe := reflect.New(reflect.TypeOf(v).Elem()).Interface()
			if ferr := json.Unmarshal(one, probe); ferr != nil {
				return fmt.Errorf("args field %q: %v", k, ferr)
			}
		}
	}
	return fmt.Errorf("args: %w", err)
}
