package ui

import (
	"cmp"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

type homeData struct {
	Connections []*domain.Connection
	Providers   int
	Active      int
	Inactive    int
	Orders      []*domain.Order
	Dead        int
	Users       int
}

func (u *UI) handleHome(w http.ResponseWriter, r *http.Request) {
	var d homeData
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		ctx := r.Context()
		if d.Connections, err = tx.ConnectionList(ctx); err != nil {
			return err
		}
		ps, err := tx.ProviderList(ctx)
		if err != nil {
			return err
		}
		d.Providers = len(ps)
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{})
		if err != nil {
			return err
		}
		for _, in := range ins {
			if in.Enabled {
				d.Active++
			} else {
				d.Inactive++
			}
		}
		page, err := tx.OrderSearch(ctx, store.OrderQuery{Limit: 10})
		if err != nil {
			return err
		}
		d.Orders = page.Orders
		dead, err := tx.JobList(ctx, store.JobFilter{Status: domain.JobDead, Limit: 1000})
		d.Dead = len(dead)
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "home.html", page{Title: "Overview", Nav: "home", Data: d})
}

type ordersData struct {
	Orders      []*domain.Order
	Query       store.OrderQuery
	Connections []*domain.Connection
	Providers   []*domain.Provider
	Statuses    []string
	Next, Prev  string // the links to the older and the newer page
	ProvName    map[string]string
	Counts      []statusCount
}

// statusCount is one status of a list with how many rows have it under the
// other filters, and the link that filters on it.
type statusCount struct {
	Status, Label, Link string
	N                   int
	On                  bool
}

// statusCounts lists "all" and then each status with its count, each
// linking to path with the query q and that status.
func statusCounts(path string, q url.Values, statuses []string, counts map[string]int, current string) []statusCount {
	link := func(st string) string {
		v := url.Values{}
		for k, vs := range q {
			if k != "status" && k != "before" && k != "after" {
				v[k] = vs
			}
		}
		if st != "" {
			v.Set("status", st)
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	out := []statusCount{{Label: "all", N: total, Link: link(""), On: current == ""}}
	for _, st := range statuses {
		out = append(out, statusCount{Status: st, Label: st, N: counts[st], Link: link(st), On: current == st})
	}
	return out
}

func (u *UI) handleOrderList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := ordersData{Statuses: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted, domain.OrderCompleted, domain.OrderCancelled, domain.OrderExpired},
		ProvName: map[string]string{}}
	d.Query = store.OrderQuery{ConnectionID: q.Get("connection"), ProviderID: q.Get("provider"), Status: q.Get("status"), Text: q.Get("q"),
		Before: q.Get("before"), After: q.Get("after"), Limit: 50}
	var older, newer string
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		ctx := r.Context()
		page, err := tx.OrderSearch(ctx, d.Query)
		if err != nil {
			return err
		}
		d.Orders, older, newer = page.Orders, page.Older, page.Newer
		counts, err := tx.OrderStatusCounts(ctx, d.Query)
		if err != nil {
			return err
		}
		d.Counts = statusCounts("/orders", q, d.Statuses, counts, d.Query.Status)
		if d.Connections, err = tx.ConnectionList(ctx); err != nil {
			return err
		}
		d.Providers, err = tx.ProviderList(ctx)
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	for _, p := range d.Providers {
		d.ProvName[p.ID] = p.Name
	}
	link := func(key, cursor string) string {
		v := q
		v.Del("before")
		v.Del("after")
		v.Set(key, cursor)
		return "/orders?" + v.Encode()
	}
	if older != "" {
		d.Next = link("before", older)
	}
	if newer != "" {
		d.Prev = link("after", newer)
	}
	u.render(w, r, http.StatusOK, "orders.html", page{Title: "Orders", Nav: "orders", Data: d})
}

type orderData struct {
	Order        *domain.Order
	PostingTitle string // from the order, else read from Lever
	Provider     *domain.Provider
	Conn         *domain.Connection
	Steps        []step
	Result       string
	LeverURL     string
}

