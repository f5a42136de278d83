package engine

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// ConnectOAuth stores the token pair of a finished OAuth authorization:
// a new connection, or new credentials for an existing one (reconnecting a
// broken or disconnected connection makes it active again; a broken one's
// providers get connection.restored and its waiting work resumes now).
func (e *Engine) ConnectOAuth(ctx context.Context, in ConnectionInput, clientID, clientSecret string, tok *oauth2.Token) (*domain.Connection, error) {
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
		u, err := e.findUser(ctx, c, in.PerformAs)
		if err != nil {
			return nil, err
		}
		c.PerformAs = u.ID
	}
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
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
			return e.restored(ctx, tx, c)
		}
		return nil
	})
	if err == nil {
		e.q.Notify()
	}
	return c, err
}

// ReplaceAPIKey gives a connection a new API key and makes it active again
// (a broken one's providers get connection.restored, its work resumes).
func (e *Engine) ReplaceAPIKey(ctx context.Context, connID, apiKey string) error {
	if strings.TrimSpace(apiKey) == "" {
		return domain.Errorf(domain.EInvalid, "apiKey is required")
	}
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
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
			return e.restored(ctx, tx, c)
		}
		return nil
	})
	if err == nil {
		e.q.Notify()
	}
	return err
}

// UpdateConnection renames a connection and sets its default "perform as"
// user (an active Lever user, by e-mail or id; empty for none).
func (e *Engine) UpdateConnection(ctx context.Context, connID, name, performAs string) error {
	var c *domain.Connection
	if err := e.db.InTx(ctx, func(tx *store.Tx) (err error) { c, err = tx.ConnectionGet(ctx, connID); return }); err != nil {
		return err
	}
	userID := ""
	if performAs = strings.TrimSpace(performAs); performAs != "" {
		u, err := e.findUser(ctx, c, performAs)
		if err != nil {
			return err
		}
		userID = u.ID
	}
	return e.db.InTx(ctx, func(tx *store.Tx) error {
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
func (e *Engine) SetSigningToken(ctx context.Context, connID, event, token, hookURL string) error {
	token = strings.TrimSpace(token)
	if token == "" {
		return domain.Errorf(domain.EInvalid, "signing token is required")
	}
	if event != "*" && !contains(e.cfg.Events.Names(), event) {
		return domain.Errorf(domain.EInvalid, "unknown Lever webhook event %q", event)
	}
	return e.db.InTx(ctx, func(tx *store.Tx) error {
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
func (e *Engine) SaveIntegration(ctx context.Context, id string, settings json.RawMessage, enabled bool) (*domain.Integration, error) {
	in, err := e.UpdateIntegration(ctx, id, settings)
	if err != nil || in.Enabled == enabled {
		return in, err
	}
	err = e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(ctx, id); err != nil {
			return err
		}
		p, err := tx.ProviderGet(ctx, in.ProviderID)
		if err != nil {
			return err
		}
		if enabled {
			if err := e.checkEnableTags(ctx, tx, p, in.ConnectionID); err != nil {
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
		_, err = e.enqueuePostingTags(ctx, tx, in, p)
		return err
	})
	if err == nil {
		e.q.Notify()
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
