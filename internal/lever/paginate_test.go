package lever

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// pagedServer serves n stages in pages of limit (default 100) with opaque
// offset tokens shaped like Lever's ("0.<millis>.<last id>"), and rejects
// tokens it never handed out.
func pagedServer(t *testing.T, n int, omitHasNext bool) http.HandlerFunc {
	tokens := map[string]int{}
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		limit := 100
		if s := q.Get("limit"); s != "" {
			limit, _ = strconv.Atoi(s)
		}
		start := 0
		if q.Has("offset") {
			var ok bool
			if start, ok = tokens[q.Get("offset")]; !ok {
				leverError(w, 400, "BadRequest", "invalid offset")
				return
			}
		}
		end := min(start+limit, n)
		var items []map[string]string
		for i := start; i < end; i++ {
			items = append(items, map[string]string{"id": fmt.Sprintf("s%03d", i), "text": fmt.Sprintf("Stage %d", i)})
		}
		resp := map[string]any{"data": items}
		if end < n {
			next := fmt.Sprintf("0.%d.s%03d", 1700000000000+end, end-1)
			tokens[next] = end
			resp["next"] = next
			if !omitHasNext {
				resp["hasNext"] = true
			}
		} else if !omitHasNext {
			resp["hasNext"] = false
		}
		writeJSON(w, 200, resp)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("AllPages", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pagedServer(t, 250, false))
		stages, err := c.ListStages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(stages) != 250 || stages[0].ID != "s000" || stages[249].ID != "s249" {
			t.Fatalf("got %d stages", len(stages))
		}
		reqs := b.requests()
		if len(reqs) != 3 {
			t.Fatalf("requests=%d, want 3", len(reqs))
		}
		if strings.Contains(reqs[0].RawQuery, "offset") {
			t.Fatalf("first page sent offset: %q", reqs[0].RawQuery)
		}
		for i, want := range []string{"0.1700000000100.s099", "0.1700000000200.s199"} {
			q := mustQuery(t, reqs[i+1].RawQuery)
			if got := q.Get("offset"); got != want {
				t.Fatalf("page %d offset=%q, want %q", i+2, got, want)
			}
		}
	})

	t.Run("PageSize", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pagedServer(t, 25, false))
		n := 0
		for o, err := range c.ListOpportunities(ctx, ListOpportunitiesParams{Limit: 10}) {
			if err != nil {
				t.Fatal(err)
			}
			if o.ID == "" {
				t.Fatal("empty item")
			}
			n++
		}
		if n != 25 || len(b.requests()) != 3 {
			t.Fatalf("items=%d requests=%d, want 25 and 3", n, len(b.requests()))
		}
		for _, r := range b.requests() {
			if mustQuery(t, r.RawQuery).Get("limit") != "10" {
				t.Fatalf("limit not repeated on every page: %q", r.RawQuery)
			}
		}
	})

	t.Run("MissingHasNextMeansLastPage", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pagedServer(t, 250, true))
		stages, err := c.ListStages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(stages) != 100 || len(b.requests()) != 1 {
			t.Fatalf("stages=%d requests=%d, want 100 and 1", len(stages), len(b.requests()))
		}
	})

	t.Run("BreakStopsFetching", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pagedServer(t, 250, false))
		n := 0
		for _, err := range c.ListNotes(ctx, "o1") {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 100 {
				break
			}
		}
		if len(b.requests()) != 1 {
			t.Fatalf("requests=%d, want 1", len(b.requests()))
		}
	})

	t.Run("HasNextWithoutNextIsAnError", func(t *testing.T) {
		t.Parallel()
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 200, `{"data":[{"id":"a"}],"hasNext":true}`)
		})
		_, err := c.ListStages(ctx)
		if err == nil || !strings.Contains(err.Error(), "next") {
			t.Fatalf("err=%v", err)
		}
	})

	t.Run("ErrorOnLaterPage", func(t *testing.T) {
		t.Parallel()
		pages := pagedServer(t, 250, false)
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("offset") {
				leverError(w, 403, "Forbidden", "scope")
				return
			}
			pages(w, r)
		})
		n := 0
		var got error
		for s, err := range c.ListUsers(ctx, ListUsersParams{}) {
			if err != nil {
				got = err
				continue
			}
			if s == nil {
				t.Fatal("nil item without error")
			}
			n++
		}
		if n != 100 || !errors.Is(got, ErrForbidden) {
			t.Fatalf("items=%d err=%v", n, got)
		}
	})

	t.Run("DoubleWrappedPages", func(t *testing.T) {
		t.Parallel()
		pages := pagedServer(t, 150, false)
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			rec := &bufferedWriter{header: http.Header{}}
			pages(rec, r)
			writeRaw(w, 200, `{"data":`+string(rec.body)+`}`)
		})
		stages, err := c.ListStages(ctx)
		if err != nil || len(stages) != 150 {
			t.Fatalf("stages=%d err=%v", len(stages), err)
		}
	})
}

type bufferedWriter struct {
	header http.Header
	body   []byte
}

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(int)     {}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.body = append(b.body, p...)
	return len(p), nil
}

func mustQuery(tb testing.TB, raw string) url.Values {
	tb.Helper()
	v, err := url.ParseQuery(raw)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
