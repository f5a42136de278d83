package ui

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

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
		if d.Orders, _, err = tx.OrderSearch(ctx, store.OrderQuery{Limit: 10}); err != nil {
			return err
		}
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
	More        bool
	Next, Prev  string
	ProvName    map[string]string
}

func (u *UI) handleOrderList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := ordersData{Statuses: []string{domain.OrderCreated, domain.OrderInvited, domain.OrderScheduled, domain.OrderStarted, domain.OrderCompleted, domain.OrderCancelled, domain.OrderExpired},
		ProvName: map[string]string{}}
	d.Query = store.OrderQuery{ConnectionID: q.Get("connection"), ProviderID: q.Get("provider"), Status: q.Get("status"), Text: q.Get("q"), Limit: 50}
	d.Query.Offset, _ = strconv.Atoi(q.Get("offset"))
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		ctx := r.Context()
		if d.Orders, d.More, err = tx.OrderSearch(ctx, d.Query); err != nil {
			return err
		}
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
	page1 := func(off int) string {
		v := q
		v.Set("offset", strconv.Itoa(off))
		return "/orders?" + v.Encode()
	}
	if d.More {
		d.Next = page1(d.Query.Offset + d.Query.Limit)
	}
	if d.Query.Offset > 0 {
		d.Prev = page1(max(d.Query.Offset-d.Query.Limit, 0))
	}
	u.render(w, r, http.StatusOK, "orders.html", page{Title: "Orders", Nav: "orders", Data: d})
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
