package ui

import (
	"context"
	"encoding/json"
	"net/http"
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

// step is one line of an order's timeline.
type step struct {
	At     time.Time
	Source string // lever, stagecoach, provider, lever-write, webhook
	Title  string
	Detail string
	Status string
	Link   string
}

type orderData struct {
	Order    *domain.Order
	Provider *domain.Provider
	Conn     *domain.Connection
	Steps    []step
	Result   string
	LeverURL string
}

func (u *UI) handleOrderShow(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d := orderData{}
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		ctx := r.Context()
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
		d.Steps, err = timeline(ctx, tx, o.ConnectionID, o.OpportunityID, o.IntegrationID, o.ID, "hook:"+o.ProviderID+":order:"+o.ID)
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	slices.SortStableFunc(d.Steps, func(a, b step) int { return a.At.Compare(b.At) })
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

// timeline gathers what happened to one order or export, oldest first: the
// Lever webhooks about its opportunity with what the integration decided,
// what the provider reported (orders), every write to Lever from the effect
// journal (keyed by the order or export id), and the webhooks sent to the
// provider from the outbox (hookQueue).
func timeline(ctx context.Context, tx *store.Tx, connID, oppID, integrationID, journalID, hookQueue string) ([]step, error) {
	var steps []step
	if oppID != "" {
		evs, err := tx.LeverEventList(ctx, store.LeverEventFilter{ConnectionIDs: []string{connID}, OpportunityID: oppID, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			steps = append(steps, step{At: ev.ReceivedAt, Source: "lever", Title: "Lever " + ev.Event + " (" + ev.Source + ")", Detail: compact(ev.Payload), Link: "/events?opportunity=" + ev.OpportunityID})
			ds, err := tx.DecisionList(ctx, ev.ID)
			if err != nil {
				return nil, err
			}
			for _, dc := range ds {
				if dc.IntegrationID == integrationID {
					steps = append(steps, step{At: dc.CreatedAt, Source: "stagecoach", Title: "Routing: " + dc.Decision, Detail: dc.Reason})
				}
			}
		}
	}
	oes, err := tx.OrderEventList(ctx, journalID)
	if err != nil {
		return nil, err
	}
	for _, oe := range oes {
		steps = append(steps, step{At: oe.CreatedAt, Source: "provider", Title: "Provider: " + oe.Type, Detail: compact(oe.Payload)})
	}
	effs, err := tx.EffectList(ctx, journalID)
	if err != nil {
		return nil, err
	}
	for _, ef := range effs {
		detail := compact(ef.Payload)
		if ef.Result != "" {
			detail = "Lever id " + ef.Result + " · " + detail
		}
		if ef.LastError != "" {
			detail = "last error: " + ef.LastError + " · " + detail
		}
		steps = append(steps, step{At: ef.UpdatedAt, Source: "lever-write", Title: "Lever write: " + ef.Kind, Status: ef.Status, Detail: detail})
	}
	jobs, err := tx.JobListByQueue(ctx, hookQueue)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		var args struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(j.Args, &args)
		detail := "attempt " + strconv.Itoa(j.Attempt) + " of " + strconv.Itoa(j.MaxAttempts)
		if j.LastError != "" {
			detail += " · " + j.LastError
		}
		st := step{At: j.UpdatedAt, Source: "webhook", Title: "Webhook to provider: " + args.Type, Status: j.Status, Detail: detail}
		if j.Status == domain.JobDead {
			st.Link = "/dead-letters"
		}
		steps = append(steps, st)
	}
	slices.SortStableFunc(steps, func(a, b step) int { return a.At.Compare(b.At) })
	return steps, nil
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
	Decisions []*domain.Decision
}

type eventsData struct {
	Rows        []eventRow
	Connection  string
	Opportunity string
	Connections []*domain.Connection
}

func (u *UI) handleEventList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := eventsData{Connection: q.Get("connection"), Opportunity: strings.TrimSpace(q.Get("opportunity"))}
	err := u.inTx(r, func(tx *store.Tx) error {
		ctx := r.Context()
		f := store.LeverEventFilter{OpportunityID: d.Opportunity, Limit: 100}
		if d.Connection != "" {
			f.ConnectionIDs = []string{d.Connection}
		}
		evs, err := tx.LeverEventList(ctx, f)
		if err != nil {
			return err
		}
		for _, ev := range evs {
			ds, err := tx.DecisionList(ctx, ev.ID)
			if err != nil {
				return err
			}
			d.Rows = append(d.Rows, eventRow{Ev: ev, Decisions: ds})
		}
		d.Connections, err = tx.ConnectionList(ctx)
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "events.html", page{Title: "Event log", Nav: "events", Data: d})
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
