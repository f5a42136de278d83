package demo

import (
	"slices"

	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
)

// webhookEvents are the Lever webhooks the demo registers: those the
// assessment flow needs and those a sourcing integration passes on.
func webhookEvents() []string {
	events := []string{lever.EventCandidateStageChange, lever.EventCandidateArchiveChange, lever.EventCandidateDeleted}
	for _, ev := range engine.ExportEvents() {
		if !slices.Contains(events, ev) {
			events = append(events, ev)
		}
	}
	return events
}
