package outbound

import (
	"bytes"
	"encoding/json"
	"time"
)

// Message is one webhook to a provider.
type Message struct {
	// ID is the webhook-id header. It stays the same across retries so
	// that the receiver can drop a redelivery.
	ID string
	// Type is the event type, e.g. "order.created".
	Type string
	// Timestamp is when the event happened; the body carries it in RFC 3339
	// (UTC, seconds).
	Timestamp time.Time
	// Data is the event's JSON object. Empty means null.
	Data json.RawMessage
}

// Body returns the JSON the provider receives:
// {"type":…,"timestamp":…,"data":…}. It depends only on the message, so a
// retry re-sends identical bytes. Data is compacted; if it is not valid JSON
// it is copied as is (Deliver refuses such a message).
func (m Message) Body() []byte {
	var b bytes.Buffer
	typ, _ := json.Marshal(m.Type) // a string always marshals
	b.WriteString(`{"type":`)
	b.Write(typ)
	b.WriteString(`,"timestamp":"`)
	b.WriteString(m.Timestamp.UTC().Format(time.RFC3339))
	b.WriteString(`","data":`)
	switch {
	case len(bytes.TrimSpace(m.Data)) == 0:
		b.WriteString("null")
	default:
		if err := json.Compact(&b, m.Data); err != nil {
			b.Write(m.Data)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}
