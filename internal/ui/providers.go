package ui

import (
	"errors"
	"net/http"
	"strings"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

type providerRow struct {
	P        *domain.Provider
	Packages []domain.Package
}

type providerNewData struct {
	Form    admin.ProviderInput
	Kinds   []string
	Created *domain.Provider
	APIKey  string
}

func (u *UI) handleProviderList(w http.ResponseWriter, r *http.Request) {
	var rows []providerRow
	err := u.inTx(r, func(tx *store.Tx) error {
		ps, err := tx.ProviderList(r.Context())
		if err != nil {
			return err
		}
		for _, p := range ps {
			pkgs, err := tx.PackageList(r.Context(), p.ID)
			if err != nil {
				return err
			}
			rows = append(rows, providerRow{P: p, Packages: pkgs})
		}
		return nil
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "providers.html", page{Title: "Providers", Nav: "providers", Data: rows})
}

func (u *UI) handleProviderNew(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, "provider_new.html", page{Title: "Register a provider", Nav: "providers",
		Data: providerNewData{Form: admin.ProviderInput{Kind: domain.KindAssessment}, Kinds: domain.ProviderKinds}})
}

// handleProviderCreate registers a provider and shows its API key and
// webhook secret, this once.
func (u *UI) handleProviderCreate(w http.ResponseWriter, r *http.Request) {
	in := admin.ProviderInput{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Kind: r.PostFormValue("kind"), WebhookURL: strings.TrimSpace(r.PostFormValue("webhookUrl"))}
	p, key, err := u.adm.CreateProvider(r.Context(), in)
	if err != nil {
		msg := err.Error()
		var de *domain.Error
		if errors.As(err, &de) {
			msg = de.Message
		}
		if store.IsConflict(err) {
			msg = "a provider with id " + in.ID + " exists already"
		}
		u.render(w, r, http.StatusBadRequest, "provider_new.html", page{Title: "Register a provider", Nav: "providers", Error: msg,
			Data: providerNewData{Form: in, Kinds: domain.ProviderKinds}})
		return
	}
	auditDetail(r, kindLabelOf(p.Kind)+" provider “"+p.Name+"”")
	u.render(w, r, http.StatusOK, "provider_new.html", page{Title: "Provider registered", Nav: "providers",
		Data: providerNewData{Created: p, APIKey: key, Kinds: domain.ProviderKinds}})
}
