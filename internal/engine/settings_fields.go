package engine

import (
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
)

// FieldType says what a setting holds, and so how an operator picks it.
type FieldType string

// Setting field types. Stages, postings, users, tags and templates are
// picked from the Lever account; packages from the provider's.
const (
	FieldStage              FieldType = "stage"               // a Lever stage id (or name)
	FieldPosting            FieldType = "posting"             // a Lever posting id
	FieldPostings           FieldType = "postings"            // several Lever posting ids
	FieldUser               FieldType = "user"                // a Lever user id or e-mail
	FieldTag                FieldType = "tag"                 // a Lever tag (created when first used)
	FieldFormTemplate       FieldType = "form_template"       // a profile form template name (created if missing)
	FieldFeedbackTemplate   FieldType = "feedback_template"   // a feedback template name (created if missing)
	FieldPackage            FieldType = "package"             // one of the provider's package ids
	FieldBool               FieldType = "bool"                // on or off
	FieldText               FieldType = "text"                // free text
	FieldChoice             FieldType = "choice"              // one of Choices
	FieldMapPostingPackage  FieldType = "map_posting_package" // Lever posting id -> package id
	FieldMapRolePosting     FieldType = "map_role_posting"    // provider role id -> Lever posting id
	FieldMapProviderToStage FieldType = "map_provider_stage"  // provider stage -> Lever stage
	FieldMapStageToProvider FieldType = "map_lever_stage"     // Lever stage -> provider stage
)

// Choice is one allowed value of a choice field.
type Choice struct {
	Value, Label string
}

// SettingsField describes one integration setting: its JSON name in
// Settings, how it is shown and how it is picked.
type SettingsField struct {
	Name    string // the JSON field name in Settings
	Label   string
	Type    FieldType
	Help    string
	Choices []Choice // FieldChoice only
}

// SettingsFields lists the settings of a provider kind's flow, in the order
// an operator fills them in.
func SettingsFields(kind string) []SettingsField {
	performAs := SettingsField{Name: "performAs", Label: "Perform as", Type: FieldUser,
		Help: "The Lever user stagecoach writes as. Empty: the connection's default, then the opportunity's owner."}
	switch kind {
	case domain.KindAssessment:
		return []SettingsField{
			{Name: "triggerStage", Label: "Trigger stage", Type: FieldStage, Help: "Moving a candidate into this stage orders the assessment their tag names."},
			{Name: "completionStage", Label: "Completion stage", Type: FieldStage, Help: `Where a completed assessment moves the candidate ("-" leaves them where they are).`},
			{Name: "invitedTag", Label: "Invited tag", Type: FieldTag, Help: "Put on the opportunity when the candidate is invited."},
			{Name: "completedTag", Label: "Completed tag", Type: FieldTag, Help: "Replaces the invited tag when the results are in."},
			{Name: "formTemplate", Label: "Results form template", Type: FieldFormTemplate, Help: "The profile form the results are written to; created if missing."},
			{Name: "taggedPostings", Label: "Postings that get the package tags", Type: FieldPostings, Help: "stagecoach puts each package's tag on these postings, so recruiters can pick the tags and opportunities inherit them."},
			performAs,
		}
	case domain.KindVideoInterview:
		return []SettingsField{
			{Name: "triggerStage", Label: "Trigger stage", Type: FieldStage, Help: "Moving a candidate into this stage invites them to the interview."},
			{Name: "invitedTag", Label: "Invited tag", Type: FieldTag},
			{Name: "completedTag", Label: "Completed tag", Type: FieldTag},
			{Name: "defaultPackage", Label: "Default interview kit", Type: FieldPackage, Help: "Used for postings without a kit of their own."},
			{Name: "postingPackages", Label: "Interview kit per posting", Type: FieldMapPostingPackage},
			performAs,
		}
	case domain.KindInterviewService:
		return []SettingsField{
			{Name: "triggerStage", Label: "Trigger stage", Type: FieldStage, Help: "Moving a candidate into this stage creates them at the provider and sends the scheduling link."},
			{Name: "jobSyncTag", Label: "Job sync tag", Type: FieldTag, Help: "Postings carrying this tag are synced to the provider as jobs; removing it withdraws them."},
			{Name: "feedbackForm", Label: "Write feedback as a Lever feedback form", Type: FieldBool, Help: "Off: a feedback note."},
			{Name: "feedbackTemplate", Label: "Feedback template", Type: FieldFeedbackTemplate, Help: "The Lever feedback template the feedback is written to; created if missing."},
			performAs,
		}
	case domain.KindSourcing:
		return []SettingsField{
			{Name: "rolePostings", Label: "Provider role → Lever posting", Type: FieldMapRolePosting},
			{Name: "stageMap", Label: "Provider stage → Lever stage", Type: FieldMapProviderToStage},
			{Name: "leverStageMap", Label: "Lever stage → provider stage", Type: FieldMapStageToProvider, Help: "Empty: the inverse of the map above."},
			{Name: "defaultStage", Label: "Default funnel stage", Type: FieldStage, Help: "For provider stages without a mapping."},
			{Name: "exportPolicy", Label: "Export policy", Type: FieldChoice, Choices: []Choice{
				{"successful", "Successful candidates only"},
				{"all", "All candidates (unsuccessful ones under a pseudonym, without identifying data)"},
			}},
			{Name: "performAs", Label: "Perform as", Type: FieldUser, Help: "Who creates exported opportunities when the initiating user is unknown. Empty: the connection's default."},
		}
	}
	return nil
}

// WebhookEvents lists the Lever webhook events the flows of the given
// provider kinds need, in Lever's order; with no kinds, those every flow
// needs.
func WebhookEvents(kinds ...string) []string {
	need := map[string]bool{
		lever.EventCandidateStageChange:   true,
		lever.EventCandidateArchiveChange: true,
		lever.EventCandidateDeleted:       true,
	}
	for _, k := range kinds {
		if k == domain.KindSourcing {
			for _, ev := range exportEvents {
				need[ev] = true
			}
		}
	}
	var out []string
	for _, ev := range lever.Events {
		if need[ev] {
			out = append(out, ev)
		}
	}
	return out
}
