package interviewservice

import (
	"stagecoach/internal/ats"
	"stagecoach/internal/flow"
)

// CheckSetup checks that some posting carries the job sync tag, and the
// feedback template.
func (Kind) CheckSetup(env flow.SetupEnv) {
	s := env.Settings()
	tag := s.JobSyncTag
	if tag == "" {
		tag = env.ProviderName()
	}
	if has, known := env.JobCarries(tag); known && !has {
		env.Add(flow.SeverityWarning, "jobSyncTag", "No posting carries the job sync tag %q yet: add it to the postings the provider should interview for.", tag)
	}
	if s.FeedbackForm && s.FeedbackTemplate != "" {
		if has, known := env.HasTemplate(ats.FeedbackForm, s.FeedbackTemplate); known && !has {
			env.Add(flow.SeverityWarning, "feedbackTemplate", "The feedback template %q does not exist in Lever yet; stagecoach creates it with the first feedback.", s.FeedbackTemplate)
		}
	}
}

// SyncsJobs: the provider is sent the postings carrying the tag.
func (Kind) SyncsJobs() {}

// Interviews: its orders are interviews.
func (Kind) Interviews() {}

var (
	_ flow.SetupChecker = Kind{}
	_ flow.JobSyncer    = Kind{}
	_ flow.Interviewer  = Kind{}
)
