package outbound

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMessageBody(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		m    Message
		want string
	}{
		{
			name: "data compacted, time in UTC seconds",
			m: Message{
				ID:        "msg_1",
				Type:      "order.created",
				Timestamp: time.Date(2026, 3, 4, 6, 7, 8, 999, time.FixedZone("CET", 3600)),
				Data:      json.RawMessage("{ \"id\": \"ord_1\",\n \"url\": \"https://x.example/?a=1&b=<2>\" }"),
			},
			want: `{"type":"order.created","timestamp":"2026-03-04T05:07:08Z","data":{"id":"ord_1","url":"https://x.example/?a=1&b=<2>"}}`,
		},
		{
			name: "no data",
			m:    Message{ID: "msg_2", Type: "order.cancelled", Timestamp: time.Unix(0, 0)},
			want: `{"type":"order.cancelled","timestamp":"1970-01-01T00:00:00Z","data":null}`,
		},
		{
			name: "a type that needs escaping",
			m:    Message{ID: "msg_3", Type: `a"b`, Timestamp: time.Unix(0, 0), Data: json.RawMessage(`[]`)},
			want: `{"type":"a\"b","timestamp":"1970-01-01T00:00:00Z","data":[]}`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.m.Body()
			if string(got) != tc.want {
				t.Fatalf("Body=%s\nwant %s", got, tc.want)
			}
			if again := tc.m.Body(); string(again) != string(got) {
				t.Fatalf("Body is not deterministic: %s then %s", got, again)
			}
			if !json.Valid(got) {
				t.Fatalf("Body is not valid JSON: %s", got)
			}
		})
	}
}
