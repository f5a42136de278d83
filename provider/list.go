package provider

import (
	"context"
	"iter"
	"net/http"
	"net/url"
)

// listPages yields every item of a list endpoint, following nextCursor. An
// error is yielded once, with a nil item, and ends the sequence.
func listPages[T any](ctx context.Context, c *Client, path string, q url.Values) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if q == nil {
			q = url.Values{}
		}
		for {
			p := path
			if len(q) > 0 {
				p += "?" + q.Encode()
			}
			var pg page[T]
			if err := c.do(ctx, request{method: http.MethodGet, path: p}, &pg); err != nil {
				yield(nil, err)
				return
			}
			for i := range pg.Data {
				if !yield(&pg.Data[i], nil) {
					return
				}
			}
			if pg.NextCursor == nil || *pg.NextCursor == "" {
				return
			}
			q.Set("cursor", *pg.NextCursor)
		}
	}
}

// collect gathers a sequence into a slice, stopping at the first error.
func collect[T any](seq iter.Seq2[*T, error]) ([]T, error) {
	out := []T{}
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}
