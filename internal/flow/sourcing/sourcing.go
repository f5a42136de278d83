// Package sourcing is the flow kind of a sourcing marketplace: the provider
// exports its candidates into Lever (posting and stage by the role and
// stage maps), and is told of their moves; stages sync both ways.
package sourcing

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
)

// Kind is the sourcing flow kind.
type Kind struct{}

// Export policies of a sourcing integration.
const (
	ExportSuccessful = "successful" // only successful candidates (default)
	ExportAll        = "all"        // unsuccessful ones too, under a pseudonym
)

// Provider webhooks about exports. The ATS events passed on (Events) are
// sent as WebhookType names them: "export." followed by the event's name in
// the provider API (Lever's name, the first ATS's, kept for every ATS).
const (
	WebhookExportCreated = "export.created"
	WebhookExportFailed  = "export.failed"
)

// Events are the ATS events passed on to a sourcing provider about the
// applications it exported.
var Events = []ats.EventKind{
	ats.EventStageChanged, ats.EventArchived, ats.EventHired, ats.EventDeleted,
	ats.EventInterviewCreated, ats.EventInterviewUpdated, ats.EventInterviewDeleted,
}

// webhookNames are the provider API's names of the events passed on.
var webhookNames = map[ats.EventKind]string{
	ats.EventStageChanged: "candidateStageChange", ats.EventArchived: "candidateArchiveChange",
	ats.EventHired: "candidateHired", ats.EventDeleted: "candidateDeleted",
	ats.EventInterviewCreated: "interviewCreated", ats.EventInterviewUpdated: "interviewUpdated",
	ats.EventInterviewDeleted: "interviewDeleted",
}

// WebhookType is the provider webhook an event of kind is passed on as
// ("" for a kind not passed on).
func WebhookType(kind ats.EventKind) string {
	if n, ok := webhookNames[kind]; ok {
		return "export." + n
	}
	return ""
}

// ID returns domain.KindSourcing.
func (Kind) ID() string { return domain.KindSourcing }

// Label names the kind.
func (Kind) Label() string { return "sourcing" }

// SettingsFields lists the sourcing settings.
func (Kind) SettingsFields() []flow.SettingsField {
	return []flow.SettingsField{
		{Name: "rolePostings", Label: "Provider role → Lever posting", Type: flow.FieldMapRolePosting},
		{Name: "stageMap", Label: "Provider stage → Lever stage", Type: flow.FieldMapProviderToStage},
		{Name: "leverStageMap", Label: "Lever stage → provider stage", Type: flow.FieldMapStageToProvider, Help: "Empty: the inverse of the map above."},
		{Name: "defaultStage", Label: "Default funnel stage", Type: flow.FieldStage, Help: "For provider stages without a mapping."},
		{Name: "exportPolicy", Label: "Export policy", Type: flow.FieldChoice, Choices: []flow.Choice{
			{Value: ExportSuccessful, Label: "Successful candidates only"},
			{Value: ExportAll, Label: "All candidates (unsuccessful ones under a pseudonym, without identifying data)"},
		}},
		{Name: "performAs", Label: "Perform as", Type: flow.FieldUser, Help: "Who creates exported opportunities when the initiating user is unknown. Empty: the connection's default."},
	}
}

// WithDefaults leaves the settings as they are: an empty export policy
// means ExportSuccessful (ExportPolicy), and empty maps map nothing.
func (Kind) WithDefaults(s flow.Settings, _ string) flow.Settings { return s }

// ExportPolicy returns the export policy of s.
func ExportPolicy(s flow.Settings) string {
	if s.ExportPolicy == "" {
		return ExportSuccessful
	}
	return s.ExportPolicy
}

// CheckSettings checks the export policy and that no map entry is empty.
func (Kind) CheckSettings(s flow.Settings) error {
	if s.ExportPolicy != "" && s.ExportPolicy != ExportSuccessful && s.ExportPolicy != ExportAll {
		return flow.InvalidSetting("exportPolicy", fmt.Sprintf("must be %q or %q, got %q", ExportSuccessful, ExportAll, s.ExportPolicy))
	}
	for _, m := range []struct {
		field string
		m     map[string]string
	}{{"rolePostings", s.RolePostings}, {"stageMap", s.StageMap}, {"leverStageMap", s.LeverStageMap}} {
		keys := make([]string, 0, len(m.m))
		for k := range m.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if strings.TrimSpace(k) == "" || strings.TrimSpace(m.m[k]) == "" {
				return flow.InvalidSetting(m.field, fmt.Sprintf("maps %q to %q: neither may be empty", k, m.m[k]))
			}
		}
	}
	return nil
}

// LeverEndpoints: the export looks the candidate up by e-mail, creates the
// opportunity, uploads the CV and moves the stage; Lever's events passed on
// read archive reasons and interviews; the settings check their postings.
func (Kind) LeverEndpoints() []string {
	return []string{
		"GET /opportunities",
		"POST /opportunities",
		"PUT /opportunities/:opportunity/stage",
		"GET /opportunities/:opportunity/files", "POST /opportunities/:opportunity/files",
		"GET /archive_reasons",
		"GET /opportunities/:opportunity/interviews/:interview",
		"GET /postings/:posting",
	}
}

// Events are the events passed on to the provider.
func (Kind) Events() []ats.EventKind { return slices.Clone(Events) }

// Transitions is nil: a sourcing provider has exports, not orders.
func (Kind) Transitions() []flow.Transition { return nil }

// ValidateEvent is never called: there are no order events.
func (Kind) ValidateEvent(*flow.OrderEvent, func(field, msg string)) {}

// ProviderWebhooks lists what a sourcing provider is sent: the export's
// outcome and the Lever events about its opportunities.
func (Kind) ProviderWebhooks() []string {
	out := []string{WebhookExportCreated, WebhookExportFailed}
	for _, ev := range Events {
		out = append(out, WebhookType(ev))
	}
	return append(out, flow.ConnectionWebhooks...)
}

// ConfidentialMisses says what the flow misses on confidential postings.
func (Kind) ConfidentialMisses() string { return "candidates cannot be exported to them" }

var _ flow.Kind = Kind{}
