package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/flow"
	"stagecoach/internal/outbound"
	"stagecoach/internal/store"
)

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ConnectionInput describes a connection to create.
type ConnectionInput struct {
	ID           string
	Name         string
	Environment  string // production, eu, sandbox or custom
	BaseURL      string // custom only
	APIKey       string
	SigningToken string // optional: one token for every event (Lever's settings page)
	PerformAs    string // optional: Lever user id or e-mail
}

// CreateConnection validates and stores a connection that uses an API key.
// When a perform-as user is given it must be an active Lever user: it is
// looked up (by e-mail or id) and stored by id.
func (svc *Service) CreateConnection(ctx context.Context, in ConnectionInput) (*domain.Connection, error) {
	if err := ValidateConnection(&in, true); err != nil {
		return nil, err
	}
	c := &domain.Connection{ID: in.ID, Name: in.Name, Environment: in.Environment, BaseURL: strings.TrimRight(in.BaseURL, "/"),
		AuthKind: "api_key", Credentials: domain.Credentials{APIKey: in.APIKey}, Status: domain.ConnActive}
	if in.PerformAs != "" {
		u, err := svc.findUser(ctx, c, in.PerformAs)
		if err != nil {
			return nil, err
		}
		c.PerformAs = u.ID
	}
	err := svc.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ConnectionCreate(ctx, c); err != nil {
			return err
		}
		if in.SigningToken != "" {
			return tx.ConnectionWebhookPut(ctx, &domain.ConnectionWebhook{ConnectionID: c.ID, Event: "*", SigningToken: in.SigningToken})
		}
		return nil
	})
	return c, err
}

// ValidateConnection checks a connection's id, name and environment (and,
// with needKey, its API key), filling the name from the id.
func ValidateConnection(in *ConnectionInput, needKey bool) error {
	var errs []domain.FieldError
	bad := func(f, m string) { errs = append(errs, domain.FieldError{Field: f, Message: m}) }
	if !slugRE.MatchString(in.ID) {
		bad("id", "must be 1-63 lowercase letters, digits or dashes")
	}
	if in.Name == "" {
		in.Name = in.ID
	}
	switch in.Environment {
	case "production", "eu", "sandbox":
	case "custom":
		if u, err := url.Parse(in.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("baseUrl", "a custom environment needs an http(s) base URL")
		}
	default:
		bad("environment", "must be production, eu, sandbox or custom")
	}
	if needKey && in.APIKey == "" {
		bad("apiKey", "is required")
	}
	if len(errs) > 0 {
		return &domain.Error{Code: domain.EInvalid, Message: errs[0].Field + " " + errs[0].Message, Fields: errs}
	}
	return nil
}

// findUser finds an active Lever user by e-mail or id.
func (svc *Service) findUser(ctx context.Context, c *domain.Connection, emailOrID string) (*ats.User, error) {
	d, err := svc.eng.OpenDriver(c)
	if err != nil {
		return nil, err
	}
	var u *ats.User
	if strings.Contains(emailOrID, "@") {
		u, err = d.UserByEmail(ctx, emailOrID)
	} else {
		u, err = d.User(ctx, emailOrID)
	}
	if errors.Is(err, ats.ErrNotFound) {
		return nil, domain.Errorf(domain.EInvalid, "perform-as user %q does not exist in Lever", emailOrID)
	}
	if err != nil {
		return nil, fmt.Errorf("look up perform-as user: %w", err)
	}
	if u.Deactivated {
		return nil, domain.Errorf(domain.EInvalid, "perform-as user %q is deactivated in Lever", emailOrID)
	}
	return u, nil
}

// ConnectionWebhookEvents lists the Lever webhook events the integrations
// on a connection need (WebhookEvents of their providers' kinds): without
// integrations yet, the events every flow needs.
func (svc *Service) ConnectionWebhookEvents(ctx context.Context, connID string) ([]string, error) {
	var kinds []string
	err := svc.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ConnectionGet(ctx, connID); err != nil {
			return err
		}
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ConnectionID: connID})
		if err != nil {
			return err
		}
		for _, in := range ins {
			p, err := tx.ProviderGet(ctx, in.ProviderID)
			if err != nil {
				return err
			}
			kinds = append(kinds, p.Kind)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return svc.eng.WebhookEvents(kinds...), nil
}

