package api

import (
	"encoding/base64"
	"testing"
)

// A cursor handed out before pages were keyed by the last event (it led
// with an offset) still reads as that event's place.
func TestLeverEventCursorOfEarlierReleasesStillReads(t *testing.T) {
	t.Parallel()
	old := base64.RawURLEncoding.EncodeToString([]byte("4|1767225600000|evt_b"))
	c, err := decodeLeverEventCursor(old)
	if err != nil || c.receivedAt != 1767225600000 || c.id != "evt_b" {
		t.Fatalf("decode(old) = %+v, %v", c, err)
	}
	c2, err := decodeLeverEventCursor(c.encode())
	if err != nil || c2 != c {
		t.Fatalf("decode(encode(%+v)) = %+v, %v", c, c2, err)
	}
	for _, s := range []string{"0|1|evt", "x|1|evt", "k|x|evt", "k|1|", "k|1"} {
		if _, err := decodeLeverEventCursor(base64.RawURLEncoding.EncodeToString([]byte(s))); err == nil {
			t.Errorf("decode(%q) accepted", s)
		}
	}
}
