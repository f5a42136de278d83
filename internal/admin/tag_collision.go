package admin

import (
	"context"
	"fmt"
	"strings"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// A package's Lever tag chooses its provider for a candidate, so two
// providers enabled on one connection must not share one: both would be
// ordered for the same candidates and write to them.
//
// Lever matches tags exactly (its opportunity filter is case-sensitive), and
// so does routing; but two tags that differ only in case or surrounding
// spaces cannot be told apart by a recruiter picking one in Lever, so they
// count as the same tag here.

// sameTag reports whether two package tags count as the same.
func sameTag(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// tagCollision is a package tag that another provider, enabled on the same
// connection, uses too.
type tagCollision struct {
	Tag          string // the tag as the provider being checked has it
	ConnectionID string
	Other        *domain.Provider
}

// tagCollisions returns the tags among tags that a provider other than
// providerID, enabled on one of the connections, uses for a package.
func tagCollisions(ctx context.Context, tx *store.Tx, providerID string, connIDs []string, tags []string) ([]tagCollision, error) {
	var out []tagCollision
	others := map[string][]domain.Package{}
	for _, c := range connIDs {
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ConnectionID: c, EnabledOnly: true})
		if err != nil {
			return nil, err
		}
		for _, in := range ins {
			if in.ProviderID == providerID {
				continue
			}
			pkgs, ok := others[in.ProviderID]
			if !ok {
				if pkgs, err = tx.PackageList(ctx, in.ProviderID); err != nil {
					return nil, err
				}
				others[in.ProviderID] = pkgs
			}
			for _, t := range tags {
				if strings.TrimSpace(t) == "" {
					continue
				}
				for _, pk := range pkgs {
					if sameTag(pk.LeverTag, t) {
						p, err := tx.ProviderGet(ctx, in.ProviderID)
						if err != nil {
							return nil, err
						}
						out = append(out, tagCollision{Tag: t, ConnectionID: c, Other: p})
						break
					}
				}
			}
		}
	}
	return out, nil
}

// CheckPackageTags refuses, with a conflict error naming the tag (and not
// the other provider), packages of providerID whose Lever tag another
// provider enabled on one of the same connections already uses. It runs in
// the transaction that stores the packages, before anything else in it, and
// locks the provider and its connections until that transaction ends, so a
// concurrent publish or enabling that could collide waits and then sees
// these packages (see store.ProviderLock).
func (svc *Service) CheckPackageTags(ctx context.Context, tx *store.Tx, providerID string, pkgs []domain.Package) error {
	if err := tx.ProviderLock(ctx, providerID); err != nil {
		return err
	}
	ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ProviderID: providerID, EnabledOnly: true})
	if err != nil || len(ins) == 0 {
		return err
	}
	conns := make([]string, 0, len(ins))
	for _, in := range ins {
		conns = append(conns, in.ConnectionID)
	}
	if err := tx.ConnectionsLock(ctx, conns); err != nil {
		return err
	}
	cols, err := tagCollisions(ctx, tx, providerID, conns, engine.PackageTags(pkgs))
	if err != nil || len(cols) == 0 {
		return err
	}
	var fields []domain.FieldError
	for _, c := range cols {
		for i, p := range pkgs {
			if sameTag(p.LeverTag, c.Tag) {
				fields = append(fields, domain.FieldError{Field: fmt.Sprintf("packages[%d].leverTag", i),
					Message: fmt.Sprintf("%q is a package tag of another provider on connection %s", c.Tag, c.ConnectionID)})
			}
		}
	}
	c := cols[0]
	return &domain.Error{Code: domain.EConflict, Fields: fields,
		Message: fmt.Sprintf("the Lever tag %q is already a package tag of another provider on connection %s: a tag would order both providers for the same candidates; pick another tag", c.Tag, c.ConnectionID)}
}

// checkEnableTags refuses to enable a provider on a connection where
// another enabled provider uses one of its package tags. The operator sees
// which provider. It locks the provider and the connection until tx ends,
// as CheckPackageTags does, so it must come before tx reads what it checks
// and before tx writes the integration.
func (svc *Service) checkEnableTags(ctx context.Context, tx *store.Tx, p *domain.Provider, connID string) error {
	if err := tx.ProviderLock(ctx, p.ID); err != nil {
		return err
	}
	if err := tx.ConnectionsLock(ctx, []string{connID}); err != nil {
		return err
	}
	pkgs, err := tx.PackageList(ctx, p.ID)
	if err != nil || len(pkgs) == 0 {
		return err
	}
	cols, err := tagCollisions(ctx, tx, p.ID, []string{connID}, engine.PackageTags(pkgs))
	if err != nil || len(cols) == 0 {
		return err
	}
	c := cols[0]
	return domain.Errorf(domain.EConflict, "%s cannot be enabled on connection %s: its package tag %q is also a package tag of %s, enabled there, and both would be ordered for the same candidates. Have one of them publish another tag, or disable %s on this connection",
		p.Name, connID, c.Tag, c.Other.Name, c.Other.Name)
}
