package sampleprovider

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"

	"stagecoach/provider"
)

// maxWebhookBody bounds a webhook body; an order is a few KiB.
const maxWebhookBody = 1 << 20

// Handler returns the provider's routes:
//
//	POST /webhooks       stagecoach's signed webhooks
//	GET  /take/{id}      the candidate's page for an order
//	GET  /results/{id}   the recruiter's page with an order's results
//	GET  /stats          counters, as JSON
//	GET  /jobs           the jobs stagecoach synced (interview service)
//	GET  /interview/{id}, /evaluate/{id}, /schedule/{id}, /meet/{id},
//	     /feedback/{id}, /video/{id}: the interview links of an order
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks", p.handleWebhook)
	mux.HandleFunc("GET /take/{id}", p.handleTake)
	mux.HandleFunc("GET /results/{id}", p.handleResults)
	mux.HandleFunc("GET /stats", p.handleStats)
	mux.HandleFunc("GET /jobs", p.handleJobs)
	for _, path := range []string{"/interview/", "/evaluate/", "/schedule/", "/meet/", "/feedback/", "/video/"} {
		mux.HandleFunc("GET "+path+"{id}", p.handleInterviewPage)
	}
	return mux
}

// handleWebhook verifies a webhook, drops a redelivery and acts on the
// message. It answers quickly: the order's steps run in the background.
func (p *Provider) handleWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxWebhookBody))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	msg, err := p.verifier.Verify(r.Header, body)
	if err != nil {
		p.log.Warn("refused a webhook", slog.String("webhook_id", r.Header.Get("webhook-id")), slog.Any("error", err))
		http.Error(w, "invalid webhook signature", http.StatusUnauthorized)
		return
	}

	p.mu.Lock()
	dup := p.seen[msg.ID]
	if dup {
		p.dupes++
	} else {
		p.seen[msg.ID] = true
		p.received[msg.Type]++
	}
	p.mu.Unlock()
	if dup {
		p.log.Info("dropped a redelivered webhook", slog.String("webhook_id", msg.ID), slog.String("type", msg.Type))
		w.WriteHeader(http.StatusNoContent)
		return
	}

	switch msg.Type {
	case provider.WebhookOrderCreated, provider.WebhookOrderReinvite, provider.WebhookOrderCancelled:
	case provider.WebhookJobSynced, provider.WebhookJobRemoved:
		if err := p.onJob(msg); err != nil {
			http.Error(w, "the data is not a job", http.StatusBadRequest)
			return
		}
		p.log.Info("job "+msg.Type[len("job."):], slog.String("webhook_id", msg.ID))
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		p.log.Info("ignored a webhook of an unknown type", slog.String("webhook_id", msg.ID), slog.String("type", msg.Type))
		w.WriteHeader(http.StatusNoContent)
		return
	}
	o, err := msg.Order()
	if err != nil || o.ID == "" {
		p.log.Warn("webhook without an order", slog.String("webhook_id", msg.ID), slog.String("type", msg.Type), slog.Any("error", err))
		http.Error(w, "the data is not an order", http.StatusBadRequest)
		return
	}
	log := p.log.With(slog.String("webhook_id", msg.ID), slog.String("order_id", o.ID))
	switch msg.Type {
	case provider.WebhookOrderCreated:
		if p.startOrder(o) {
			log.Info("order received", slog.String("package_id", o.Package.ID))
		}
	case provider.WebhookOrderReinvite:
		// A real tool would refresh the invitation and e-mail it again.
		log.Info("re-invite requested; the invitation would be sent again")
	case provider.WebhookOrderCancelled:
		p.cancelOrder(o.ID)
		log.Info("order cancelled", slog.String("reason", o.Reason))
	}
	w.WriteHeader(http.StatusNoContent)
}

// stats is the JSON of GET /stats.
type stats struct {
	// Received counts the webhooks handled, by type (redeliveries
	// excluded).
	Received map[string]int `json:"received"`
	// Reported counts the events stagecoach accepted, by type.
	Reported map[string]int `json:"reported"`
	// Duplicates counts the redelivered webhooks dropped.
	Duplicates int `json:"duplicates"`
	// Orders counts the orders known, by the last status reported.
	Orders map[string]int `json:"orders"`
	// Jobs counts the jobs synced and not removed (interview service).
	Jobs int `json:"jobs"`
}

func (p *Provider) handleStats(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	s := stats{Received: map[string]int{}, Reported: map[string]int{}, Duplicates: p.dupes, Orders: map[string]int{}, Jobs: len(p.jobs)}
	for k, v := range p.received {
		s.Received[k] = v
	}
	for k, v := range p.reported {
		s.Reported[k] = v
	}
	for _, o := range p.orders {
		st := o.status
		if o.cancelled {
			st = provider.StatusCancelled
		}
		s.Orders[st]++
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

// pageData is what the HTML pages show.
type pageData struct {
	Provider string
	Order    provider.Order
	Package  provider.Package
	Status   string
	Result   result
}

func (p *Provider) page(w http.ResponseWriter, r *http.Request, name string) {
	p.mu.Lock()
	run, ok := p.orders[r.PathValue("id")]
	var d pageData
	if ok {
		d = pageData{Provider: p.cfg.Name, Order: run.order, Package: run.pkg, Status: run.status, Result: resultFor(run.order.ID)}
		if run.cancelled {
			d.Status = provider.StatusCancelled
		}
	}
	p.mu.Unlock()
	if !ok {
		http.Error(w, "no such order here", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := p.pages.ExecuteTemplate(w, name, d); err != nil {
		p.log.Warn("cannot render a page", slog.String("page", name), slog.Any("error", err))
	}
}

func (p *Provider) handleTake(w http.ResponseWriter, r *http.Request) { p.page(w, r, "take") }

func (p *Provider) handleResults(w http.ResponseWriter, r *http.Request) { p.page(w, r, "results") }

func (p *Provider) handleInterviewPage(w http.ResponseWriter, r *http.Request) {
	p.page(w, r, "interview")
}

const pageTemplates = `
{{define "head"}}<!doctype html><html><head><meta charset="utf-8"><title>{{.Provider}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}td{padding:.2rem 1rem .2rem 0}</style></head><body>{{end}}
{{define "take"}}{{template "head" .}}
<h1>{{.Package.Name}}</h1>
<p>Hello {{.Order.Candidate.Name}}, this is your {{.Package.Name}} assessment from {{.Provider}}.</p>
<p>This is a demo: the assessment takes itself. Status: <strong>{{.Status}}</strong>.</p>
</body></html>{{end}}
{{define "interview"}}{{template "head" .}}
<h1>{{.Package.Name}}: {{.Order.Candidate.Name}}</h1>
<p>This is a demo page of {{.Provider}} for this interview. Status: <strong>{{.Status}}</strong>.</p>
</body></html>{{end}}
{{define "results"}}{{template "head" .}}
<h1>{{.Package.Name}}: {{.Order.Candidate.Name}}</h1>
{{if eq .Status "completed"}}
<p>Score <strong>{{.Result.Score}} / {{.Result.MaxScore}}</strong> ({{.Result.Outcome}})</p>
<table>{{range .Result.Attributes}}<tr><td>{{.Name}}</td><td>{{.Value}}</td></tr>{{end}}</table>
{{else}}<p>Not completed yet. Status: <strong>{{.Status}}</strong>.</p>{{end}}
</body></html>{{end}}
`
