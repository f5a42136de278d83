package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// graceChoices are the grace periods the rotation forms offer.
var graceChoices = []graceChoice{
	{"0s", "none: the old one stops now"},
	{"1h0m0s", "1 hour"},
	{"24h0m0s", "24 hours"},
	{"72h0m0s", "3 days"},
	{"168h0m0s", "7 days"},
}

type graceChoice struct{ Value, Label string }

type providerIntegration struct {
	In       *domain.Integration
	ConnName string
}

// delivery is one webhook to the provider, from its job.
type delivery struct {
	Job       *domain.Job
	MessageID string
	Type      string
	At        time.Time
}

type providerData struct {
	P            *domain.Provider
	Packages     []domain.Package
	Integrations []providerIntegration
	Deliveries   []delivery
	Previous     []store.PreviousCredential
	Graces       []graceChoice
	// Waiting counts the webhooks not sent yet, which deleting drops.
	Waiting int
	// Shown is a key or secret just made, shown this once.
	Shown *shownSecret
}

type shownSecret struct {
	What, Value string
	OldUntil    time.Time // zero: the old one stopped at once
	Now         time.Time
}

func (u *UI) providerData(r *http.Request, id string) (*providerData, error) {
	d := &providerData{Graces: graceChoices}
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		ctx := r.Context()
		if d.P, err = tx.ProviderGet(ctx, id); err != nil {
			return err
		}
		if d.Packages, err = tx.PackageList(ctx, id); err != nil {
			return err
		}
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ProviderID: id})
		if err != nil {
			return err
		}
		for _, in := range ins {
			pi := providerIntegration{In: in, ConnName: in.ConnectionID}
			if c, err := tx.ConnectionGet(ctx, in.ConnectionID); err == nil {
				pi.ConnName = c.Name
			}
			d.Integrations = append(d.Integrations, pi)
		}
		jobs, err := tx.ProviderDeliveries(ctx, engine.JobProviderWebhook, id, 50)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			var a struct {
				MessageID string    `json:"messageId"`
				Type      string    `json:"type"`
				Timestamp time.Time `json:"timestamp"`
			}
			_ = json.Unmarshal(j.Args, &a)
			d.Deliveries = append(d.Deliveries, delivery{Job: j, MessageID: a.MessageID, Type: a.Type, At: a.Timestamp})
			if j.Status == domain.JobAvailable || j.Status == domain.JobRunning {
				d.Waiting++
			}
		}
		d.Previous, err = tx.ProviderPreviousCredentials(ctx, id)
		return err
	})
	return d, err
}

func (u *UI) handleProviderShow(w http.ResponseWriter, r *http.Request) {
	d, err := u.providerData(r, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "provider.html", page{Title: d.P.Name, Nav: "providers", Data: d})
}

// renderProvider shows the provider's page again with an error, or with a
// secret made just now.
func (u *UI) renderProvider(w http.ResponseWriter, r *http.Request, status int, msg string, shown *shownSecret) {
	d, err := u.providerData(r, r.PathValue("id"))
	if err != nil {
		u.fail(w, r, err)
		return
	}
	d.Shown = shown
	u.render(w, r, status, "provider.html", page{Title: d.P.Name, Nav: "providers", Data: d, Error: msg})
}

func errMessage(err error) string {
	var de *domain.Error
	if errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}

