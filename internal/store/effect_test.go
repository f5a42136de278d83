package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store/storetest"
)

// A journal entry's claim is a compare-and-set: of concurrent claimants one
// wins; the others are refused while its lease runs, and win once it has run
// out; only the holder may mark it sending or record its outcome, which lets
// it go; a finished entry cannot be claimed.
func TestEffectClaimIsHeldByOneOwnerUntilItsLeaseRunsOut(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	var offset time.Duration
	db.NowFunc = func() time.Time { return time.Now().Add(offset) }
	ctx := context.Background()
	const key = "int-1:form-template:Acme Assessment"
	if _, err := db.EffectEnsure(ctx, &domain.Effect{Key: key, ConnectionID: "acme", Kind: "form_template", Payload: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}

	const claimants = 10
	var wg sync.WaitGroup
	won := make([]bool, claimants)
	for i := range claimants {
		wg.Go(func() {
			_, ok, err := db.EffectClaim(ctx, key, fmt.Sprintf("owner-%d", i), time.Minute)
			if err != nil {
				t.Error(err)
			}
			won[i] = ok
		})
	}
	wg.Wait()
	winner := -1
	for i, ok := range won {
		if ok {
			if winner >= 0 {
				t.Fatalf("owner-%d and owner-%d both claimed the entry", winner, i)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatal("nobody claimed the entry")
	}
	owner := fmt.Sprintf("owner-%d", winner)

	row, ok, err := db.EffectClaim(ctx, key, "late", time.Minute)
	if err != nil || ok || row.Owner != owner || row.LeaseUntil.IsZero() {
		t.Fatalf("claim during the lease: ok=%v, held by %q until %s, %v; want refused, held by %s", ok, row.Owner, row.LeaseUntil, err, owner)
	}
	if ok, err := db.EffectMarkSending(ctx, key, "late"); err != nil || ok {
		t.Fatalf("mark sending by a non-holder: %v %v", ok, err)
	}
	if ok, err := db.EffectMarkSending(ctx, key, owner); err != nil || !ok {
		t.Fatalf("mark sending by the holder: %v %v", ok, err)
	}

	// The holder crashed: once its lease has run out, another may claim.
	offset = time.Minute + time.Millisecond
	row, ok, err = db.EffectClaim(ctx, key, "next", time.Minute)
	if err != nil || !ok || row.Status != domain.EffectSending || row.Attempts != 1 {
		t.Fatalf("claim after the lease: ok=%v, %+v, %v; want claimed, sending after 1 attempt", ok, row, err)
	}
	if ok, err := db.EffectRelease(ctx, key, owner, domain.EffectDone, "tpl-0", ""); err != nil || ok {
		t.Fatalf("the crashed owner's late release: %v %v; want refused", ok, err)
	}
	if ok, err := db.EffectExtend(ctx, key, owner, time.Minute); err != nil || ok {
		t.Fatalf("the crashed owner's renewal: %v %v; want refused", ok, err)
	}
	if ok, err := db.EffectRelease(ctx, key, "next", domain.EffectDone, "tpl-1", ""); err != nil || !ok {
		t.Fatalf("release by the holder: %v %v", ok, err)
	}
	row, ok, err = db.EffectClaim(ctx, key, "after", time.Minute)
	if err != nil || ok || row.Status != domain.EffectDone || row.Result != "tpl-1" || row.Owner != "" || !row.LeaseUntil.IsZero() {
		t.Fatalf("claim of a done entry: ok=%v, %+v, %v; want refused, done with tpl-1 and free", ok, row, err)
	}
}
