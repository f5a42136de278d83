package engine

import (
	"encoding/json"
	"fmt"

	"stagecoach/internal/domain"
)

// Settings are an integration's flow settings. Which fields apply depends on
// the provider's kind; empty fields take the defaults of WithDefaults.
// Stages may be given by Lever id or by name.
type Settings struct {
	// TriggerStage is the stage whose entry orders the provider's package.
	// Default: "Assessment" for assessments, the provider's name otherwise.
	TriggerStage string `json:"triggerStage,omitempty"`
	// PerformAs is the Lever user id writes are made as; default the
	// connection's, then the opportunity's owner.
	PerformAs string `json:"performAs,omitempty"`

	// CompletionStage (assessment) is where a completed order moves the
	// opportunity. Default "Assessment Complete"; "-" leaves it where it is.
	CompletionStage string `json:"completionStage,omitempty"`
	// InvitedTag and CompletedTag are the status tags. Defaults
	// "<provider> Assessment Invited"/"… Completed" for assessments and
	// "<provider> Interview Invited"/"… Completed" for video interviews.
	InvitedTag   string `json:"invitedTag,omitempty"`
	CompletedTag string `json:"completedTag,omitempty"`
	// FormTemplate (assessment) is the name of the profile form template
	// results are written to; created if missing. Default "<provider> Assessment".
	FormTemplate string `json:"formTemplate,omitempty"`
	// TaggedPostings (assessment) are the Lever posting ids that get the
	// Lever tag of every package the provider publishes, so that recruiters
	// can pick them there and the opportunities on those postings inherit
	// them. Tags are added, never removed.
	TaggedPostings []string `json:"taggedPostings,omitempty"`

	// DefaultPackage and PostingPackages (video interview) choose the
	// interview kit: by posting id, else the default.
	DefaultPackage  string            `json:"defaultPackage,omitempty"`
	PostingPackages map[string]string `json:"postingPackages,omitempty"`

	// JobSyncTag (interview service) is the Lever posting tag that syncs a
	// posting to the provider as a job. Default: the provider's name.
	JobSyncTag string `json:"jobSyncTag,omitempty"`
	// FeedbackForm (interview service) writes each round's feedback as a
	// Lever feedback form from FeedbackTemplate instead of a note.
	FeedbackForm bool `json:"feedbackForm,omitempty"`
	// FeedbackTemplate (interview service) names the Lever feedback
	// template; created if missing. Default "<provider> Interview Feedback".
	FeedbackTemplate string `json:"feedbackTemplate,omitempty"`

	// Sourcing (see sourcing_settings.go): RolePostings maps a provider
	// role id to a Lever posting id; StageMap a provider stage to a Lever
	// stage (id or name), LeverStageMap back (default: the inverse of
	// StageMap); DefaultStage is the funnel stage of an unmapped stage;
	// ExportPolicy is "successful" (default) or "all" (unsuccessful
	// candidates too, under a pseudonym).
	RolePostings  map[string]string `json:"rolePostings,omitempty"`
	StageMap      map[string]string `json:"stageMap,omitempty"`
	LeverStageMap map[string]string `json:"leverStageMap,omitempty"`
	DefaultStage  string            `json:"defaultStage,omitempty"`
	ExportPolicy  string            `json:"exportPolicy,omitempty"`
}

// WithDefaults fills the empty fields for a provider.
func (s Settings) WithDefaults(p *domain.Provider) Settings {
	switch p.Kind {
	case domain.KindAssessment:
		if s.TriggerStage == "" {
			s.TriggerStage = "Assessment"
		}
		if s.CompletionStage == "" {
			s.CompletionStage = "Assessment Complete"
		}
		if s.InvitedTag == "" {
			s.InvitedTag = p.Name + " Assessment Invited"
		}
		if s.CompletedTag == "" {
			s.CompletedTag = p.Name + " Assessment Completed"
		}
		if s.FormTemplate == "" {
			s.FormTemplate = p.Name + " Assessment"
		}
	case domain.KindVideoInterview:
		if s.TriggerStage == "" {
			s.TriggerStage = p.Name
		}
		if s.InvitedTag == "" {
			s.InvitedTag = p.Name + " Interview Invited"
		}
		if s.CompletedTag == "" {
			s.CompletedTag = p.Name + " Interview Completed"
		}
	case domain.KindInterviewService:
		if s.TriggerStage == "" {
			s.TriggerStage = p.Name
		}
		if s.JobSyncTag == "" {
			s.JobSyncTag = p.Name
		}
		if s.FeedbackTemplate == "" {
			s.FeedbackTemplate = p.Name + " Interview Feedback"
		}
	}
	return s
}

// ParseSettings decodes an integration's settings, refusing unknown fields so
// that a typo does not pass silently.
func ParseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(raw) == 0 {
		return s, nil
	}
	dec := json.NewDecoder(bytesReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, domain.Errorf(domain.EInvalid, "integration settings: %v", err)
	}
	return s, nil
}

func (e *Engine) integrationSettings(in *domain.Integration, p *domain.Provider) (Settings, error) {
	s, err := ParseSettings(in.Settings)
	if err != nil {
		return s, fmt.Errorf("integration %s: %w", in.ID, err)
	}
	return s.WithDefaults(p), nil
}