func (u *UI) handleOrderShow(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d := orderData{}
	ctx := r.Context()
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		if d.Order, err = tx.OrderGet(ctx, id); err != nil {
			return err
		}
		o := d.Order
		if d.Provider, err = tx.ProviderGet(ctx, o.ProviderID); err != nil && !store.IsNotFound(err) {
			return err
		}
		if d.Conn, err = tx.ConnectionGet(ctx, o.ConnectionID); err != nil && !store.IsNotFound(err) {
			return err
		}
		return nil
	})
	if err == nil {
		o := d.Order
		n := names{Stages: u.stageNames(ctx, d.Conn)}
		if d.Provider != nil {
			n.Provider = d.Provider.Name
		}
		if d.PostingTitle = o.Details.PostingTitle; d.PostingTitle == "" {
			d.PostingTitle = u.postingTitle(ctx, d.Conn, o.PostingID)
		}
		err = u.inTx(r, func(tx *store.Tx) (err error) {
			d.Steps, err = timeline(ctx, tx, n, o.ConnectionID, o.OpportunityID, o.IntegrationID, o.ID, "hook:"+o.ProviderID+":order:"+o.ID)
			return err
		})
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if len(d.Order.Result) > 0 {
		var buf strings.Builder
		var v any
		if json.Unmarshal(d.Order.Result, &v) == nil {
			b, _ := json.MarshalIndent(v, "", "  ")
			buf.Write(b)
		}
		d.Result = buf.String()
	}
	d.LeverURL = d.Order.Details.OpportunityURL
	u.render(w, r, http.StatusOK, "order.html", page{Title: "Order " + d.Order.ID, Nav: "orders", Data: d})
}

func compact(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

type eventRow struct {
	Ev        *domain.LeverEvent
	Text      string // what happened, in words
	Candidate string // the candidate's name, when an order knows it
	Decisions []eventDecision
}

type eventDecision struct {
	*domain.Decision
	Integration string // the integration that decided: provider on connection
}

// eventsData is the event log: its rows and filters.
type eventsData struct {
	Rows         []eventRow
	Connection   string
	Opportunity  string
	Integration  string
	Event        string
	Decision     string
	Within       string
	Connections  []*domain.Connection
	Integrations []integrationChoice
	Events       []string
	Decisions    []string
	Withins      []within
}

type integrationChoice struct{ ID, Label string }

type within struct {
	Value, Label string
	D            time.Duration
}

// withins are the event log's time filter: received within the last….
var withins = []within{{"1h", "last hour", time.Hour}, {"24h", "last 24 hours", 24 * time.Hour}, {"7d", "last 7 days", 7 * 24 * time.Hour}, {"30d", "last 30 days", 30 * 24 * time.Hour}}

func (u *UI) handleEventList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := eventsData{Connection: q.Get("connection"), Opportunity: strings.TrimSpace(q.Get("opportunity")), Integration: q.Get("integration"),
		Event: q.Get("event"), Decision: q.Get("decision"), Within: q.Get("within"), Events: engineEvents(), Withins: withins,
		Decisions: []string{domain.DecisionOrdered, domain.DecisionReinvited, domain.DecisionCancelled, domain.DecisionIgnored, store.DecisionNone}}
	f := store.EventSearch{ConnectionID: d.Connection, OpportunityID: d.Opportunity, IntegrationID: d.Integration, Event: d.Event, Decision: d.Decision, Limit: 100}
	if d.Within != "" {
		i := slices.IndexFunc(withins, func(x within) bool { return x.Value == d.Within })
		if i < 0 {
			u.fail(w, r, domain.Errorf(domain.EInvalid, "Time filter %q is not one of 1h, 24h, 7d or 30d.", d.Within))
			return
		}
		f.Since = u.cfg.NowFunc().Add(-withins[i].D)
	}
	integrationName := map[string]string{}
	ctx := r.Context()
	err := u.inTx(r, func(tx *store.Tx) error {
		evs, err := tx.LeverEventSearch(ctx, f)
		if err != nil {
			return err
		}
		if d.Connections, err = tx.ConnectionList(ctx); err != nil {
			return err
		}
		ps, err := tx.ProviderList(ctx)
		if err != nil {
			return err
		}
		provName := map[string]string{}
		for _, p := range ps {
			provName[p.ID] = p.Name
		}
		connName := map[string]string{}
		for _, c := range d.Connections {
			connName[c.ID] = c.Name
		}
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{})
		if err != nil {
			return err
		}
		for _, in := range ins {
			label := cmp.Or(provName[in.ProviderID], in.ProviderID) + " on " + cmp.Or(connName[in.ConnectionID], in.ConnectionID)
			integrationName[in.ID] = label
			d.Integrations = append(d.Integrations, integrationChoice{ID: in.ID, Label: label})
		}
		var opps []string
		for _, ev := range evs {
			if ev.OpportunityID != "" && !slices.Contains(opps, ev.OpportunityID) {
				opps = append(opps, ev.OpportunityID)
			}
		}
		cands, err := tx.CandidateNamesByOpportunity(ctx, opps)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			ds, err := tx.DecisionList(ctx, ev.ID)
			if err != nil {
				return err
			}
			row := eventRow{Ev: ev, Candidate: cands[ev.OpportunityID]}
			for _, dc := range ds {
				row.Decisions = append(row.Decisions, eventDecision{Decision: dc, Integration: cmp.Or(integrationName[dc.IntegrationID], dc.IntegrationID)})
			}
			d.Rows = append(d.Rows, row)
		}
		return nil
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	// Stage names are read from Lever after the transaction: a Lever call
	// waits on the rate limiter, which takes the database too.
	stageNames := map[string]map[string]string{}
	for i, row := range d.Rows {
		n := names{}
		if row.Ev.Event == "candidateStageChange" {
			if _, ok := stageNames[row.Ev.ConnectionID]; !ok {
				c := connByID(d.Connections, row.Ev.ConnectionID)
				stageNames[row.Ev.ConnectionID] = u.stageNames(ctx, c)
			}
			n.Stages = stageNames[row.Ev.ConnectionID]
		}
		d.Rows[i].Text = strings.TrimSuffix(leverEventStep(row.Ev, n).Text, " in Lever")
	}
	u.render(w, r, http.StatusOK, "events.html", page{Title: "Event log", Nav: "events", Data: d})
}

