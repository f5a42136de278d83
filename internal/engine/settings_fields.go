package engine

import (
	"slices"

	"stagecoach/internal/flow"
	"stagecoach/internal/lever"
)

// FieldType says what a setting holds, and so how an operator picks it.
type FieldType = flow.FieldType

// Setting field types (see flow).
const (
	FieldStage              = flow.FieldStage
	FieldPosting            = flow.FieldPosting
	FieldPostings           = flow.FieldPostings
	FieldUser               = flow.FieldUser
	FieldTag                = flow.FieldTag
	FieldFormTemplate       = flow.FieldFormTemplate
	FieldFeedbackTemplate   = flow.FieldFeedbackTemplate
	FieldPackage            = flow.FieldPackage
	FieldBool               = flow.FieldBool
	FieldText               = flow.FieldText
	FieldChoice             = flow.FieldChoice
	FieldMapPostingPackage  = flow.FieldMapPostingPackage
	FieldMapRolePosting     = flow.FieldMapRolePosting
	FieldMapProviderToStage = flow.FieldMapProviderToStage
	FieldMapStageToProvider = flow.FieldMapStageToProvider
)

// Choice is one allowed value of a choice field.
type Choice = flow.Choice

// SettingsField describes one integration setting.
type SettingsField = flow.SettingsField

// SettingsFields lists the settings of a provider kind's flow, in the order
// an operator fills them in; none for a kind not registered.
func SettingsFields(kind string) []SettingsField {
	k, err := flow.Lookup(kind)
	if err != nil {
		return nil
	}
	return k.SettingsFields()
}

// WebhookEvents lists the Lever webhook events the flows of the given
// provider kinds need, in Lever's order; with no kinds, those every flow
// needs.
func WebhookEvents(kinds ...string) []string {
	all := flow.All()
	need := map[string]bool{}
	for _, ev := range lever.Events {
		every := len(all) > 0
		for _, k := range all {
			every = every && slices.Contains(k.LeverEvents(), ev)
		}
		need[ev] = every
	}
	for _, id := range kinds {
		if k, err := flow.Lookup(id); err == nil {
			for _, ev := range k.LeverEvents() {
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
