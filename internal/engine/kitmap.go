package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/store"
)

// KitMap is a video interview integration's choice of interview kit: by
// Lever posting id, else the default kit.
type KitMap struct {
	DefaultPackage  string            `json:"defaultPackage"`
	PostingPackages map[string]string `json:"postingPackages"`
}

// KitMapOf returns an integration's kit map.
func KitMapOf(s Settings) KitMap {
	m := KitMap{DefaultPackage: s.DefaultPackage, PostingPackages: s.PostingPackages}
	if m.PostingPackages == nil {
		m.PostingPackages = map[string]string{}
	}
	return m
}

// ProviderIntegration returns an integration with its provider and
// effective settings. A providerID other than "" must own it: another
// provider's integration is not found.
func (e *Engine) ProviderIntegration(ctx context.Context, providerID, integrationID string) (*domain.Integration, *domain.Provider, Settings, error) {
	var in *domain.Integration
	var p *domain.Provider
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(ctx, integrationID); err != nil {
			return err
		}
		if providerID != "" && in.ProviderID != providerID {
			return domain.Errorf(domain.ENotFound, "integration %q not found", integrationID)
		}
		p, err = tx.ProviderGet(ctx, in.ProviderID)
		return err
	})
	if err != nil {
		return nil, nil, Settings{}, err
	}
	s, err := e.integrationSettings(in, p)
	return in, p, s, err
}

// SetKitMap replaces a video interview integration's kit map (the default
// kit and the posting → kit table), keeping its other settings. Every kit
// must be one of the provider's published packages. A providerID other than
// "" must own the integration.
func (e *Engine) SetKitMap(ctx context.Context, providerID, integrationID string, m KitMap) (KitMap, error) {
	var out KitMap
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		in, err := tx.IntegrationGet(ctx, integrationID)
		if err != nil {
			return err
		}
		if providerID != "" && in.ProviderID != providerID {
			return domain.Errorf(domain.ENotFound, "integration %q not found", integrationID)
		}
		p, err := tx.ProviderGet(ctx, in.ProviderID)
		if err != nil {
			return err
		}
		if !flow.Is[flow.KitMapper](p.Kind) {
			return domain.Errorf(domain.EInvalid, "integration %s is of a %s provider: only video interview integrations map postings to interview kits", in.ID, p.Kind)
		}
		pkgs, err := tx.PackageList(ctx, p.ID)
		if err != nil {
			return err
		}
		published := map[string]bool{}
		for _, pk := range pkgs {
			published[pk.ID] = true
		}
		var errs []domain.FieldError
		bad := func(f, msg string) { errs = append(errs, domain.FieldError{Field: f, Message: msg}) }
		if m.DefaultPackage != "" && !published[m.DefaultPackage] {
			bad("defaultPackage", fmt.Sprintf("%q is not one of %s's published packages", m.DefaultPackage, p.Name))
		}
		for _, posting := range slices.Sorted(maps.Keys(m.PostingPackages)) {
			kit := m.PostingPackages[posting]
			switch {
			case strings.TrimSpace(posting) == "":
				bad("postingPackages", "a posting id is empty")
			case kit == "":
				bad("postingPackages."+posting, "is empty: name a package, or leave the posting out to use the default")
			case !published[kit]:
				bad("postingPackages."+posting, fmt.Sprintf("%q is not one of %s's published packages", kit, p.Name))
			}
		}
		if len(errs) > 0 {
			return &domain.Error{Code: domain.EInvalid, Message: errs[0].Field + ": " + errs[0].Message, Fields: errs}
		}
		raw := map[string]json.RawMessage{}
		if len(in.Settings) > 0 {
			if err := json.Unmarshal(in.Settings, &raw); err != nil {
				return fmt.Errorf("integration %s settings: %w", in.ID, err)
			}
		}
		delete(raw, "defaultPackage")
		delete(raw, "postingPackages")
		if m.DefaultPackage != "" {
			raw["defaultPackage"] = mustJSON(m.DefaultPackage)
		}
		if len(m.PostingPackages) > 0 {
			raw["postingPackages"] = mustJSON(m.PostingPackages)
		}
		in.Settings = mustJSON(raw)
		s, err := ParseSettings(in.Settings)
		if err != nil {
			return err
		}
		out = KitMapOf(s)
		return tx.IntegrationUpdate(ctx, in)
	})
	return out, err
}