// RegisterWebhooks creates, through Lever's webhooks API, one webhook per
// event pointing at publicURL/hooks/lever/<connection>, and stores each
// webhook's signing token. Webhooks it registered before are replaced.
func (svc *Service) RegisterWebhooks(ctx context.Context, connID, publicURL string, events []string) ([]*domain.ConnectionWebhook, error) {
	var conn *domain.Connection
	var existing []*domain.ConnectionWebhook
	err := svc.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if conn, err = tx.ConnectionGet(ctx, connID); err != nil {
			return err
		}
		existing, err = tx.ConnectionWebhookList(ctx, connID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := checkWebhookBase(conn, publicURL); err != nil {
		return nil, err
	}
	d, err := svc.eng.Driver(conn)
	if err != nil {
		return nil, err
	}
	hookURL := strings.TrimRight(publicURL, "/") + "/hooks/lever/" + connID
	var out []*domain.ConnectionWebhook
	for _, ev := range events {
		if !slices.Contains(svc.eng.Events().Names(), ev) {
			return nil, domain.Errorf(domain.EInvalid, "unknown Lever webhook event %q", ev)
		}
		kind, ok := svc.eng.Events().Kind(ev)
		if !ok {
			return nil, domain.Errorf(domain.EInvalid, "Lever webhook event %q is none stagecoach acts on, so it registers no webhook for it", ev)
		}
		for _, old := range existing {
			if old.Event == ev && old.Managed && old.LeverWebhookID != "" {
				if err := d.DeleteWebhook(ctx, old.LeverWebhookID); err != nil && !errors.Is(err, ats.ErrNotFound) {
					return nil, fmt.Errorf("delete old webhook for %s: %w", ev, err)
				}
			}
		}
		wh, err := d.RegisterWebhook(ctx, hookURL, kind)
		if err != nil {
			return nil, fmt.Errorf("register %s webhook: %w", ev, err)
		}
		cw := &domain.ConnectionWebhook{ConnectionID: connID, Event: ev, LeverWebhookID: wh.ID, URL: hookURL, SigningToken: wh.Secret, Managed: true}
		if err := svc.db.InTx(ctx, func(tx *store.Tx) error { return tx.ConnectionWebhookPut(ctx, cw) }); err != nil {
			return nil, err
		}
		out = append(out, cw)
	}
	return out, nil
}

// Disconnect removes the webhooks stagecoach registered, deletes the stored
// credentials and tokens, and stops the connection's work.
func (svc *Service) Disconnect(ctx context.Context, connID string) error {
	var conn *domain.Connection
	var hooks []*domain.ConnectionWebhook
	err := svc.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if conn, err = tx.ConnectionGet(ctx, connID); err != nil {
			return err
		}
		hooks, err = tx.ConnectionWebhookList(ctx, connID)
		return err
	})
	if err != nil {
		return err
	}
	if d, err := svc.eng.Driver(conn); err == nil {
		for _, h := range hooks {
			if h.Managed && h.LeverWebhookID != "" {
				if err := d.DeleteWebhook(ctx, h.LeverWebhookID); err != nil && !errors.Is(err, ats.ErrNotFound) {
					svc.log.Warn("could not remove a Lever webhook", "connection_id", connID, "error", err)
				}
			}
		}
	}
	return svc.db.InTx(ctx, func(tx *store.Tx) error {
		for _, h := range hooks {
			if err := tx.ConnectionWebhookDelete(ctx, connID, h.Event); err != nil {
				return err
			}
		}
		conn.Credentials = domain.Credentials{}
		conn.Status, conn.StatusReason = domain.ConnDisconnected, "disconnected by an operator"
		return tx.ConnectionUpdate(ctx, conn)
	})
}

// ProviderInput describes a provider to create.
type ProviderInput struct {
	ID, Name, Kind, WebhookURL string
}

