package admin

import (
	"strings"
	"testing"
)

// TestEnvironmentEU: a connection to an account in Lever's EU data centre
// is valid, and an unknown environment is named in the error (the Lever
// driver's TestEnvironmentEU checks it talks to api.eu.lever.co).
func TestEnvironmentEU(t *testing.T) {
	t.Parallel()
	in := ConnectionInput{ID: "acme-eu", Environment: "eu", APIKey: "k"}
	if err := ValidateConnection(&in, true); err != nil {
		t.Fatalf("ValidateConnection(eu): %v", err)
	}
	bad := ConnectionInput{ID: "acme", Environment: "europe", APIKey: "k"}
	if err := ValidateConnection(&bad, true); err == nil || !strings.Contains(err.Error(), "production, eu, sandbox or custom") {
		t.Fatalf("ValidateConnection(europe): %v", err)
	}
}
