package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

const keyRival = "sc_test_rival_key"

// Two providers enabled on one connection publish the same package tag at
// the same moment, many times over: one of them gets it, every PUT of the
// other is refused with a 409 naming the tag, and the tag ends up a package
// tag of one provider only; no PUT fails for another reason (a provider's
// own PUTs racing one another once answered 400, "package id appears
// twice"). On PostgreSQL this is the publish's locks at work; on SQLite, the
// single writer.
func TestPackagePutConcurrentSameTagOneProviderWins(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ProviderCreate(ctx, &domain.Provider{ID: "rival", Name: "Rival", Kind: domain.KindAssessment, APIKeyHash: admin.HashAPIKey(keyRival)}); err != nil {
			return err
		}
		return tx.IntegrationCreate(ctx, &domain.Integration{ID: "int_rival_acme", ProviderID: "rival", ConnectionID: "acme", Settings: json.RawMessage(`{}`), Enabled: true})
	})
	if err != nil {
		t.Fatal(err)
	}

	const perProvider = 8
	const tag = "Shared: Go"
	body := `{"packages":[{"id":"go","name":"Go","kind":"assessment","leverTag":"` + tag + `"}]}`
	put := func(key string) (int, string, error) {
		req, err := http.NewRequest("PUT", b.srv.URL+"/v1/packages", strings.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := b.srv.Client().Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		var p struct {
			Detail string `json:"detail"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&p)
		return resp.StatusCode, p.Detail, nil
	}
	type answer struct {
		provider string
		status   int
		detail   string
		err      error
	}
	answers := make(chan answer, 2*perProvider)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < perProvider; i++ {
		for _, pk := range [][2]string{{"imocha", keyIMocha}, {"rival", keyRival}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				status, detail, err := put(pk[1])
				answers <- answer{pk[0], status, detail, err}
			}()
		}
	}
	close(start)
	wg.Wait()
	close(answers)

	ok := map[string]int{}
	refused := map[string]int{}
	for a := range answers {
		switch {
		case a.err != nil:
			t.Fatalf("PUT as %s: %v", a.provider, a.err)
		case a.status == http.StatusOK:
			ok[a.provider]++
		case a.status == http.StatusConflict && strings.Contains(a.detail, fmt.Sprintf("%q", tag)):
			refused[a.provider]++
		default:
			t.Fatalf("PUT as %s answered %d %q, want 200 or a 409 naming the tag", a.provider, a.status, a.detail)
		}
	}
	if len(ok) != 1 {
		t.Fatalf("PUTs that succeeded per provider: %v, want those of one provider only (refused: %v)", ok, refused)
	}
	var winner, loser string
	for p := range ok {
		winner = p
	}
	loser = map[string]string{"imocha": "rival", "rival": "imocha"}[winner]
	if ok[winner] != perProvider || refused[loser] != perProvider {
		t.Fatalf("%s: %d of %d PUTs succeeded; %s: %d of %d refused, want all", winner, ok[winner], perProvider, loser, refused[loser], perProvider)
	}
	holders := 0
	err = b.db.InTx(ctx, func(tx *store.Tx) error {
		for _, p := range []string{"imocha", "rival"} {
			pkgs, err := tx.PackageList(ctx, p)
			if err != nil {
				return err
			}
			for _, pk := range pkgs {
				if pk.LeverTag == tag {
					holders++
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if holders != 1 {
		t.Fatalf("%d providers hold the tag %q, want 1", holders, tag)
	}
}

// The publish's check holds until its write commits: a second provider's
// check on the same connection, started while the first publish is between
// its check and its write, waits for it and then sees its tag. Without the
// lock the second check passes at once and both providers store the tag.
func TestPackageTagCheckWaitsForAConcurrentPublish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	adm := admin.New(b.db, engine.New(b.db, queue.New(b.db, queue.Config{}), engine.Config{}), nil)
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ProviderCreate(ctx, &domain.Provider{ID: "rival", Name: "Rival", Kind: domain.KindAssessment, APIKeyHash: admin.HashAPIKey(keyRival)}); err != nil {
			return err
		}
		return tx.IntegrationCreate(ctx, &domain.Integration{ID: "int_rival_acme", ProviderID: "rival", ConnectionID: "acme", Settings: json.RawMessage(`{}`), Enabled: true})
	})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(providerID string, between func()) error {
		pkgs := []domain.Package{{ProviderID: providerID, ID: "go", Name: "Go", Kind: "assessment", LeverTag: "Shared: Go"}}
		return b.db.InTx(ctx, func(tx *store.Tx) error {
			if err := adm.CheckPackageTags(ctx, tx, providerID, pkgs); err != nil {
				return err
			}
			between()
			return tx.PackagesReplace(ctx, providerID, pkgs)
		})
	}
	firstChecked, secondChecked := make(chan struct{}), make(chan struct{})
	firstErr := make(chan error, 1)
	go func() {
		firstErr <- publish("imocha", func() {
			close(firstChecked)
			// Hold the write until the second check has run, or until it
			// has clearly been made to wait.
			select {
			case <-secondChecked:
			case <-time.After(300 * time.Millisecond):
			}
		})
	}()
	<-firstChecked
	second := publish("rival", func() { close(secondChecked) })
	if err := <-firstErr; err != nil {
		t.Fatalf("the first publish: %v", err)
	}
	if domain.ErrorCode(second) != domain.EConflict || !strings.Contains(second.Error(), `"Shared: Go"`) {
		t.Fatalf("the second publish = %v, want a conflict naming the tag", second)
	}
}

// Enabling a provider on a connection waits, the same way, for a publish
// of another provider enabled there that is between its check and its
// write, and then refuses: the tag is taken.
func TestEnablingWaitsForAConcurrentPublish(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	adm := admin.New(b.db, engine.New(b.db, queue.New(b.db, queue.Config{}), engine.Config{}), nil)
	pkgs := func(providerID string) []domain.Package {
		return []domain.Package{{ProviderID: providerID, ID: "go", Name: "Go", Kind: "assessment", LeverTag: "Shared: Go"}}
	}
	// The rival published the tag while enabled nowhere.
	err := b.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ProviderCreate(ctx, &domain.Provider{ID: "rival", Name: "Rival", Kind: domain.KindAssessment, APIKeyHash: admin.HashAPIKey(keyRival)}); err != nil {
			return err
		}
		if err := tx.IntegrationCreate(ctx, &domain.Integration{ID: "int_rival_acme", ProviderID: "rival", ConnectionID: "acme", Settings: json.RawMessage(`{}`)}); err != nil {
			return err
		}
		return tx.PackagesReplace(ctx, "rival", pkgs("rival"))
	})
	if err != nil {
		t.Fatal(err)
	}
	checked, enabled := make(chan struct{}), make(chan error, 1)
	published := make(chan error, 1)
	go func() {
		published <- b.db.InTx(ctx, func(tx *store.Tx) error {
			if err := adm.CheckPackageTags(ctx, tx, "imocha", pkgs("imocha")); err != nil {
				return err
			}
			close(checked)
			select {
			case err := <-enabled:
				enabled <- err
			case <-time.After(300 * time.Millisecond):
			}
			return tx.PackagesReplace(ctx, "imocha", pkgs("imocha"))
		})
	}()
	<-checked
	go func() {
		_, err := adm.SaveIntegration(ctx, "int_rival_acme", json.RawMessage(`{}`), true)
		enabled <- err
	}()
	if err := <-published; err != nil {
		t.Fatalf("the publish: %v", err)
	}
	err = <-enabled
	if domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), `"Shared: Go" is also a package tag of iMocha`) {
		t.Fatalf("enabling = %v, want a conflict naming the tag and iMocha", err)
	}
}
