package assessment

import (
	"stagecoach/internal/ats"
	"stagecoach/internal/flow"
)

// CheckSetup checks the completion stage, the tags, the form template, the
// postings to tag and the packages' tags.
func (Kind) CheckSetup(env flow.SetupEnv) {
	s := env.Settings()
	env.Stage("completionStage", "completion stage", s.CompletionStage)
	env.TagWarn("invitedTag", "invited tag", s.InvitedTag)
	env.TagWarn("completedTag", "completed tag", s.CompletedTag)
	if has, known := env.HasTemplate(ats.ResultsForm, s.FormTemplate); known && !has {
		env.Add(flow.SeverityWarning, "formTemplate", "The form template %q does not exist yet; stagecoach creates it with the first results.", s.FormTemplate)
	}
	for _, id := range s.TaggedPostings {
		env.Job("taggedPostings", "posting to tag", id)
	}
	pkgs := env.Packages()
	if len(pkgs) == 0 {
		env.Add(flow.SeverityWarning, "", "%s has published no packages yet, so no opportunity tag can choose one.", env.ProviderName())
	}
	for _, p := range pkgs {
		if p.LeverTag == "" {
			continue
		}
		if has, known := env.HasTag(p.LeverTag); known && !has {
			env.Add(flow.SeverityWarning, "taggedPostings", "The package tag %q does not exist in Lever yet, so recruiters cannot pick it: add it to postings (above) or to an opportunity.", p.LeverTag)
		}
	}
}

// TagsPostings: the packages' tags go on the integration's taggedPostings.
func (Kind) TagsPostings() {}

var (
	_ flow.SetupChecker  = Kind{}
	_ flow.PostingTagger = Kind{}
)
