package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/flow/sourcing"
	"stagecoach/internal/store"
)

// Export policies of a sourcing integration (see flow/sourcing).
const (
	ExportSuccessful = sourcing.ExportSuccessful // only successful candidates (default)
	ExportAll        = sourcing.ExportAll        // unsuccessful ones too, under a pseudonym
)

func exportPolicy(s Settings) string { return sourcing.ExportPolicy(s) }

// CheckIntegrationSettings validates an integration's settings before they
// are stored: the kind's own checks (flow.Kind's CheckSettings: for
// sourcing, a known export policy and no empty map entry), then against
// Lever: the perform-as user must be an active Lever user, and every stage
// and posting the kind's maps name must exist. It names what is wrong.
func (e *Engine) CheckIntegrationSettings(ctx context.Context, conn *domain.Connection, p *domain.Provider, raw json.RawMessage) error {
	s, err := ParseSettings(raw)
	if err != nil {
		return err
	}
	invalid := flow.InvalidSetting
	kind, err := flow.Lookup(p.Kind)
	if err != nil {
		return err
	}
	if err := kind.CheckSettings(s); err != nil {
		return err
	}
	// The maps and the default stage are checked against Lever only for a
	// kind that has them.
	has := func(name string) bool { return flow.HasSetting(kind, name) }
	stageMap, leverStageMap, rolePostings, defaultStage := s.StageMap, s.LeverStageMap, s.RolePostings, s.DefaultStage
	if !has("stageMap") {
		stageMap = nil
	}
	if !has("leverStageMap") {
		leverStageMap = nil
	}
	if !has("rolePostings") {
		rolePostings = nil
	}
	if !has("defaultStage") {
		defaultStage = ""
	}
	if s.PerformAs == "" && len(rolePostings) == 0 && len(stageMap) == 0 && len(leverStageMap) == 0 && defaultStage == "" {
		return nil
	}
	d, err := e.Driver(conn)
	if err != nil {
		return err
	}
	if s.PerformAs != "" {
		if _, err := e.lookupUser(ctx, d, s.PerformAs); err != nil {
			if domain.ErrorCode(err) == domain.EInvalid {
				return invalid("performAs", strings.TrimPrefix(err.Error(), "perform-as user "))
			}
			return err
		}
	}
	if len(stageMap) == 0 && len(leverStageMap) == 0 && defaultStage == "" && len(rolePostings) == 0 {
		return nil
	}
	stages, err := e.Stages(ctx, conn)
	if err != nil {
		return fmt.Errorf("list Lever stages: %w", err)
	}
	for _, k := range sortedStringKeys(stageMap) {
		if _, err := findStage(stages, stageMap[k]); err != nil {
			return invalid("stageMap", fmt.Sprintf("maps %q to %q, which is not a Lever stage", k, stageMap[k]))
		}
	}
	for _, k := range sortedStringKeys(leverStageMap) {
		if _, err := findStage(stages, k); err != nil {
			return invalid("leverStageMap", fmt.Sprintf("maps %q, which is not a Lever stage", k))
		}
	}
	if defaultStage != "" {
		if _, err := findStage(stages, defaultStage); err != nil {
			return invalid("defaultStage", fmt.Sprintf("%q is not a Lever stage", defaultStage))
		}
	}
	for _, k := range sortedStringKeys(rolePostings) {
		if _, err := d.Job(ctx, rolePostings[k]); err != nil {
			if errors.Is(err, ats.ErrNotFound) {
				return invalid("rolePostings", fmt.Sprintf("maps role %q to posting %q, which does not exist in Lever", k, rolePostings[k]))
			}
			return fmt.Errorf("look up posting %s: %w", rolePostings[k], err)
		}
	}
	return nil
}

// lookupUser finds an active Lever user by e-mail or id, saying clearly
// when there is none.
func (e *Engine) lookupUser(ctx context.Context, d ats.FlowDriver, emailOrID string) (*ats.User, error) {
	var u *ats.User
	var err error
	if strings.Contains(emailOrID, "@") {
		u, err = d.UserByEmail(ctx, emailOrID)
	} else {
		u, err = d.User(ctx, emailOrID)
	}
	if errors.Is(err, ats.ErrNotFound) && strings.Contains(emailOrID, "@") {
		// Lever finds only active users by e-mail: tell a deactivated one
		// from none at all.
		for du, lerr := range d.Users(ctx, ats.UserListing{IncludeDeactivated: true}) {
			if lerr != nil {
				break
			}
			if strings.EqualFold(du.Email, strings.TrimSpace(emailOrID)) {
				u, err = du, nil
				break
			}
		}
	}
	if errors.Is(err, ats.ErrNotFound) {
		return nil, domain.Errorf(domain.EInvalid, "perform-as user %q is not an active Lever user (no such user)", emailOrID)
	}
	if err != nil {
		return nil, fmt.Errorf("look up Lever user: %w", err)
	}
	if u.Deactivated {
		return nil, domain.Errorf(domain.EInvalid, "perform-as user %q is not an active Lever user (deactivated)", emailOrID)
	}
	return u, nil
}

// checkNewIntegration checks the settings of an integration about to be
// created.
func (e *Engine) checkNewIntegration(ctx context.Context, connID, providerID string, settings json.RawMessage) error {
	var conn *domain.Connection
	var p *domain.Provider
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if conn, err = tx.ConnectionGet(ctx, connID); err != nil {
			return err
		}
		p, err = tx.ProviderGet(ctx, providerID)
		return err
	})
	if err != nil {
		return err
	}
	return e.CheckIntegrationSettings(ctx, conn, p, settings)
}

func sortedStringKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
