package engine

import (
	"strings"
	"testing"

	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
)

// TestEnvironmentEU: a connection to an account in Lever's EU data centre
// talks to api.eu.lever.co, and an unknown environment is named in the
// error.
func TestEnvironmentEU(t *testing.T) {
	t.Parallel()
	in := ConnectionInput{ID: "acme-eu", Environment: "eu", APIKey: "k"}
	if err := ValidateConnection(&in, true); err != nil {
		t.Fatalf("ValidateConnection(eu): %v", err)
	}
	env, err := Environment(&domain.Connection{ID: "acme-eu", Environment: "eu"})
	if err != nil || env.APIBaseURL != lever.EU.APIBaseURL || env.APIBaseURL != "https://api.eu.lever.co/v1" {
		t.Fatalf("Environment(eu)=%+v, %v", env, err)
	}
	bad := ConnectionInput{ID: "acme", Environment: "europe", APIKey: "k"}
	if err := ValidateConnection(&bad, true); err == nil || !strings.Contains(err.Error(), "production, eu, sandbox or custom") {
		t.Fatalf("ValidateConnection(europe): %v", err)
	}
}
