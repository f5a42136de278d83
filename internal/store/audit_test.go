package store_test

import (
	"context"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// The audit log filters by actor, action or its group, a target prefix
// taken literally (a '_' or '%' in it is no wildcard) and time, newest
// first, and prunes what is older than a time.
func TestAuditListFiltersAndPrune(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	start := time.Now().UTC().Truncate(time.Millisecond)
	at := func(d time.Duration) { db.NowFunc = func() time.Time { return start.Add(d) } }
	add := func(d time.Duration, actor, action, target string) {
		t.Helper()
		at(d)
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			return tx.AuditInsert(ctx, &store.AuditEntry{Actor: actor, Action: action, Target: target})
		}); err != nil {
			t.Fatal(err)
		}
	}
	add(0, "ann@x.example", "provider.create", "provider:acme")
	add(time.Minute, "ann@x.example", "provider.rotate_key", "provider:acme")
	add(2*time.Minute, "cli:root", "connection.create", "connection:acme")
	add(3*time.Minute, "bob@x.example", "provider.update", "provider:a_me")
	add(4*time.Minute, "bob@x.example", "provider.update", "provider:a%me")

	list := func(f store.AuditFilter) []string {
		t.Helper()
		var out []string
		err := db.ReadTx(ctx, func(tx *store.Tx) error {
			es, err := tx.AuditList(ctx, f)
			for _, e := range es {
				out = append(out, e.Action+" "+e.Target)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		want []string
	}{
		{"all, newest first", store.AuditFilter{}, []string{"provider.update provider:a%me", "provider.update provider:a_me", "connection.create connection:acme", "provider.rotate_key provider:acme", "provider.create provider:acme"}},
		{"an actor", store.AuditFilter{Actor: "cli:root"}, []string{"connection.create connection:acme"}},
		{"an action", store.AuditFilter{Action: "provider.create"}, []string{"provider.create provider:acme"}},
		{"an action's group", store.AuditFilter{Action: "connection."}, []string{"connection.create connection:acme"}},
		{"a target", store.AuditFilter{Target: "provider:acme"}, []string{"provider.rotate_key provider:acme", "provider.create provider:acme"}},
		{"'_' is no wildcard", store.AuditFilter{Target: "provider:a_"}, []string{"provider.update provider:a_me"}},
		{"'%' is no wildcard", store.AuditFilter{Target: "provider:a%"}, []string{"provider.update provider:a%me"}},
		{"a time window", store.AuditFilter{Since: start.Add(time.Minute), Until: start.Add(3 * time.Minute)}, []string{"connection.create connection:acme", "provider.rotate_key provider:acme"}},
		{"a limit", store.AuditFilter{Limit: 1}, []string{"provider.update provider:a%me"}},
	} {
		got := list(tc.f)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
				break
			}
		}
	}
	var n int64
	if err := db.InTx(ctx, func(tx *store.Tx) (err error) { n, err = tx.AuditPrune(ctx, start.Add(2*time.Minute)); return err }); err != nil || n != 2 {
		t.Fatalf("AuditPrune deleted %d (%v), want the 2 older entries", n, err)
	}
	if got := list(store.AuditFilter{}); len(got) != 3 {
		t.Fatalf("after pruning: %q", got)
	}
}

// A replaced API key authenticates until its grace ends; a replaced webhook
// secret is kept sealed and listed until then; deleting the provider takes
// them along.
func TestProviderPreviousCredentialsExpire(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	start := time.Now().UTC().Truncate(time.Millisecond)
	db.NowFunc = func() time.Time { return start }
	p := &domain.Provider{ID: "acme", Name: "Acme", Kind: domain.KindAssessment, APIKeyHash: "new-hash", WebhookSecret: "whsec_bmV3"}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ProviderCreate(ctx, p); err != nil {
			return err
		}
		if err := tx.ProviderRetireKey(ctx, "acme", "old-hash", start.Add(time.Hour)); err != nil {
			return err
		}
		if err := tx.ProviderRetireKey(ctx, "acme", "never-hash", start); err != nil { // no grace: not kept
			return err
		}
		return tx.ProviderRetireSecret(ctx, "acme", "whsec_b2xk", start.Add(time.Hour))
	})
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	if err := db.SQL().QueryRow(`SELECT secret FROM provider_previous_credentials WHERE kind = 'webhook_secret'`).Scan(&raw); err != nil || string(raw) == "whsec_b2xk" {
		t.Fatalf("the previous secret is stored as %q (%v), want it sealed", raw, err)
	}
	check := func(when time.Duration, hash string, wantOK bool, wantSecrets int) {
		t.Helper()
		db.NowFunc = func() time.Time { return start.Add(when) }
		err := db.ReadTx(ctx, func(tx *store.Tx) error {
			got, err := tx.ProviderByKeyHash(ctx, hash)
			if wantOK && (err != nil || got.ID != "acme") {
				t.Errorf("at +%s the key %s: %v, want provider acme", when, hash, err)
			}
			if !wantOK && domain.ErrorCode(err) != domain.EUnauthorized {
				t.Errorf("at +%s the key %s: %v, want unauthorized", when, hash, err)
			}
			secrets, err := tx.ProviderPreviousSecrets(ctx, "acme")
			if err != nil {
				return err
			}
			if len(secrets) != wantSecrets || (wantSecrets == 1 && secrets[0] != "whsec_b2xk") {
				t.Errorf("at +%s the previous secrets are %q, want %d", when, secrets, wantSecrets)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	check(0, "new-hash", true, 1)
	check(0, "old-hash", true, 1)
	check(0, "never-hash", false, 1)
	check(time.Hour-time.Millisecond, "old-hash", true, 1)
	check(time.Hour, "old-hash", false, 0)
	check(time.Hour, "new-hash", true, 0)

	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ProviderDelete(ctx, "acme") }); err != nil {
		t.Fatal(err)
	}
	var left int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM provider_previous_credentials`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d previous credentials outlive their provider (%v)", left, err)
	}
}
