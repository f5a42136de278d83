// Package fetch is stagecoach's one client for URLs that providers give it
// (a sourcing export's cv.url, an assessment's report.url): it fetches them
// for the Lever writes that follow, and refuses to be turned against the
// network stagecoach runs in.
//
// Every connection it makes, to the URL and to each redirect, is checked
// after DNS resolution, in the dialer (not by looking at the URL): unless
// the deployment allows private fetches, an address that is loopback,
// private, link-local, shared (carrier-grade NAT), multicast, unspecified
// or otherwise reserved is refused before anything is sent to it. Only http
// and https are fetched, with a deadline and a size cap, and no proxy from
// the environment is used (it would make every dial look like the proxy's).
//
// A refusal is the same for every refused address, whether anything listens
// there or not, so the outcome tells a provider nothing about the private
// network.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Config configures a Client.
type Config struct {
	// AllowPrivate lets the client fetch from every address, private ones
	// included: for a deployment whose providers really live on a private
	// network (serve --allow-private-fetch), and for the demo's providers on
	// loopback. Default false: public addresses only.
	AllowPrivate bool
	// Allow lists networks fetched from even though they are not public
	// (say one provider's subnet), without opening the rest. Default none.
	Allow []netip.Prefix
	// Timeout bounds one fetch: connecting, every redirect and reading the
	// body. Default 30s.
	Timeout time.Duration
	// MaxRedirects is how many redirects one fetch follows. Default 5.
	MaxRedirects int
}

// Client fetches provider URLs. It is safe for concurrent use.
type Client struct {
	cfg Config
	hc  *http.Client
}

// New returns a Client.
func New(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = 5
	}
	c := &Client{cfg: cfg}
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: c.control}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          10,
		IdleConnTimeout:       30 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 20 * time.Second,
	}
	c.hc = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	return c
}

// AllowsPrivate reports whether the client fetches from private addresses.
func (c *Client) AllowsPrivate() bool { return c.cfg.AllowPrivate }

// Errors a fetch returns besides *RefusedError and *StatusError.
var (
	// ErrTooLarge: the body is larger than the cap the caller gave.
	ErrTooLarge = errors.New("the file is larger than allowed")
	// ErrScheme: a URL or a redirect is not http or https.
	ErrScheme = errors.New("only http and https URLs are fetched")
	// ErrBadURL: the URL does not parse, or has no host.
	ErrBadURL = errors.New("must be an http(s) URL with a host")
	// ErrRedirects: the URL redirected more often than MaxRedirects.
	ErrRedirects = errors.New("too many redirects")
)

// RefusedError is a fetch refused because of the address it would reach.
type RefusedError struct {
	// Addr is the refused address; Class says what kind it is
	// ("loopback", "private", …, see Classify).
	Addr  netip.Addr
	Class string
	// Host is the URL's host when the address was not given literally.
	Host string
	// Redirected is set when a redirect led there.
	Redirected bool
}

func (e *RefusedError) Error() string {
	// A host name is named without the address it resolved to: the
	// answer would otherwise map a private network's names for a provider.
	what := e.Addr.String()
	if e.Host != "" && e.Host != what {
		what = e.Host
	}
	how := what + " is " + article(e.Class) + " address"
	if e.Redirected {
		how = "it redirects to " + what + ", " + article(e.Class) + " address"
	}
	return how + "; stagecoach fetches only public addresses (see --allow-private-fetch)"
}

func article(class string) string {
	if strings.IndexByte("aeiou", class[0]) >= 0 {
		return "an " + class
	}
	return "a " + class
}

// StatusError is an answer other than 200 OK.
type StatusError struct {
	Code   int
	Status string
}

func (e *StatusError) Error() string { return "the URL answered " + e.Status }

// Permanent reports whether err will not go away by fetching again: a
// refused address, a wrong scheme, too many redirects, a body too large.
func Permanent(err error) bool {
	var re *RefusedError
	return errors.As(err, &re) || errors.Is(err, ErrScheme) || errors.Is(err, ErrBadURL) || errors.Is(err, ErrRedirects) || errors.Is(err, ErrTooLarge)
}

// CheckURL checks a URL before it is stored, so a provider hears at once of
// what would be refused later: http or https, a host, and not an address
// (or localhost) that the client refuses. A host name is resolved only when
// fetched: the dialer checks what it resolves to then.
func (c *Client) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return ErrBadURL
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return ErrScheme
	}
	if u.Host == "" {
		return ErrBadURL
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		if c.cfg.AllowPrivate {
			return nil
		}
		return &RefusedError{Addr: netip.IPv6Loopback(), Class: "loopback", Host: u.Hostname()}
	}
	a, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil // a name: checked when dialled
	}
	if class := c.refuses(a); class != "" {
		return &RefusedError{Addr: a.WithZone(""), Class: class}
	}
	return nil
}

// Get fetches raw and returns its body, at most max bytes (ErrTooLarge
// past that).
func (c *Client) Get(ctx context.Context, raw string, max int64) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, ErrBadURL
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, ErrScheme
	}
	if u.Host == "" {
		return nil, ErrBadURL
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.unwrap(err, u)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &StatusError{Code: resp.StatusCode, Status: resp.Status}
	}
	if resp.ContentLength > max {
		return nil, ErrTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, c.unwrap(err, u)
	}
	if int64(len(b)) > max {
		return nil, ErrTooLarge
	}
	return b, nil
}

