package api

import (
	"fmt"
	"net/http"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/web"
)

// webhookSecretRotateJSON is the body of POST /v1/me/webhook-secret/rotate.
type webhookSecretRotateJSON struct {
	// GraceSeconds is how long the old secret keeps signing beside the new
	// one; absent: a day.
	GraceSeconds *int64 `json:"graceSeconds"`
}

// webhookSecretJSON answers it: the new secret, shown only now.
type webhookSecretJSON struct {
	WebhookSecret string `json:"webhookSecret"`
	// PreviousSecretExpiresAt is when webhooks stop carrying a signature
	// made with the old secret.
	PreviousSecretExpiresAt time.Time `json:"previousSecretExpiresAt"`
}

// handleWebhookSecretRotate gives the calling provider a new webhook secret.
// Until the grace ends every webhook is signed with the old and the new
// secret, so the provider can deploy the new one at its own pace.
func (a *API) handleWebhookSecretRotate(w http.ResponseWriter, r *http.Request) error {
	p, err := mustProvider(r)
	if err != nil {
		return err
	}
	var in webhookSecretRotateJSON
	if r.ContentLength != 0 {
		if err := web.DecodeJSON(r, &in, defaultMaxBody); err != nil {
			return err
		}
	}
	grace := admin.DefaultSecretGrace
	if in.GraceSeconds != nil {
		max := int64(admin.MaxRotationGrace / time.Second)
		if *in.GraceSeconds < 0 || *in.GraceSeconds > max {
			return &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("graceSeconds must be between 0 and %d", max),
				Fields: []domain.FieldError{{Field: "graceSeconds", Message: fmt.Sprintf("must be between 0 and %d", max)}}}
		}
		grace = time.Duration(*in.GraceSeconds) * time.Second
	}
	secret, until, err := a.adm.RotateProviderSecret(r.Context(), p.ID, grace)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, webhookSecretJSON{WebhookSecret: secret, PreviousSecretExpiresAt: until})
	return nil
}