func connByID(cs []*domain.Connection, id string) *domain.Connection {
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	return nil
}

type deadRow struct {
	Job     *domain.Job
	Args    string
	Summary string
}

func (u *UI) handleDeadLetterList(w http.ResponseWriter, r *http.Request) {
	var rows []deadRow
	err := u.inTx(r, func(tx *store.Tx) error {
		jobs, err := tx.JobList(r.Context(), store.JobFilter{Status: domain.JobDead, Limit: 200})
		for _, j := range jobs {
			rows = append(rows, deadRow{Job: j, Args: compact(j.Args), Summary: jobSummary(j)})
		}
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "dead_letters.html", page{Title: "Dead letters", Nav: "dead", Data: rows})
}

func jobSummary(j *domain.Job) string {
	switch j.Kind {
	case engine.JobLeverEvent:
		return "Routing a Lever webhook"
	case engine.JobOrderEffects:
		return "Writing an order's results to Lever"
	case engine.JobProviderWebhook:
		return "Sending a webhook to a provider"
	case engine.JobReconcile:
		return "Sweeping Lever for missed webhooks"
	}
	return j.Kind
}

// handleDeadLetterRetry queues a dead job again; members may do it.
func (u *UI) handleDeadLetterRetry(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		u.fail(w, r, domain.Errorf(domain.EInvalid, "%q is not a job id", r.PathValue("id")))
		return
	}
	if err := u.inTx(r, func(tx *store.Tx) error { return tx.JobRetryDead(r.Context(), id) }); err != nil {
		u.fail(w, r, err)
		return
	}
	u.eng.Notify()
	u.redirect(w, r, "/dead-letters", "Job "+strconv.FormatInt(id, 10)+" queued again.")
}
