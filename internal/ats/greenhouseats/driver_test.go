package greenhouseats_test

import (
	"testing"

	"stagecoach/internal/ats"
	"stagecoach/internal/ats/atstest"
)

// The Greenhouse driver passes the port's conformance suite against the
// local Greenhouse sandbox, connected as a partner (authorization code:
// the webhooks API) and with a customer's own credential (client
// credentials: webhooks entered by hand).

func TestDriverConformance(t *testing.T) {
	t.Parallel()
	t.Run("Partner", func(t *testing.T) {
		t.Parallel()
		atstest.Run(t, func(t *testing.T) atstest.Harness { return newHarness(t, true) })
	})
	t.Run("Customer", func(t *testing.T) {
		t.Parallel()
		atstest.Run(t, func(t *testing.T) atstest.Harness { return newHarness(t, false) })
	})
}

func newHarness(t *testing.T, partner bool) atstest.Harness {
	s := startSandbox(t)
	var d ats.Driver = s.customer(t)
	if partner {
		d = s.partner(t, &tokenStore{})
	}
	return atstest.Harness{Driver: d, Scene: scene{s}}
}
