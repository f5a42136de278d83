package flow

import "stagecoach/internal/domain"

// Settings are an integration's flow settings. Which fields apply depends on
// the provider's kind (its SettingsFields); empty fields take the kind's
// defaults (WithDefaults). Stages may be given by Lever id or by name.
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

	// Sourcing (see flow/sourcing): RolePostings maps a provider role id to
	// a Lever posting id; StageMap a provider stage to a Lever stage (id or
	// name), LeverStageMap back (default: the inverse of StageMap);
	// DefaultStage is the funnel stage of an unmapped stage; ExportPolicy is
	// "successful" (default) or "all" (unsuccessful candidates too, under a
	// pseudonym).
	RolePostings  map[string]string `json:"rolePostings,omitempty"`
	StageMap      map[string]string `json:"stageMap,omitempty"`
	LeverStageMap map[string]string `json:"leverStageMap,omitempty"`
	DefaultStage  string            `json:"defaultStage,omitempty"`
	ExportPolicy  string            `json:"exportPolicy,omitempty"`
}

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

// PerformAsField is the perform-as setting of a kind whose writes follow a
// recruiter's move (every kind but sourcing, which words it its own way).
var PerformAsField = SettingsField{Name: "performAs", Label: "Perform as", Type: FieldUser,
	Help: "The Lever user stagecoach writes as. Empty: the connection's default, then the opportunity's owner."}

// InvalidSetting is the error of a setting that is wrong, naming it.
func InvalidSetting(field, msg string) error {
	return &domain.Error{Code: domain.EInvalid, Message: "integration settings: " + field + " " + msg,
		Fields: []domain.FieldError{{Field: field, Message: msg}}}
}

// WithDefaults fills the empty settings for provider p with the defaults of
// its kind; settings of a kind not registered are returned as they are.
func (s Settings) WithDefaults(p *domain.Provider) Settings {
	k, err := Lookup(p.Kind)
	if err != nil {
		return s
	}
	return k.WithDefaults(s, p.Name)
}

// HasSetting reports whether kind k has the setting of JSON name name.
func HasSetting(k Kind, name string) bool {
	for _, f := range k.SettingsFields() {
		if f.Name == name {
			return true
		}
	}
	return false
}