// HashAPIKey is how provider API keys are stored.
func HashAPIKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// CreateProvider stores a provider and returns it with its API key and
// webhook secret, which are shown only now.
func (svc *Service) CreateProvider(ctx context.Context, in ProviderInput) (p *domain.Provider, apiKey string, err error) {
	var errs []domain.FieldError
	if !slugRE.MatchString(in.ID) {
		errs = append(errs, domain.FieldError{Field: "id", Message: "must be 1-63 lowercase letters, digits or dashes"})
	}
	if in.Name == "" {
		errs = append(errs, domain.FieldError{Field: "name", Message: "is required"})
	}
	if _, err := flow.Lookup(in.Kind); err != nil {
		var ids []string
		for _, k := range flow.All() {
			ids = append(ids, k.ID())
		}
		errs = append(errs, domain.FieldError{Field: "kind", Message: "must be one of " + strings.Join(ids, ", ")})
	}
	if in.WebhookURL != "" {
		if u, err := url.Parse(in.WebhookURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, domain.FieldError{Field: "webhookUrl", Message: "must be an http(s) URL"})
		}
	}
	if len(errs) > 0 {
		return nil, "", &domain.Error{Code: domain.EInvalid, Message: errs[0].Field + " " + errs[0].Message, Fields: errs}
	}
	apiKey = "sc_" + domain.NewToken(24)
	p = &domain.Provider{ID: in.ID, Name: in.Name, Kind: in.Kind, APIKeyHash: HashAPIKey(apiKey), WebhookURL: in.WebhookURL, WebhookSecret: outbound.NewSecret()}
	err = svc.db.InTx(ctx, func(tx *store.Tx) error { return tx.ProviderCreate(ctx, p) })
	return p, apiKey, err
}

// CreateIntegration enables a provider on a connection with the given
// settings (validated, and checked against Lever by
// CheckIntegrationSettings; empty for the defaults). Tagged postings, if
// any, get the provider's package tags soon after.
func (svc *Service) CreateIntegration(ctx context.Context, connID, providerID string, settings json.RawMessage) (*domain.Integration, error) {
	return svc.createIntegration(ctx, connID, providerID, settings, true)
}

// CreateIntegrationDraft is CreateIntegration for an integration that stays
// off until it is activated (after the setup check).
func (svc *Service) CreateIntegrationDraft(ctx context.Context, connID, providerID string, settings json.RawMessage) (*domain.Integration, error) {
	return svc.createIntegration(ctx, connID, providerID, settings, false)
}

func (svc *Service) createIntegration(ctx context.Context, connID, providerID string, settings json.RawMessage, enabled bool) (*domain.Integration, error) {
	s, err := engine.ParseSettings(settings)
	if err != nil {
		return nil, err
	}
	if err := svc.eng.CheckNewIntegration(ctx, connID, providerID, settings); err != nil {
		return nil, err
	}
	if len(settings) == 0 {
		settings = json.RawMessage("{}")
	}
	var conn *domain.Connection
	var p *domain.Provider
	err = svc.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if conn, err = tx.ConnectionGet(ctx, connID); err != nil {
			return err
		}
		p, err = tx.ProviderGet(ctx, providerID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := svc.checkTaggedPostings(ctx, conn, p, s.TaggedPostings); err != nil {
		return nil, err
	}
	in := &domain.Integration{ID: domain.NewID("int"), ConnectionID: connID, ProviderID: providerID, Settings: settings, Enabled: enabled}
	err = svc.db.InTx(ctx, func(tx *store.Tx) error {
		if err := svc.checkEnableTags(ctx, tx, p, connID); err != nil {
			return err
		}
		if err := tx.IntegrationCreate(ctx, in); err != nil {
			return err
		}
		_, err := svc.eng.EnqueuePostingTags(ctx, tx, in, p)
		return err
	})
	if err == nil {
		svc.eng.Notify()
	}
	return in, err
}

// UpdateIntegration replaces an integration's settings (validated). When
// its tagged postings change, they get the provider's package tags soon
// after.
func (svc *Service) UpdateIntegration(ctx context.Context, id string, settings json.RawMessage) (*domain.Integration, error) {
	s, err := engine.ParseSettings(settings)
	if err != nil {
		return nil, err
	}
	if len(settings) == 0 {
		settings = json.RawMessage("{}")
	}
	var (
		in   *domain.Integration
		conn *domain.Connection
		p    *domain.Provider
	)
	err = svc.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(ctx, id); err != nil {
			return err
		}
		if conn, err = tx.ConnectionGet(ctx, in.ConnectionID); err != nil {
			return err
		}
		p, err = tx.ProviderGet(ctx, in.ProviderID)
		return err
	})
	if err != nil {
		return nil, err
	}
	old, _ := engine.ParseSettings(in.Settings)
	if err := svc.checkTaggedPostings(ctx, conn, p, s.TaggedPostings); err != nil {
		return nil, err
	}
	if err := svc.eng.CheckIntegrationSettings(ctx, conn, p, settings); err != nil {
		return nil, err
	}
	// Candidates already in a new trigger stage were never told about by a
	// webhook this integration acted on: the sweep starts afresh.
	moved := !svc.eng.SameStage(ctx, conn, old.WithDefaults(p).TriggerStage, s.WithDefaults(p).TriggerStage)
	err = svc.db.InTx(ctx, func(tx *store.Tx) error {
		in.Settings = settings
		if moved {
			in.TriggerChangedAt = tx.Now()
		}
		if err := tx.IntegrationUpdate(ctx, in); err != nil {
			return err
		}
		if slices.Equal(old.TaggedPostings, s.TaggedPostings) {
			return nil
		}
		_, err := svc.eng.EnqueuePostingTags(ctx, tx, in, p)
		return err
	})
	if err == nil {
		svc.eng.Notify()
	}
	return in, err
}

