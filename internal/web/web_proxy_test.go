package web

import (
	"crypto/tls"
	"net/http/httptest"
	"testing"
)

func TestProxiesBelieveForwardedHeadersFromTrustedPeersOnly(t *testing.T) {
	t.Parallel()
	trusted, err := ParseProxies("10.0.0.0/8, loopback")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer, xff, proto, host string
		proxies                      Proxies
		client, scheme, gotHost      string
	}{
		{"no proxy trusted: headers ignored", "203.0.113.9:5000", "1.2.3.4", "https", "sc.example", nil, "203.0.113.9", "http", "internal:8080"},
		{"untrusted peer: headers ignored", "203.0.113.9:5000", "1.2.3.4", "https", "sc.example", trusted, "203.0.113.9", "http", "internal:8080"},
		{"trusted proxy", "10.1.2.3:5000", "198.51.100.2", "https", "sc.example", trusted, "198.51.100.2", "https", "sc.example"},
		{"client-written hops are skipped", "10.1.2.3:5000", "6.6.6.6, 198.51.100.2", "https", "sc.example", trusted, "198.51.100.2", "https", "sc.example"},
		{"a chain of trusted proxies", "127.0.0.1:5000", "198.51.100.2, 10.9.9.9", "https", "", trusted, "198.51.100.2", "https", "internal:8080"},
		{"garbage hop stops the walk", "10.1.2.3:5000", "198.51.100.2, not-an-ip", "", "", trusted, "10.1.2.3", "http", "internal:8080"},
		{"bad forwarded host ignored", "10.1.2.3:5000", "", "http", "evil.example/path", trusted, "10.1.2.3", "http", "internal:8080"},
		{"the nearest proxy's proto wins", "10.1.2.3:5000", "", "http, https", "a.example, sc.example", trusted, "10.1.2.3", "https", "sc.example"},
	} {
		r := httptest.NewRequest("GET", "http://internal:8080/login", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		if tc.host != "" {
			r.Header.Set("X-Forwarded-Host", tc.host)
		}
		if got := tc.proxies.ClientAddr(r); got != tc.client {
			t.Errorf("%s: ClientAddr=%q, want %q", tc.name, got, tc.client)
		}
		if got := tc.proxies.Scheme(r); got != tc.scheme {
			t.Errorf("%s: Scheme=%q, want %q", tc.name, got, tc.scheme)
		}
		if got := tc.proxies.Host(r); got != tc.gotHost {
			t.Errorf("%s: Host=%q, want %q", tc.name, got, tc.gotHost)
		}
	}
	r := httptest.NewRequest("GET", "https://sc.example/", nil)
	r.TLS = &tls.ConnectionState{}
	if got := Proxies(nil).Scheme(r); got != "https" {
		t.Errorf("direct TLS: Scheme=%q", got)
	}
}

func TestParseProxiesAndPublicURL(t *testing.T) {
	t.Parallel()
	if _, err := ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("ParseProxies accepted a bad prefix")
	}
	if _, err := ParseProxies("proxy.internal"); err == nil {
		t.Error("ParseProxies accepted a host name")
	}
	if p, err := ParseProxies(""); err != nil || len(p) != 0 {
		t.Errorf("empty: %v %v", p, err)
	}
	for in, want := range map[string]string{"https://sc.example/": "https://sc.example", "": "", "http://127.0.0.1:8080": "http://127.0.0.1:8080", "https://sc.example/stagecoach": "https://sc.example/stagecoach", "HTTPS://sc.example": "https://sc.example"} {
		if got, err := ParsePublicURL(in); err != nil || got != want {
			t.Errorf("ParsePublicURL(%q)=%q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"sc.example", "ftp://sc.example", "https://", "https://u:p@sc.example", "https://sc.example/?a=b"} {
		if _, err := ParsePublicURL(in); err == nil {
			t.Errorf("ParsePublicURL(%q) accepted it", in)
		}
	}
}
