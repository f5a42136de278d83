package store_test

import (
	"context"
	"strings"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/internal/store/storetest"
)

// A key prefix matches literally: an underscore or a percent sign in it is
// no wildcard, and case counts.
func TestEffectsByKeyPrefixMatchesLiterally(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t)
	ctx := context.Background()
	for _, key := range []string{"int_a:form-template:X", "int_a:form-template:Y", "intXa:form-template:Z", "INT_A:form-template:W", "int_a:other"} {
		if _, err := db.EffectEnsure(ctx, &domain.Effect{Key: key, ConnectionID: "acme", Kind: "form_template", Payload: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	if err := db.InTx(ctx, func(tx *store.Tx) error {
		effs, err := tx.EffectsByKeyPrefix(ctx, "int_a:form-template:")
		for _, e := range effs {
			got = append(got, e.Key)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "int_a:form-template:X int_a:form-template:Y" {
		t.Fatalf("effects by prefix: %v", got)
	}
}