// handleProviderUpdate saves a provider's name and webhook URL.
func (u *UI) handleProviderUpdate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	name, hook := r.PostFormValue("name"), r.PostFormValue("webhookUrl")
	before, err := u.providerData(r, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	p, err := u.adm.UpdateProvider(r.Context(), id, admin.ProviderUpdate{Name: &name, WebhookURL: &hook})
	if domain.ErrorCode(err) == domain.EInvalid {
		u.renderProvider(w, r, http.StatusBadRequest, errMessage(err), nil)
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	var changed []string
	if before.P.Name != p.Name {
		changed = append(changed, "name “"+before.P.Name+"” → “"+p.Name+"”")
	}
	if before.P.WebhookURL != p.WebhookURL {
		changed = append(changed, "webhook URL "+orDash(before.P.WebhookURL)+" → "+orDash(p.WebhookURL))
	}
	if len(changed) == 0 {
		u.redirect(w, r, "/providers/"+id, "Nothing changed.")
		return
	}
	auditDetail(r, strings.Join(changed, "; "))
	u.redirect(w, r, "/providers/"+id, "Saved: "+strings.Join(changed, "; ")+".")
}

func orDash(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func parseGrace(r *http.Request) (time.Duration, error) {
	g, err := time.ParseDuration(r.PostFormValue("grace"))
	if err != nil {
		return 0, domain.Errorf(domain.EInvalid, "grace %q is not a duration such as 24h", r.PostFormValue("grace"))
	}
	return g, nil
}

// handleProviderRotateKey gives the provider a new API key and shows it
// once; the old key works for the grace period chosen.
func (u *UI) handleProviderRotateKey(w http.ResponseWriter, r *http.Request) {
	u.rotate(w, r, "API key", u.adm.RotateProviderKey)
}

// handleProviderRotateSecret gives the provider a new webhook secret and
// shows it once; webhooks are signed with the old one too for the grace
// period chosen.
func (u *UI) handleProviderRotateSecret(w http.ResponseWriter, r *http.Request) {
	u.rotate(w, r, "webhook secret", u.adm.RotateProviderSecret)
}

func (u *UI) rotate(w http.ResponseWriter, r *http.Request, what string, fn func(ctx context.Context, id string, grace time.Duration) (string, time.Time, error)) {
	grace, err := parseGrace(r)
	if err == nil {
		var value string
		var until time.Time
		if value, until, err = fn(r.Context(), r.PathValue("id"), grace); err == nil {
			now := u.cfg.NowFunc()
			shown := &shownSecret{What: what, Value: value, Now: now}
			detail := "the old one stopped at once"
			if grace > 0 {
				shown.OldUntil = until
				detail = "the old one works until " + until.UTC().Format("2006-01-02 15:04:05") + " UTC"
			}
			auditDetail(r, detail)
			u.renderProvider(w, r, http.StatusOK, "", shown)
			return
		}
	}
	if domain.ErrorCode(err) == domain.EInvalid {
		u.renderProvider(w, r, http.StatusBadRequest, errMessage(err), nil)
		return
	}
	u.fail(w, r, err)
}

// handleProviderDelete deletes a provider once its id is typed to confirm.
func (u *UI) handleProviderDelete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if strings.TrimSpace(r.PostFormValue("confirm")) != id {
		u.renderProvider(w, r, http.StatusBadRequest, "Not deleted: type the provider id, "+id+", to confirm.", nil)
		return
	}
	d, err := u.providerData(r, id)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if err := u.adm.DeleteProvider(r.Context(), id); err != nil {
		u.fail(w, r, err)
		return
	}
	auditDetail(r, fmt.Sprintf("“%s” with its %d packages and %d integrations; %d webhooks not yet sent dropped", d.P.Name, len(d.Packages), len(d.Integrations), d.Waiting))
	u.redirect(w, r, "/providers", "Provider "+id+" deleted with its packages and integrations; its API key no longer works.")
}

// handleProviderDeliveryAgain sends one webhook to the provider again.
func (u *UI) handleProviderDeliveryAgain(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	job, err := strconv.ParseInt(r.PathValue("job"), 10, 64)
	if err != nil {
		u.fail(w, r, domain.Errorf(domain.EInvalid, "%q is not a delivery id", r.PathValue("job")))
		return
	}
	if err := u.adm.SendDeliveryAgain(r.Context(), id, job); err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirect(w, r, "/providers/"+id+"#deliveries", "Webhook "+strconv.FormatInt(job, 10)+" will be sent again.")
}
