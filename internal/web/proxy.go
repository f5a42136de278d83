package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
)

// Proxies lists the reverse proxies (TLS terminators, load balancers) whose
// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host headers are
// believed. The zero value trusts none: the headers are ignored and the
// client is the TCP peer, as it must be when stagecoach is reached directly
// (anyone can send those headers).
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR prefixes
// ("127.0.0.1", "10.0.0.0/8", "::1"); "loopback" stands for 127.0.0.0/8 and
// ::1/128. An empty string trusts no proxy.
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			continue
		case f == "loopback":
			out = append(out, netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128"))
			continue
		case strings.Contains(f, "/"):
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR prefix", f)
			}
			out = append(out, p.Masked())
		default:
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR prefix", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
		}
	}
	return out, nil
}

// String lists the prefixes, as ParseProxies reads them.
func (p Proxies) String() string {
	s := make([]string, len(p))
	for i, x := range p {
		s[i] = x.String()
	}
	return strings.Join(s, ",")
}

func (p Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, x := range p {
		if x.Contains(a) {
			return true
		}
	}
	return false
}

func peer(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	return a.Unmap(), err == nil
}

// Forwarded reports whether r came through a trusted proxy, so that its
// X-Forwarded-* headers may be believed.
func (p Proxies) Forwarded(r *http.Request) bool {
	a, ok := peer(r)
	return ok && p.trusts(a)
}

// ClientAddr is the address of the client that sent r: the TCP peer, or,
// when the peer is a trusted proxy, the right-most X-Forwarded-For hop that
// is not itself a trusted proxy. Hops to the left of it were written by the
// client and prove nothing.
func (p Proxies) ClientAddr(r *http.Request) string {
	a, ok := peer(r)
	if !ok {
		return r.RemoteAddr
	}
	if !p.trusts(a) {
		return a.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A hop that is not an address cannot be trusted or skipped:
			// the last good one (the proxy itself) is the client.
			break
		}
		a = h.Unmap()
		if !p.trusts(a) {
			break
		}
	}
	return a.String()
}

// lastValue is the right-most value of a possibly comma-separated header:
// the one the nearest proxy wrote.
func lastValue(r *http.Request, name string) string {
	vs := r.Header.Values(name)
	if len(vs) == 0 {
		return ""
	}
	parts := strings.Split(vs[len(vs)-1], ",")
	return strings.TrimSpace(parts[len(parts)-1])
}

// Scheme is "https" when r reached stagecoach over TLS, directly or (as a
// trusted proxy's X-Forwarded-Proto says) through a TLS-terminating proxy;
// else "http".
func (p Proxies) Scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	if p.Forwarded(r) && strings.EqualFold(lastValue(r, "X-Forwarded-Proto"), "https") {
		return "https"
	}
	return "http"
}

// Host is the host r was sent to: a trusted proxy's X-Forwarded-Host, else
// the Host header.
func (p Proxies) Host(r *http.Request) string {
	if p.Forwarded(r) {
		if h := lastValue(r, "X-Forwarded-Host"); h != "" && validHost(h) {
			return h
		}
	}
	return r.Host
}

func validHost(h string) bool {
	u, err := url.Parse("http://" + h)
	return err == nil && u.Host == h && u.User == nil && u.Path == ""
}

// BaseURL is scheme://host of r as its client addressed it.
func (p Proxies) BaseURL(r *http.Request) string {
	return p.Scheme(r) + "://" + p.Host(r)
}

// ParsePublicURL checks stagecoach's public URL (--public-url): an absolute
// http or https URL with a host and nothing after the path, returned
// without a trailing slash. Empty is allowed (URLs then come from each
// request).
func ParsePublicURL(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("want an absolute http(s) URL such as https://stagecoach.example.com, got %q", s)
	}
	// The scheme in lower case, so that "HTTPS://…" counts as https.
	return u.Scheme + s[len(u.Scheme):], nil
}
