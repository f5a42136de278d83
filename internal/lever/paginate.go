package lever

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// maxPageSize is Lever's largest accepted limit.
const maxPageSize = 100

// list iterates over every item of a paginated Lever list. Lever pages with
// limit and an opaque offset token: each page says hasNext and hands out the
// token of the next page in next. A missing hasNext means the last page; the
// first request never carries an offset.
//
// pageSize 0 leaves the limit to Lever (100); larger values are clamped to
// 100. On error the iterator yields (nil, err) once and stops. Stopping the
// range loop early stops fetching.
func list[T any](ctx context.Context, c *Client, route, path string, q url.Values, pageSize int) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		query := url.Values{}
		for k, v := range q {
			query[k] = append([]string(nil), v...)
		}
		if pageSize > 0 {
			query.Set("limit", strconv.Itoa(min(pageSize, maxPageSize)))
		}
		seen := map[string]bool{}
		for {
			resp, err := c.do(ctx, &call{method: http.MethodGet, route: route, path: path, query: query})
			if err != nil {
				yield(nil, err)
				return
			}
			p, err := unwrap(resp.body)
			var items []json.RawMessage
			if err == nil && !isNull(p.items) {
				err = json.Unmarshal(p.items, &items)
			}
			if err != nil {
				yield(nil, fmt.Errorf("lever: GET %s: decode list: %w", path, err))
				return
			}
			for _, raw := range items {
				v := new(T)
				if err := json.Unmarshal(raw, v); err != nil {
					yield(nil, fmt.Errorf("lever: GET %s: decode list item: %w", path, err))
					return
				}
				if !yield(v, nil) {
					return
				}
			}
			if !p.hasNext {
				return
			}
			if p.next == "" || seen[p.next] {
				yield(nil, fmt.Errorf("lever: GET %s: hasNext without a new next token", path))
				return
			}
			seen[p.next] = true
			query.Set("offset", p.next)
		}
	}
}

// collect drains a list into a slice of values.
func collect[T any](seq iter.Seq2[*T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// listParams builds repeated query parameters, skipping empty values.
type listParams url.Values

func (p listParams) add(key string, values ...string) {
	for _, v := range values {
		if v != "" {
			url.Values(p).Add(key, v)
		}
	}
}

func (p listParams) millis(key string, t time.Time) {
	if !t.IsZero() {
		url.Values(p).Set(key, strconv.FormatInt(t.UnixMilli(), 10))
	}
}
