package lever

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Millis is a Lever timestamp: milliseconds since the Unix epoch. It decodes
// from a JSON number or a numeric string (several of Lever's documented
// examples quote timestamps); null and "" decode to 0. Zero means unset.
type Millis int64

// MillisOf converts t to Millis; the zero time gives 0.
func MillisOf(t time.Time) Millis {
	if t.IsZero() {
		return 0
	}
	return Millis(t.UnixMilli())
}

// Time returns m as a time.Time, or the zero time when m is 0.
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m))
}

// UnmarshalJSON accepts a number, a numeric string, "" or null.
func (m *Millis) UnmarshalJSON(b []byte) error {
	n, err := flexInt(b)
	if err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	*m = Millis(n)
	return nil
}

// flexInt decodes a JSON integer given as a number or a numeric string. A
// number written with a fraction or exponent is accepted when it is integral
// in value (1.7e12), since some producers print large numbers that way.
func flexInt(b []byte) (int64, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return 0, nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return 0, err
		}
		if s == "" {
			return 0, nil
		}
		b = []byte(s)
	}
	if n, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || f != float64(int64(f)) {
		return 0, fmt.Errorf("%s is not an integer", b)
	}
	return int64(f), nil
}

// flexInt64 is an int64 that also decodes from a numeric string.
type flexInt64 int64

func (n *flexInt64) UnmarshalJSON(b []byte) error {
	v, err := flexInt(b)
	*n = flexInt64(v)
	return err
}

// flexBool is a bool that also decodes from "true"/"false" and null.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(bytes.Trim(bytes.TrimSpace(b), `"`)) {
	case "true":
		*f = true
	case "false", "null", "":
		*f = false
	default:
		return fmt.Errorf("%s is not a boolean", b)
	}
	return nil
}

// idString is an id that Lever sends either as a string or, when expanded,
// as an object with an "id" field.
type idString string

func (s *idString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*s = ""
	case b[0] == '{':
		var o struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		*s = idString(o.ID)
	default:
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = idString(v)
	}
	return nil
}

// idList is a list of ids, each a string or an expanded object.
type idList []string

func (l *idList) UnmarshalJSON(b []byte) error {
	var raw []idString
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*l = nil
		return nil
	}
	out := make([]string, len(raw))
	for i, v := range raw {
		out[i] = string(v)
	}
	*l = out
	return nil
}

// isObject reports whether b is a JSON object.
func isObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 0 && b[0] == '{'
}

// isNull reports whether b is empty or JSON null.
func isNull(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) == 0 || string(b) == "null"
}

// page is one decoded list response.
type page struct {
	items   json.RawMessage
	hasNext bool
	next    string
}

// unwrap returns the payload of a Lever response. Lever wraps it as
// {"data": …}; some documented examples show it bare, others doubled
// ({"data":{"data":…}}). The rule (reference §4.1): unwrap "data"; if the
// result is an object with a "data" key but no "id", unwrap once more. The
// list fields hasNext/next are taken from the level the list was found at.
func unwrap(body []byte) (page, error) {
	cur := bytes.TrimSpace(body)
	if len(cur) == 0 {
		return page{}, nil
	}
	var p page
	for level := 0; level < 2 && isObject(cur); level++ {
		// Without a "data" string anywhere the object cannot be a wrapper;
		// skipping the decode saves a pass over every single-wrapped answer.
		if !bytes.Contains(cur, []byte(`"data"`)) {
			break
		}
		var env struct {
			Data    json.RawMessage `json:"data"`
			ID      json.RawMessage `json:"id"`
			HasNext flexBool        `json:"hasNext"`
			Next    *string         `json:"next"`
		}
		if err := json.Unmarshal(cur, &env); err != nil {
			return page{}, err
		}
		if env.Data == nil || env.ID != nil {
			break
		}
		cur = bytes.TrimSpace(env.Data)
		p.hasNext = bool(env.HasNext)
		p.next = ""
		if env.Next != nil {
			p.next = *env.Next
		}
	}
	p.items = cur
	return p, nil
}

// decodeData unwraps body and decodes the payload into out.
func decodeData(body []byte, out any, method, path string) error {
	p, err := unwrap(body)
	if err == nil && len(p.items) > 0 {
		err = json.Unmarshal(p.items, out)
	}
	if err != nil {
		return fmt.Errorf("lever: %s %s: decode response: %w", method, path, err)
	}
	return nil
}
