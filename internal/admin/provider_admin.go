package admin

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/outbound"
	"stagecoach/internal/store"
)

// MaxRotationGrace is the longest a replaced API key or webhook secret keeps
// working after a rotation.
const MaxRotationGrace = 7 * 24 * time.Hour

// DefaultSecretGrace is how long a provider's replaced webhook secret keeps
// signing when the provider rotates it through the API without saying.
const DefaultSecretGrace = 24 * time.Hour

// ProviderUpdate changes a provider; nil fields stay as they are.
type ProviderUpdate struct {
	Name *string
	// WebhookURL is where the provider's webhooks go; "" removes it (the
	// webhooks then wait until one is set).
	WebhookURL *string
}

// UpdateProvider changes a provider's name or webhook URL and returns it.
// Webhooks waiting for a URL are sent soon after one is set.
func (svc *Service) UpdateProvider(ctx context.Context, id string, in ProviderUpdate) (*domain.Provider, error) {
	var errs []domain.FieldError
	if in.Name != nil {
		if *in.Name = strings.TrimSpace(*in.Name); *in.Name == "" {
			errs = append(errs, domain.FieldError{Field: "name", Message: "is required"})
		}
	}
	if in.WebhookURL != nil {
		*in.WebhookURL = strings.TrimSpace(*in.WebhookURL)
		if msg := checkWebhookURL(*in.WebhookURL); msg != "" {
			errs = append(errs, domain.FieldError{Field: "webhookUrl", Message: msg})
		}
	}
	if len(errs) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: errs[0].Field + " " + errs[0].Message, Fields: errs}
	}
	var p *domain.Provider
	woke := false
	err := svc.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if p, err = tx.ProviderGet(ctx, id); err != nil {
			return err
		}
		hadURL := p.WebhookURL != ""
		if in.Name != nil {
			p.Name = *in.Name
		}
		if in.WebhookURL != nil {
			p.WebhookURL = *in.WebhookURL
		}
		if err := tx.ProviderUpdate(ctx, p); err != nil {
			return err
		}
		if !hadURL && p.WebhookURL != "" {
			// The provider's webhooks snoozed for want of a URL go now.
			n, err := tx.JobWake(ctx, engine.NoWebhookURL)
			woke = n > 0
			return err
		}
		return nil
	})
	if woke {
		svc.eng.Notify()
	}
	return p, err
}

// checkWebhookURL says what is wrong with a provider's webhook URL; ""
// when it is an http(s) URL, or empty.
func checkWebhookURL(s string) string {
	if s == "" {
		return ""
	}
	if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an http(s) URL"
	}
	return ""
}

func checkGrace(grace time.Duration) error {
	if grace < 0 || grace > MaxRotationGrace {
		return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("grace must be between 0 and %s", MaxRotationGrace),
			Fields: []domain.FieldError{{Field: "grace", Message: fmt.Sprintf("must be between 0 and %s", MaxRotationGrace)}}}
	}
	return nil
}

// RotateProviderKey gives a provider a new API key and returns it (shown
// only now). The old key keeps working for grace (0: it stops at once, at
// most MaxRotationGrace); until is when it stops.
func (svc *Service) RotateProviderKey(ctx context.Context, id string, grace time.Duration) (key string, until time.Time, err error) {
	if err := checkGrace(grace); err != nil {
		return "", time.Time{}, err
	}
	key = "sc_" + domain.NewToken(24)
	err = svc.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.ProviderGet(ctx, id)
		if err != nil {
			return err
		}
		until = tx.Now().Add(grace)
		if err := tx.ProviderRetireKey(ctx, p.ID, p.APIKeyHash, until); err != nil {
			return err
		}
		p.APIKeyHash = HashAPIKey(key)
		return tx.ProviderUpdate(ctx, p)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return key, until, nil
}

// RotateProviderSecret gives a provider a new webhook secret and returns it
// (shown only now). Until the grace ends, every webhook carries a signature
// made with the old secret beside the new one (Standard Webhooks lets a
// delivery carry several), so the provider can switch whenever it likes.
func (svc *Service) RotateProviderSecret(ctx context.Context, id string, grace time.Duration) (secret string, until time.Time, err error) {
	if err := checkGrace(grace); err != nil {
		return "", time.Time{}, err
	}
	secret = outbound.NewSecret()
	err = svc.db.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.ProviderGet(ctx, id)
		if err != nil {
			return err
		}
		until = tx.Now().Add(grace)
		if err := tx.ProviderRetireSecret(ctx, p.ID, p.WebhookSecret, until); err != nil {
			return err
		}
		p.WebhookSecret = secret
		return tx.ProviderUpdate(ctx, p)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return secret, until, nil
}

// ProviderDeliveries returns the latest webhooks to a provider (at most
// limit), newest first.
func (svc *Service) ProviderDeliveries(ctx context.Context, id string, limit int) (jobs []*domain.Job, err error) {
	err = svc.db.InTx(ctx, func(tx *store.Tx) error {
		jobs, err = tx.ProviderDeliveries(ctx, engine.JobProviderWebhook, id, limit)
		return err
	})
	return jobs, err
}

// SendDeliveryAgain sends a webhook to a provider once more, with the same
// message id: a dead-lettered one is retried, a delivered one is copied.
// jobID must be a webhook to providerID.
func (svc *Service) SendDeliveryAgain(ctx context.Context, providerID string, jobID int64) error {
	err := svc.db.InTx(ctx, func(tx *store.Tx) error {
		j, err := tx.JobGet(ctx, jobID)
		if err != nil {
			return err
		}
		if j.Kind != engine.JobProviderWebhook || !strings.HasPrefix(j.QueueKey, "hook:"+providerID+":") {
			return domain.Errorf(domain.ENotFound, "provider %s has no webhook %d", providerID, jobID)
		}
		return tx.JobSendAgain(ctx, jobID)
	})
	if err == nil {
		svc.eng.Notify()
	}
	return err
}