// checkTaggedPostings refuses tagged postings that are repeated, that a
// provider other than an assessment one names, or that Lever does not have.
func (svc *Service) checkTaggedPostings(ctx context.Context, conn *domain.Connection, p *domain.Provider, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	if !flow.Is[flow.PostingTagger](p.Kind) {
		return domain.Errorf(domain.EInvalid, "integration settings: taggedPostings applies to assessment providers only; %s is %s", p.ID, p.Kind)
	}
	seen := map[string]bool{}
	for i, id := range ids {
		switch {
		case strings.TrimSpace(id) == "":
			return domain.Errorf(domain.EInvalid, "integration settings: taggedPostings[%d] is empty", i)
		case seen[id]:
			return domain.Errorf(domain.EInvalid, "integration settings: taggedPostings[%d] repeats posting %s", i, id)
		}
		seen[id] = true
	}
	d, err := svc.eng.Driver(conn)
	if err != nil {
		return err
	}
	for i, id := range ids {
		_, err := d.Job(ctx, id)
		if errors.Is(err, ats.ErrNotFound) {
			return domain.Errorf(domain.EInvalid, "integration settings: taggedPostings[%d]: Lever has no posting %q", i, id)
		}
		if err != nil {
			return fmt.Errorf("look up tagged posting %s: %w", id, err)
		}
	}
	return nil
}

// CheckAPIKey asks Lever whether it accepts a connection's API key, before
// the connection is stored: it lists the account's stages, which every
// flow reads. Lever's refusal comes back as the lever error (401: the key
// is refused; 403: the key works but may not read stages).
func (svc *Service) CheckAPIKey(ctx context.Context, in ConnectionInput) error {
	if err := ValidateConnection(&in, true); err != nil {
		return err
	}
	c := &domain.Connection{ID: in.ID, Name: in.Name, Environment: in.Environment, BaseURL: strings.TrimRight(in.BaseURL, "/"),
		AuthKind: "api_key", Credentials: domain.Credentials{APIKey: in.APIKey}, Status: domain.ConnActive}
	d, err := svc.eng.OpenDriver(c)
	if err != nil {
		return err
	}
	_, err = d.Stages(ctx, "")
	return err
}

// checkWebhookBase refuses a public URL Lever would not deliver to before
// anything is asked of Lever: Lever delivers webhooks to https endpoints
// only, so a production or Lever-sandbox connection needs an https public
// URL. A custom environment (a Lever look-alike such as the local sandbox)
// decides for itself.
func checkWebhookBase(conn *domain.Connection, publicURL string) error {
	if publicURL == "" {
		return domain.Errorf(domain.EInvalid, "stagecoach's public URL is not set: start stagecoach with --public-url https://<its address> (or $STAGECOACH_PUBLIC_URL), the address Lever will send webhooks to")
	}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return domain.Errorf(domain.EInvalid, "the public URL %q is not an absolute http(s) URL: check --public-url", publicURL)
	}
	if conn.Environment != "custom" && u.Scheme != "https" {
		return domain.Errorf(domain.EInvalid, "Lever delivers webhooks only to https URLs, and stagecoach's public URL is %s: serve stagecoach behind TLS and set --public-url to its https address", publicURL)
	}
	return nil
}
