package store

// TraceQueries makes fn see every query a transaction of d runs from now
// on (nil stops it), as the database will receive it. Not safe to call while
// transactions run.
func (d *DB) TraceQueries(fn func(q string, args []any)) { d.traceQuery = fn }
