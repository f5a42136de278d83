// Package metrics defines stagecoach's Prometheus metrics. A nil *Metrics is
// valid and records nothing, so tests need not build one.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics holds the collectors.
type Metrics struct {
	reg              *prometheus.Registry
	webhooksReceived *prometheus.CounterVec
	leverCalls       *prometheus.CounterVec
	leverLatency     *prometheus.HistogramVec
	jobRuns          *prometheus.CounterVec
	jobLatency       *prometheus.HistogramVec
	providerHooks    *prometheus.CounterVec
	inviteLatency    prometheus.Histogram
}

// JobCounter reports the number of jobs by state.
type JobCounter func(ctx context.Context) (map[string]int, error)

// New registers the collectors; jobs, when set, feeds the jobs-by-state gauge.
func New(jobs JobCounter) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.webhooksReceived = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stagecoach_lever_webhooks_total", Help: "Lever webhooks received, by result (accepted, duplicate, verification, verification_mismatch, rejected_replay, rejected_signature, rejected_window, rejected_body, unknown_connection).",
	}, []string{"result"})
	m.leverCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stagecoach_lever_calls_total", Help: "Calls to the Lever API, by method, route and status (0: no answer).",
	}, []string{"method", "route", "status"})
	m.leverLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "stagecoach_lever_call_duration_seconds", Help: "Latency of Lever API calls.", Buckets: prometheus.DefBuckets,
	}, []string{"method", "route"})
	m.jobRuns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stagecoach_job_runs_total", Help: "Job runs by kind and outcome (done, retry, snoozed, dead).",
	}, []string{"kind", "outcome"})
	m.jobLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "stagecoach_job_duration_seconds", Help: "How long job runs take.", Buckets: prometheus.DefBuckets,
	}, []string{"kind"})
	m.providerHooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "stagecoach_provider_webhooks_total", Help: "Webhook deliveries to providers, by type and outcome (delivered, failed).",
	}, []string{"type", "outcome"})
	m.inviteLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "stagecoach_stage_change_to_invite_note_seconds", Help: "Time from a Lever stage change to the invite note written in Lever.",
		Buckets: []float64{.05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300},
	})
	m.reg.MustRegister(m.webhooksReceived, m.leverCalls, m.leverLatency, m.jobRuns, m.jobLatency, m.providerHooks, m.inviteLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if jobs != nil {
		m.reg.MustRegister(&jobCollector{count: jobs, desc: prometheus.NewDesc("stagecoach_jobs", "Jobs by state.", []string{"state"}, nil)})
	}
	return m
}

// Handler serves the metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// WebhookReceived counts a Lever webhook by result.
func (m *Metrics) WebhookReceived(result string) {
	if m != nil {
		m.webhooksReceived.WithLabelValues(result).Inc()
	}
}

// LeverCall records one Lever API call.
func (m *Metrics) LeverCall(method, route string, status int, d time.Duration) {
	if m != nil {
		m.leverCalls.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
		m.leverLatency.WithLabelValues(method, route).Observe(d.Seconds())
	}
}

// JobRun records one job run.
func (m *Metrics) JobRun(kind, outcome string, d time.Duration) {
	if m != nil {
		m.jobRuns.WithLabelValues(kind, outcome).Inc()
		m.jobLatency.WithLabelValues(kind).Observe(d.Seconds())
	}
}

// ProviderWebhook records one delivery to a provider.
func (m *Metrics) ProviderWebhook(typ, outcome string) {
	if m != nil {
		m.providerHooks.WithLabelValues(typ, outcome).Inc()
	}
}

// InviteLatency records the time from a stage change to its invite note.
func (m *Metrics) InviteLatency(d time.Duration) {
	if m != nil {
		m.inviteLatency.Observe(d.Seconds())
	}
}

type jobCollector struct {
	count JobCounter
	desc  *prometheus.Desc
}

func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.count(ctx)
	if err != nil {
		return
	}
	for _, s := range []string{"available", "running", "done", "dead"} {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(counts[s]), s)
	}
}

// LeverCalls returns the number of Lever API calls recorded so far.
func (m *Metrics) LeverCalls() float64 {
	if m == nil {
		return 0
	}
	mfs, err := m.reg.Gather()
	if err != nil {
		return 0
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() == "stagecoach_lever_calls_total" {
			for _, mt := range mf.GetMetric() {
				total += mt.GetCounter().GetValue()
			}
		}
	}
	return total
}
