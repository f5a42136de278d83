// Package all registers every flow kind stagecoach has. Importing it (the
// engine does) fills flow's registry; Kinds is the one list.
package all

import (
	"stagecoach/internal/flow"
	"stagecoach/internal/flow/assessment"
	"stagecoach/internal/flow/interviewservice"
	"stagecoach/internal/flow/sourcing"
	"stagecoach/internal/flow/videointerview"
)

// Kinds lists every flow kind, in the order operators see them (that of
// domain.ProviderKinds). Adding a kind means adding it here.
func Kinds() []flow.Kind {
	return []flow.Kind{
		assessment.Kind{},
		videointerview.Kind{},
		interviewservice.Kind{},
		sourcing.Kind{},
	}
}

func init() {
	for _, k := range Kinds() {
		flow.Register(k)
	}
}
