package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/store"
)

// Export policies of a sourcing integration.
const (
	ExportSuccessful = "successful" // only successful candidates (default)
	ExportAll        = "all"        // unsuccessful ones too, under a pseudonym
)

func exportPolicy(s Settings) string {
	if s.ExportPolicy == "" {
		return ExportSuccessful
	}
	return s.ExportPolicy
}

// CheckIntegrationSettings validates an integration's settings against Lever before
// they are stored: the perform-as user must be an active Lever user, and for
// a sourcing provider the export policy must be known and every stage and
// posting the maps name must exist in Lever. It names what is wrong.
func (e *Engine) CheckIntegrationSettings(ctx context.Context, conn *domain.Connection, p *domain.Provider, raw json.RawMessage) error {
	s, err := ParseSettings(raw)
	if err != nil {
		return err
	}
	invalid := func(field, msg string) error {
		return &domain.Error{Code: domain.EInvalid, Message: "integration settings: " + field + " " + msg, Fields: []domain.FieldError{{Field: field, Message: msg}}}
	}
	if p.Kind == domain.KindSourcing {
		if s.ExportPolicy != "" && s.ExportPolicy != ExportSuccessful && s.ExportPolicy != ExportAll {
			return invalid("exportPolicy", fmt.Sprintf("must be %q or %q, got %q", ExportSuccessful, ExportAll, s.ExportPolicy))
		}
		for _, m := range []struct {
			field string
			m     map[string]string
		}{{"rolePostings", s.RolePostings}, {"stageMap", s.StageMap}, {"leverStageMap", s.LeverStageMap}} {
			for _, k := range sortedStringKeys(m.m) {
				if strings.TrimSpace(k) == "" || strings.TrimSpace(m.m[k]) == "" {
					return invalid(m.field, fmt.Sprintf("maps %q to %q: neither may be empty", k, m.m[k]))
				}
			}
		}
	}
	if s.PerformAs == "" && (p.Kind != domain.KindSourcing || (len(s.RolePostings) == 0 && len(s.StageMap) == 0 && len(s.LeverStageMap) == 0 && s.DefaultStage == "")) {
		return nil
	}
	client, err := e.Lever(conn)
	if err != nil {
		return err
	}
	if s.PerformAs != "" {
		if _, err := e.lookupUser(ctx, client, s.PerformAs); err != nil {
			if domain.ErrorCode(err) == domain.EInvalid {
				return invalid("performAs", strings.TrimPrefix(err.Error(), "perform-as user "))
			}
			return err
		}
	}
	if p.Kind != domain.KindSourcing {
		return nil
	}
	stages, err := e.Stages(ctx, conn)
	if err != nil {
		return fmt.Errorf("list Lever stages: %w", err)
	}
	for _, k := range sortedStringKeys(s.StageMap) {
		if _, err := findStage(stages, s.StageMap[k]); err != nil {
			return invalid("stageMap", fmt.Sprintf("maps %q to %q, which is not a Lever stage", k, s.StageMap[k]))
		}
	}
	for _, k := range sortedStringKeys(s.LeverStageMap) {
		if _, err := findStage(stages, k); err != nil {
			return invalid("leverStageMap", fmt.Sprintf("maps %q, which is not a Lever stage", k))
		}
	}
	if s.DefaultStage != "" {
		if _, err := findStage(stages, s.DefaultStage); err != nil {
			return invalid("defaultStage", fmt.Sprintf("%q is not a Lever stage", s.DefaultStage))
		}
	}
	for _, k := range sortedStringKeys(s.RolePostings) {
		if _, err := client.GetPosting(ctx, s.RolePostings[k]); err != nil {
			if errors.Is(err, lever.ErrNotFound) {
				return invalid("rolePostings", fmt.Sprintf("maps role %q to posting %q, which does not exist in Lever", k, s.RolePostings[k]))
			}
			return fmt.Errorf("look up posting %s: %w", s.RolePostings[k], err)
		}
	}
	return nil
}

// lookupUser finds an active Lever user by e-mail or id, saying clearly
// when there is none.
func (e *Engine) lookupUser(ctx context.Context, client *lever.Client, emailOrID string) (*lever.User, error) {
	var u *lever.User
	var err error
	if strings.Contains(emailOrID, "@") {
		u, err = client.FindUserByEmail(ctx, emailOrID)
	} else {
		u, err = client.GetUser(ctx, emailOrID)
	}
	if errors.Is(err, lever.ErrNotFound) && strings.Contains(emailOrID, "@") {
		// Lever finds only active users by e-mail: tell a deactivated one
		// from none at all.
		for du, lerr := range client.ListUsers(ctx, lever.ListUsersParams{IncludeDeactivated: true}) {
			if lerr != nil {
				break
			}
			if strings.EqualFold(du.Email, strings.TrimSpace(emailOrID)) {
				u, err = du, nil
				break
			}
		}
	}
	if errors.Is(err, lever.ErrNotFound) {
		return nil, domain.Errorf(domain.EInvalid, "perform-as user %q is not an active Lever user (no such user)", emailOrID)
	}
	if err != nil {
		return nil, fmt.Errorf("look up Lever user: %w", err)
	}
	if u.DeactivatedAt != 0 {
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
