package leversandbox

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// webhookView is the wire shape; the signature token only appears in the
// answer to the create call.
type webhookView struct {
	ID            string         `json:"id"`
	URL           string         `json:"url"`
	Event         string         `json:"event"`
	Configuration map[string]any `json:"configuration"`
	CreatedAt     int64          `json:"createdAt"`
	UpdatedAt     int64          `json:"updatedAt"`
}

func viewWebhook(wh *webhook, withToken bool) webhookView {
	cfg := map[string]any{}
	if wh.Origins != nil {
		cfg["conditions"] = map[string]any{"origins": wh.Origins}
	}
	if withToken {
		cfg["signatureToken"] = wh.Token
	}
	return webhookView{ID: wh.ID, URL: wh.URL, Event: wh.Event, Configuration: cfg, CreatedAt: wh.CreatedAt, UpdatedAt: wh.UpdatedAt}
}

type webhookConfiguration struct {
	Conditions *struct {
		Origins []string `json:"origins"`
	} `json:"conditions"`
}

// webhookOrigins validates a configuration for event and returns its
// origin condition (nil for none).
func webhookOrigins(event string, raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var cfg webhookConfiguration
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, errBadRequest("configuration must be an object: %v", err)
	}
	if cfg.Conditions == nil {
		return nil, nil
	}
	if !slices.Contains(conditionalEvents, event) {
		return nil, errBadRequest("event %s does not accept conditions (only %s do)", event, strings.Join(conditionalEvents, ", "))
	}
	for _, o := range cfg.Conditions.Origins {
		if !slices.Contains(origins, o) {
			return nil, errBadRequest("configuration.conditions.origins: unknown origin %q", o)
		}
	}
	return nonNil(cfg.Conditions.Origins), nil
}

func validWebhookURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errBadRequest("url must be an absolute http(s) URL, got %q", raw)
	}
	// Lever only supports HTTPS endpoints. Plain http is let through on a
	// loopback host alone, where it never leaves the machine, so that tests
	// and the demo run without certificates.
	if u.Scheme != "https" && !loopbackHost(u.Hostname()) {
		return errBadRequest("url must be an https URL: Lever only supports HTTPS webhook endpoints (plain http is accepted on a loopback address only), got %q", raw)
	}
	return nil
}

func loopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.Unmap().IsLoopback()
}

// errPageWebhook refuses an API change to a webhook a Super Admin added in
// the settings page: only API-created webhooks can be changed through the
// API.
func errPageWebhook(id string) error {
	return errForbidden("webhook %s was added in the settings page; only webhooks created through the API can be changed through the API", id)
}

func webhookKey(w *webhook) (int64, string) { return w.CreatedAt, w.ID }

func (s *Sandbox) handleWebhookList(r *http.Request, _ *credential) (*reply, error) {
	items, p, err := paginate(s, r, sortedValues(s.st.Webhooks, webhookKey), webhookKey)
	if err != nil {
		return nil, err
	}
	out := make([]webhookView, 0, len(items))
	for _, wh := range items {
		out = append(out, viewWebhook(wh, false))
	}
	return listReply(out, p), nil
}

func (s *Sandbox) handleWebhookCreate(r *http.Request, _ *credential) (*reply, error) {
	var body struct {
		URL           string          `json:"url"`
		Event         string          `json:"event"`
		Configuration json.RawMessage `json:"configuration"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if !slices.Contains(webhookEvents, body.Event) {
		return nil, errBadRequest("event must be one of %s, got %q", strings.Join(webhookEvents, ", "), body.Event)
	}
	if err := validWebhookURL(body.URL); err != nil {
		return nil, err
	}
	origins, err := webhookOrigins(body.Event, body.Configuration)
	if err != nil {
		return nil, err
	}
	now := s.now()
	wh := &webhook{ID: newID(), URL: body.URL, Event: body.Event, Token: randomHex(24), CreatedAt: now, UpdatedAt: now, Origins: origins}
	s.st.Webhooks[wh.ID] = wh
	return created(viewWebhook(wh, true)), nil
}

// handleWebhookUpdate is the bulk PUT /webhooks: {"data":[{id,url,configuration}]}.
// Every item is checked before any is applied.
func (s *Sandbox) handleWebhookUpdate(r *http.Request, _ *credential) (*reply, error) {
	var body struct {
		Data []struct {
			ID            string          `json:"id"`
			URL           *string         `json:"url"`
			Event         *string         `json:"event"`
			Configuration json.RawMessage `json:"configuration"`
		} `json:"data"`
	}
	if err := decodeJSON(r, &body); err != nil {
		return nil, err
	}
	if body.Data == nil {
		return nil, errBadRequest("data must be an array of webhooks")
	}
	type change struct {
		wh         *webhook
		url, event string
		origins    []string
		setOrigins bool
	}
	var changes []change
	for _, item := range body.Data {
		wh := s.st.Webhooks[item.ID]
		if wh == nil {
			return nil, errNotFound("webhooks", item.ID)
		}
		if wh.Page {
			return nil, errPageWebhook(wh.ID)
		}
		ch := change{wh: wh, url: wh.URL, event: wh.Event}
		if item.URL != nil {
			if err := validWebhookURL(*item.URL); err != nil {
				return nil, err
			}
			ch.url = *item.URL
		}
		if item.Event != nil {
			if !slices.Contains(webhookEvents, *item.Event) {
				return nil, errBadRequest("event must be one of %s, got %q", strings.Join(webhookEvents, ", "), *item.Event)
			}
			ch.event = *item.Event
		}
		if item.Configuration != nil {
			o, err := webhookOrigins(ch.event, item.Configuration)
			if err != nil {
				return nil, err
			}
			ch.origins, ch.setOrigins = o, true
		} else if wh.Origins != nil && !slices.Contains(conditionalEvents, ch.event) {
			ch.setOrigins = true
		}
		changes = append(changes, ch)
	}
	now := s.now()
	out := make([]webhookView, 0, len(changes))
	for _, ch := range changes {
		ch.wh.URL, ch.wh.Event, ch.wh.UpdatedAt = ch.url, ch.event, now
		if ch.setOrigins {
			ch.wh.Origins = ch.origins
		}
		out = append(out, viewWebhook(ch.wh, false))
	}
	return &reply{status: http.StatusOK, body: one(out)}, nil
}

func (s *Sandbox) handleWebhookDelete(r *http.Request, _ *credential) (*reply, error) {
	id := r.PathValue("webhook")
	wh := s.st.Webhooks[id]
	if wh == nil {
		return nil, errNotFound("webhooks", id)
	}
	if wh.Page {
		return nil, errPageWebhook(id)
	}
	delete(s.st.Webhooks, id)
	return noContent(), nil
}
