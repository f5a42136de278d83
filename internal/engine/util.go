package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// ref is the marker that identifies one journal entry in what Lever shows
// (a note's last line, a file's name), so that a retry can find out whether
// the write it lost track of landed.
func ref(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "sc-" + hex.EncodeToString(sum[:6])
}
