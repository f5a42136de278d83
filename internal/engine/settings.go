package engine

import (
	"encoding/json"
	"fmt"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	// Every flow kind registers itself with flow, in one list.
	_ "stagecoach/internal/flow/all"
)

// Settings are an integration's flow settings (flow.Settings): which
// fields apply, and their defaults (WithDefaults), are the provider kind's.
type Settings = flow.Settings

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
