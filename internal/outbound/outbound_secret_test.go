package outbound

import (
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	t.Parallel()
	s := NewSecret()
	if !strings.HasPrefix(s, SecretPrefix) {
		t.Fatalf("NewSecret=%q, want the %s prefix", s, SecretPrefix)
	}
	key, err := ParseSecret(s)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(key), 32; got != want {
		t.Fatalf("len(key)=%d, want %d", got, want)
	}
	if NewSecret() == s {
		t.Fatal("two secrets are equal")
	}
}

func TestParseSecret(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in      string
		wantLen int // 0: an error
	}{
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 24},
		{"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", 24},
		{"  whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 24},
		{"", 0},
		{"whsec_", 0},
		{"whsec_not base64!", 0},
		{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS", 0}, // bad padding
	} {
		key, err := ParseSecret(tc.in)
		switch {
		case tc.wantLen == 0 && err == nil:
			t.Errorf("ParseSecret(%q) succeeded, want an error", tc.in)
		case tc.wantLen != 0 && err != nil:
			t.Errorf("ParseSecret(%q): %v", tc.in, err)
		case len(key) != tc.wantLen:
			t.Errorf("ParseSecret(%q) gave %d bytes, want %d", tc.in, len(key), tc.wantLen)
		}
		if err != nil && strings.Contains(err.Error(), "MfKQ") {
			t.Errorf("ParseSecret(%q) error %q shows the secret", tc.in, err)
		}
	}
}