// unwrap takes the URL out of an error (it may name a candidate), keeping
// what went wrong, and says when a redirect led to a refused address.
func (c *Client) unwrap(err error, orig *url.URL) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
		var re *RefusedError
		if errors.As(err, &re) {
			if to, perr := url.Parse(ue.URL); perr == nil {
				re.Redirected = to.String() != orig.String()
				if _, ipErr := netip.ParseAddr(to.Hostname()); ipErr != nil {
					re.Host = to.Hostname() // a name: named without what it resolved to
				}
			}
			return re
		}
	}
	var re *RefusedError
	if errors.As(err, &re) {
		return re
	}
	return err
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.cfg.MaxRedirects {
		return ErrRedirects
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return ErrScheme
	}
	return nil
}

// control runs before every connection, on the address DNS gave: the only
// place a check cannot be raced by a name that resolves differently later.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("refused to dial %q: not an IP address", address)
	}
	if class := c.refuses(ap.Addr()); class != "" {
		return &RefusedError{Addr: ap.Addr().Unmap().WithZone(""), Class: class}
	}
	return nil
}

// refuses returns the class of an address the client does not fetch from,
// or "" when it does.
func (c *Client) refuses(a netip.Addr) string {
	if c.cfg.AllowPrivate {
		return ""
	}
	a = a.Unmap()
	for _, p := range c.cfg.Allow {
		if p.Contains(a.WithZone("")) {
			return ""
		}
	}
	return Classify(a)
}

// Classify returns what kind of non-public address a is ("loopback",
// "private", "link-local", "shared (carrier-grade NAT)", "multicast",
// "unspecified", "broadcast", "documentation", "benchmarking", "reserved"),
// or "" for a public one. An IPv4-mapped IPv6 address is classified as its
// IPv4 address, and one embedded by NAT64 or 6to4 likewise.
func Classify(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return "unspecified"
	}
	for _, r := range ranges {
		if r.prefix.Contains(a) {
			if r.embeds != nil {
				if c := Classify(r.embeds(a)); c != "" {
					return c
				}
				continue
			}
			return r.class
		}
	}
	return ""
}

type addrRange struct {
	prefix netip.Prefix
	class  string
	// embeds, when set, returns the IPv4 address carried inside: the
	// range is refused when that one is.
	embeds func(netip.Addr) netip.Addr
}

// ranges are the non-public networks (IANA's IPv4 and IPv6 special-purpose
// registries, RFC 6890 and its updates).
var ranges = []addrRange{
	{prefix: pfx("0.0.0.0/8"), class: "unspecified"},
	{prefix: pfx("10.0.0.0/8"), class: "private"},
	{prefix: pfx("100.64.0.0/10"), class: "shared (carrier-grade NAT)"},
	{prefix: pfx("127.0.0.0/8"), class: "loopback"},
	{prefix: pfx("169.254.0.0/16"), class: "link-local"},
	{prefix: pfx("172.16.0.0/12"), class: "private"},
	{prefix: pfx("192.0.0.0/24"), class: "reserved"},
	{prefix: pfx("192.0.2.0/24"), class: "documentation"},
	{prefix: pfx("192.88.99.0/24"), class: "reserved"},
	{prefix: pfx("192.168.0.0/16"), class: "private"},
	{prefix: pfx("198.18.0.0/15"), class: "benchmarking"},
	{prefix: pfx("198.51.100.0/24"), class: "documentation"},
	{prefix: pfx("203.0.113.0/24"), class: "documentation"},
	{prefix: pfx("224.0.0.0/4"), class: "multicast"},
	{prefix: pfx("255.255.255.255/32"), class: "broadcast"},
	{prefix: pfx("240.0.0.0/4"), class: "reserved"},

	{prefix: pfx("::/128"), class: "unspecified"},
	{prefix: pfx("::1/128"), class: "loopback"},
	{prefix: pfx("::/96"), class: "reserved"}, // IPv4-compatible, deprecated
	{prefix: pfx("64:ff9b::/96"), embeds: func(a netip.Addr) netip.Addr { return v4At(a, 12) }},
	{prefix: pfx("64:ff9b:1::/48"), class: "private"}, // local-use NAT64
	{prefix: pfx("100::/64"), class: "reserved"},      // discard-only
	{prefix: pfx("2001:db8::/32"), class: "documentation"},
	{prefix: pfx("2001::/23"), class: "reserved"}, // IETF protocol assignments, Teredo among them
	{prefix: pfx("2002::/16"), embeds: func(a netip.Addr) netip.Addr { return v4At(a, 2) }},
	{prefix: pfx("3fff::/20"), class: "documentation"},
	{prefix: pfx("5f00::/16"), class: "reserved"}, // SRv6 SIDs
	{prefix: pfx("fc00::/7"), class: "private"},   // unique local
	{prefix: pfx("fe80::/10"), class: "link-local"},
	{prefix: pfx("fec0::/10"), class: "private"}, // site-local, deprecated
	{prefix: pfx("ff00::/8"), class: "multicast"},
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func v4At(a netip.Addr, at int) netip.Addr {
	b := a.As16()
	return netip.AddrFrom4([4]byte{b[at], b[at+1], b[at+2], b[at+3]})
}
