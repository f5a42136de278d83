package outbound

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// SecretPrefix starts every webhook secret.
const SecretPrefix = "whsec_"

// secretLen is the number of random bytes in a secret made by NewSecret.
const secretLen = 32

// NewSecret returns a new webhook secret: "whsec_" and the standard base64 of
// 32 random bytes.
func NewSecret() string {
	b := make([]byte, secretLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+).
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// ParseSecret returns the HMAC key of a webhook secret. The "whsec_" prefix
// is optional, as in the Standard Webhooks reference libraries.
func ParseSecret(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), SecretPrefix)
	if s == "" {
		return nil, errors.New("webhook secret is empty")
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		// The error names no part of the secret.
		return nil, fmt.Errorf("webhook secret is not %s followed by base64", SecretPrefix)
	}
	if len(key) == 0 {
		return nil, errors.New("webhook secret is empty")
	}
	return key, nil
}
