package api_test

import (
	"net/http"
	"slices"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

func TestIntegrationListShowsOnlyTheProvidersOwn(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var page struct {
		Data []struct {
			ID, ConnectionID string
			Settings         engine.Settings
		}
	}
	b.call(t, "GET", "/v1/integrations", keyHireVue, nil).decode(t, &page)
	var ids []string
	for _, in := range page.Data {
		ids = append(ids, in.ID)
		if in.Settings.TriggerStage != "HireVue" || in.Settings.InvitedTag != "HireVue Interview Invited" {
			t.Errorf("%s settings = %+v, want the defaults filled in", in.ID, in.Settings)
		}
	}
	if !slices.Equal(ids, []string{"int_hirevue_acme", "int_hirevue_initech"}) {
		t.Fatalf("integrations = %v", ids)
	}
	b.call(t, "GET", "/v1/integrations/int_imocha_acme", keyHireVue, nil).problem(t, http.StatusNotFound)
	b.call(t, "GET", "/v1/integrations", "", nil).problem(t, http.StatusUnauthorized)
	b.call(t, "GET", "/v1/integrations", keyLonely, nil).decode(t, &page)
	if len(page.Data) != 0 {
		t.Errorf("lonely sees %d integrations", len(page.Data))
	}
}

func TestKitMapPut(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := t.Context()
	if err := b.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.PackagesReplace(ctx, "hirevue", []domain.Package{{ID: "kit-a", Name: "Kit A", Kind: "interview_kit"}, {ID: "kit-b", Name: "Kit B", Kind: "interview_kit"}})
	}); err != nil {
		t.Fatal(err)
	}
	path := "/v1/integrations/int_hirevue_acme/kit-map"
	p := b.call(t, "PUT", path, keyHireVue, map[string]any{"defaultPackage": "nope", "postingPackages": map[string]string{"post-1": "kit-x", "post-2": ""}}).problem(t, http.StatusBadRequest)
	if got := fieldsOf(p); !slices.Equal(got, []string{"defaultPackage", "postingPackages.post-1", "postingPackages.post-2"}) {
		t.Errorf("fields = %v", got)
	}
	b.call(t, "PUT", path, keyHireVue, map[string]any{"defaultPackage": "kit-a", "bogus": 1}).problem(t, http.StatusBadRequest)
	b.call(t, "PUT", "/v1/integrations/int_imocha_acme/kit-map", keyIMocha, map[string]any{"defaultPackage": ""}).problem(t, http.StatusBadRequest)
	b.call(t, "PUT", path, keyIMocha, map[string]any{"defaultPackage": "kit-a"}).problem(t, http.StatusNotFound)

	var m engine.KitMap
	b.call(t, "PUT", path, keyHireVue, map[string]any{"defaultPackage": "kit-a", "postingPackages": map[string]string{"post-1": "kit-b"}}).decode(t, &m)
	if m.DefaultPackage != "kit-a" || m.PostingPackages["post-1"] != "kit-b" {
		t.Fatalf("kit map = %+v", m)
	}
	b.call(t, "GET", path, keyHireVue, nil).decode(t, &m)
	if m.PostingPackages["post-1"] != "kit-b" {
		t.Fatalf("GET kit map = %+v", m)
	}
	// Clearing it keeps the other settings.
	b.call(t, "PUT", path, keyHireVue, map[string]any{"defaultPackage": "", "postingPackages": map[string]string{}}).decode(t, &m)
	var in *domain.Integration
	if err := b.db.InTx(ctx, func(tx *store.Tx) (err error) { in, err = tx.IntegrationGet(ctx, "int_hirevue_acme"); return }); err != nil {
		t.Fatal(err)
	}
	if string(in.Settings) != `{}` {
		t.Errorf("settings after clearing = %s", in.Settings)
	}
}
