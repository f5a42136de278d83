package engine

import (
	"slices"

	"stagecoach/internal/ats"
	"stagecoach/internal/flow"
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

// WebhookEvents lists, by the ATS's names, the webhook events the flows of
// the given provider kinds need, in the ATS's order; with no kinds, those
// every flow needs.
func WebhookEvents(names ats.EventNames, kinds ...string) []string {
	all := flow.All()
	need := map[ats.EventKind]bool{}
	for _, ev := range ats.EventKinds {
		every := len(all) > 0
		for _, k := range all {
			every = every && slices.Contains(k.Events(), ev)
		}
		need[ev] = every
	}
	for _, id := range kinds {
		if k, err := flow.Lookup(id); err == nil {
			for _, ev := range k.Events() {
				need[ev] = true
			}
		}
	}
	var out []string
	for _, n := range names.Names() {
		if k, ok := names.Kind(n); ok && need[k] {
			out = append(out, n)
		}
	}
	return out
}

// WebhookEvents is WebhookEvents with the engine's ATS's names.
func (e *Engine) WebhookEvents(kinds ...string) []string {
	return WebhookEvents(e.cfg.Events, kinds...)
}
