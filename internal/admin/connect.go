package admin

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// ConnectOAuth stores the token pair of a finished OAuth authorization:
// a new connection, or new credentials for an existing one (reconnecting a
// broken or disconnected connection makes it active again; a broken one's
// providers get connection.restored and its waiting work resumes now).
func (svc *Service) ConnectOAuth(ctx context.Context, in ConnectionInput, clientID, clientSecret string, tok *oauth2.Token) (*domain.Connection, error) {
	if err := ValidateConnection(&in, false); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	creds := domain.Credentials{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry,
		ClientID: clientID, ClientSecret: clientSecret, GrantedAt: now, RefreshedAt: now}
	if sc, ok := tok.Extra("scope").(string); ok {
		creds.Scopes = strings.Fields(sc)
	}
	c := &domain.Connection{ID: in.ID, Name: in.Name, Environment: in.Environment, BaseURL: strings.TrimRight(in.BaseURL, "/"),
		AuthKind: "oauth", Credentials: creds, Status: domain.ConnActive}
	if in.PerformAs != "" {
		u, err := svc.findUser(ctx, c, in.PerformAs)
		if err != nil {
			return nil, err
		}
		c.PerformAs = u.ID
	}
	err := svc.db.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.ConnectionGet(ctx, c.ID)
		if store.IsNotFound(err) {
			return tx.ConnectionCreate(ctx, c)
		}
		if err != nil {
			return err
		}
		wasBroken := old.Status == domain.ConnBroken
		old.Name, old.Environment, old.BaseURL, old.AuthKind, old.Credentials = c.Name, c.Environment, c.BaseURL, c.AuthKind, c.Credentials
		old.Status, old.StatusReason = domain.ConnActive, ""
		if c.PerformAs != "" {
			old.PerformAs = c.PerformAs
		}
		*c = *old
		if err := tx.ConnectionUpdate(ctx, c); err != nil {
			return err
		}
		if wasBroken {
			return svc.eng.Restored(ctx, tx, c)
		}
		return nil
	})
	if err == nil {
		svc.eng.Notify()
	}
	return c, err
}

// ReplaceAPIKey gives a connection a new API key and makes it active again
// (a broken one's providers get connection.restored, its work resumes).
func (svc *Service) ReplaceAPIKey(ctx context.Context, connID, apiKey string) error {
	if strings.TrimSpace(apiKey) == "" {
		return domain.Errorf(domain.EInvalid, "apiKey is required")
	}
	err := svc.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ConnectionGet(ctx, connID)
		if err != nil {
			return err
		}
		wasBroken := c.Status == domain.ConnBroken
		c.AuthKind, c.Credentials = "api_key", domain.Credentials{APIKey: strings.TrimSpace(apiKey)}
		c.Status, c.StatusReason = domain.ConnActive, ""
		if err := tx.ConnectionUpdate(ctx, c); err != nil {
			return err
		}
		if wasBroken {
			return svc.eng.Restored(ctx, tx, c)
		}
		return nil
	})
	if err == nil {
		svc.eng.Notify()
	}
	return err
}

// UpdateConnection renames a connection and sets its default "perform as"
// user (an active Lever user, by e-mail or id; empty for none).
func (svc *Service) UpdateConnection(ctx context.Context, connID, name, performAs string) error {
	var c *domain.Connection
	if err := svc.db.InTx(ctx, func(tx *store.Tx) (err error) { c, err = tx.ConnectionGet(ctx, connID); return }); err != nil {
		return err
	}
	userID := ""
	if performAs = strings.TrimSpace(performAs); performAs != "" {
		u, err := svc.findUser(ctx, c, performAs)
		if err != nil {
			return err
		}
		userID = u.ID
	}
	return svc.db.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.ConnectionGet(ctx, connID)
		if err != nil {
			return err
		}
		if name = strings.TrimSpace(name); name != "" {
			c.Name = name
		}
		c.PerformAs = userID
		return tx.ConnectionUpdate(ctx, c)
	})
}

// SetSigningToken stores a webhook signing token an operator copied from
// Lever's settings page, for one event or ("*") for every event.
func (svc *Service) SetSigningToken(ctx context.Context, connID, event, token, hookURL string) error {
	token = strings.TrimSpace(token)
	if token == "" {
		return domain.Errorf(domain.EInvalid, "signing token is required")
	}
	if event != "*" && !contains(svc.eng.Events().Names(), event) {
		return domain.Errorf(domain.EInvalid, "unknown Lever webhook event %q", event)
	}
	return svc.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConnectionGet(ctx, connID); err != nil {
			return err
		}
		return tx.ConnectionWebhookPut(ctx, &domain.ConnectionWebhook{ConnectionID: connID, Event: event, URL: hookURL, SigningToken: token})
	})
}

// SaveIntegration stores an integration's settings (validated, with the
// effects of UpdateIntegration) and its enabled flag. Enabling records the
// activation time (the sweep for missed webhooks looks at stage entries
// after it) and tags an assessment integration's postings.
func (svc *Service) SaveIntegration(ctx context.Context, id string, settings json.RawMessage, enabled bool) (*domain.Integration, error) {
	in, err := svc.UpdateIntegration(ctx, id, settings)
	if err != nil || in.Enabled == enabled {
		return in, err
	}
	err = svc.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(ctx, id); err != nil {
			return err
		}
		p, err := tx.ProviderGet(ctx, in.ProviderID)
		if err != nil {
			return err
		}
		if enabled {
			if err := svc.checkEnableTags(ctx, tx, p, in.ConnectionID); err != nil {
				return err
			}
		}
		in.Enabled = enabled
		if enabled {
			in.ActivatedAt = tx.Now()
		}
		if err := tx.IntegrationUpdate(ctx, in); err != nil {
			return err
		}
		_, err = svc.eng.EnqueuePostingTags(ctx, tx, in, p)
		return err
	})
	if err == nil {
		svc.eng.Notify()
	}
	return in, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ActivateIntegration saves an integration's settings (nil: its stored
// ones) and turns it on (the caller has run the setup check). The sweep for missed webhooks then
// considers only candidates entering the trigger stage from now on;
// include names the candidates already there (as StageOccupants listed
// them) that the operator chose to order as well. Only those still in the
// stage with no live order are routed, by the same rules as a webhook; their
// ids are returned.
func (svc *Service) ActivateIntegration(ctx context.Context, id string, settings json.RawMessage, include []string) (*domain.Integration, []string, error) {
	if settings == nil {
		if err := svc.db.InTx(ctx, func(tx *store.Tx) error {
			in, err := tx.IntegrationGet(ctx, id)
			if err == nil {
				settings = in.Settings
			}
			return err
		}); err != nil {
			return nil, nil, err
		}
	}
	var occupants []engine.StageOccupant
	if len(include) > 0 {
		var err error
		if _, occupants, err = svc.eng.StageOccupants(ctx, id, settings); err != nil {
			return nil, nil, err
		}
	}
	in, err := svc.SaveIntegration(ctx, id, settings, true)
	if err != nil {
		return nil, nil, err
	}
	if len(include) == 0 {
		return in, nil, nil
	}
	routed, err := svc.eng.OrderOccupants(ctx, in, occupants, include)
	return in, routed, err
}
