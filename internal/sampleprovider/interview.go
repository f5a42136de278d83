package sampleprovider

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"net/url"
	"sort"
	"time"

	"stagecoach/provider"
)

// The sample provider plays a one-way video interview tool (Kind
// video_interview: invited, then completed with an evaluation link) or an
// interview-as-a-service tool (Kind interview_service: it keeps the jobs
// stagecoach syncs, and for each order reports a scheduling link, the
// schedule, a reschedule, then the round's feedback).

// Default display names per kind.
const (
	DefaultVideoName   = "Demo Video"
	DefaultServiceName = "Demo Interviews"
)

// DefaultPackagesFor returns the packages published for a kind when
// Config.Packages is empty.
func DefaultPackagesFor(kind string) []provider.Package {
	switch kind {
	case provider.KindVideoInterview:
		return []provider.Package{
			{ID: "general", Name: "General video interview", Kind: provider.PackageInterviewKit},
			{ID: "engineering", Name: "Engineering video interview", Kind: provider.PackageInterviewKit},
		}
	case provider.KindInterviewService:
		return []provider.Package{{ID: "technical-rounds", Name: "Technical interview rounds", Kind: provider.PackageInterviewPlan}}
	}
	return DefaultPackages()
}

// packageKindFor is the kind of package a provider of kind runs.
func packageKindFor(kind string) string {
	switch kind {
	case provider.KindVideoInterview:
		return provider.PackageInterviewKit
	case provider.KindInterviewService:
		return provider.PackageInterviewPlan
	}
	return provider.PackageAssessment
}

// steps are the events the provider reports for an order, in order.
func (p *Provider) steps(run *orderRun) []provider.Event {
	base, id := p.publicURL(), url.PathEscape(run.order.ID)
	switch p.cfg.Kind {
	case provider.KindVideoInterview:
		return []provider.Event{
			{Type: provider.EventInvited, CandidateURL: base + "/interview/" + id},
			{Type: provider.EventCompleted, EvaluationURL: base + "/evaluate/" + id},
		}
	case provider.KindInterviewService:
		// Everything derives from the order, so a repeat after a restart
		// is the same report.
		at := run.order.CreatedAt.UTC().Truncate(time.Hour).Add(48 * time.Hour)
		later := at.Add(24 * time.Hour)
		rec := []string{"Strong Hire", "Hire", "Hire", "No Hire"}[hashOf(run.order.ID)%4]
		return []provider.Event{
			{Type: provider.EventInvited, SchedulingURL: base + "/schedule/" + id},
			{Type: provider.EventScheduled, StartsAt: &at, Interviewer: "Sam Rivera", MeetingURL: base + "/meet/" + id, Round: "Technical"},
			{Type: provider.EventRescheduled, StartsAt: &later},
			{Type: provider.EventFeedback, Round: "Technical", Recommendation: rec, Interviewer: "Sam Rivera",
				Summary:     "Solid fundamentals and clear communication; see the recording for the system design part.",
				FeedbackURL: base + "/feedback/" + id, VideoURL: base + "/video/" + id},
		}
	}
	return []provider.Event{p.invited(run), {Type: provider.EventStarted}, p.completed(run)}
}

func hashOf(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// onJob keeps or withdraws a job stagecoach synced.
func (p *Provider) onJob(msg *provider.WebhookMessage) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch msg.Type {
	case provider.WebhookJobSynced:
		j, err := msg.Job()
		if err != nil || j.ID == "" {
			return err
		}
		p.jobs[j.ID] = j
	case provider.WebhookJobRemoved:
		j, err := msg.RemovedJob()
		if err != nil {
			return err
		}
		delete(p.jobs, j.ID)
	}
	return nil
}

// handleJobs lists the jobs the provider has, by title.
func (p *Provider) handleJobs(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	out := make([]*provider.Job, 0, len(p.jobs))
	for _, j := range p.jobs {
		out = append(out, j)
	}
	p.mu.Unlock()
	sort.Slice(out, func(i, k int) bool { return out[i].Title < out[k].Title })
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": out})
}
