package fetch_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagecoach/internal/fetch"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr, want string
	}{
		{"127.0.0.1", "loopback"},
		{"127.255.255.254", "loopback"},
		{"::1", "loopback"},
		{"::ffff:127.0.0.1", "loopback"},
		{"10.0.0.1", "private"},
		{"172.16.0.1", "private"},
		{"172.31.255.255", "private"},
		{"192.168.1.1", "private"},
		{"::ffff:192.168.1.1", "private"},
		{"fc00::1", "private"},
		{"fd12:3456::1", "private"},
		{"fec0::1", "private"},
		{"169.254.169.254", "link-local"},
		{"::ffff:169.254.169.254", "link-local"},
		{"fe80::1", "link-local"},
		{"fe80::1%eth0", "link-local"},
		{"100.64.0.1", "shared (carrier-grade NAT)"},
		{"100.127.255.255", "shared (carrier-grade NAT)"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.250", "multicast"},
		{"ff02::1", "multicast"},
		{"0.0.0.0", "unspecified"},
		{"0.1.2.3", "unspecified"},
		{"::", "unspecified"},
		{"255.255.255.255", "broadcast"},
		{"240.0.0.1", "reserved"},
		{"192.0.0.8", "reserved"},
		{"192.0.2.1", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.9", "documentation"},
		{"2001:db8::1", "documentation"},
		{"198.18.0.1", "benchmarking"},
		{"::127.0.0.1", "reserved"},
		{"2001::1", "reserved"},              // Teredo
		{"64:ff9b::7f00:1", "loopback"},      // NAT64 of 127.0.0.1
		{"64:ff9b::a9fe:a9fe", "link-local"}, // NAT64 of 169.254.169.254
		{"2002:7f00:1::1", "loopback"},       // 6to4 of 127.0.0.1
		{"2002:0a00:0001::1", "private"},     // 6to4 of 10.0.0.1
		// Public.
		{"8.8.8.8", ""},
		{"1.1.1.1", ""},
		{"100.63.255.255", ""},
		{"100.128.0.0", ""},
		{"172.15.255.255", ""},
		{"172.32.0.0", ""},
		{"169.253.255.255", ""},
		{"::ffff:8.8.8.8", ""},
		{"2606:4700:4700::1111", ""},
		{"2a00:1450:4001:81b::200e", ""},
		{"64:ff9b::808:808", ""},  // NAT64 of 8.8.8.8
		{"2002:0808:0808::1", ""}, // 6to4 of 8.8.8.8
	} {
		if got := fetch.Classify(netip.MustParseAddr(tc.addr)); got != tc.want {
			t.Errorf("Classify(%s) = %q, want %q", tc.addr, got, tc.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	t.Parallel()
	strict := fetch.New(fetch.Config{})
	open := fetch.New(fetch.Config{AllowPrivate: true})
	for _, tc := range []struct {
		url, want string // want "" for accepted
	}{
		{"https://tool.example/cv.pdf", ""},
		{"http://8.8.8.8/r.pdf", ""},
		{"https://[2606:4700:4700::1111]/r.pdf", ""},
		{"http://127.0.0.1:8080/r.pdf", "127.0.0.1 is a loopback address; stagecoach fetches only public addresses (see --allow-private-fetch)"},
		{"http://[::1]/r.pdf", "::1 is a loopback address"},
		{"http://[::ffff:127.0.0.1]/r.pdf", "127.0.0.1 is a loopback address"},
		{"http://localhost:9000/r.pdf", "localhost is a loopback address"},
		{"http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"},
		{"http://10.1.2.3/", "10.1.2.3 is a private address"},
		{"http://100.64.1.1/", "100.64.1.1 is a shared (carrier-grade NAT) address"},
		{"http://0.0.0.0:22/", "0.0.0.0 is an unspecified address"},
		{"http://[fe80::1%25eth0]/", "fe80::1 is a link-local address"},
		{"file:///etc/passwd", "only http and https"},
		{"gopher://tool.example/", "only http and https"},
	} {
		err := strict.CheckURL(tc.url)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("CheckURL(%s) = %v, want accepted", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("CheckURL(%s) = %v, want %q", tc.url, err, tc.want)
		}
		if tc.want != "" && !strings.Contains(tc.want, "http and https") {
			if err := open.CheckURL(tc.url); err != nil {
				t.Errorf("with private fetches allowed, CheckURL(%s) = %v", tc.url, err)
			}
		}
	}
}

// countingServer answers every request with body and counts them.
func countingServer(t *testing.T, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// A loopback URL is refused by the dialer, after DNS for a name, and the
// server never hears of it.
func TestGetRefusesLoopbackAtTheDialer(t *testing.T) {
	t.Parallel()
	srv, hits := countingServer(t, "internal secret")
	c := fetch.New(fetch.Config{Timeout: 5 * time.Second})
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	// Other spellings of loopback, whatever the resolver makes of them,
	// never reach it either.
	for _, u := range []string{"http://2130706433:" + port + "/", "http://0x7f.1:" + port + "/", "http://127.1:" + port + "/", "http://[::ffff:7f00:1]:" + port + "/"} {
		if b, err := c.Get(context.Background(), u, 1<<20); err == nil {
			t.Errorf("Get(%s) = %q, want an error", u, b)
		}
	}
	for _, u := range []string{srv.URL + "/x", "http://localhost:" + port + "/x"} {
		b, err := c.Get(context.Background(), u, 1<<20)
		var re *fetch.RefusedError
		if !errors.As(err, &re) || re.Class != "loopback" {
			t.Fatalf("Get(%s) = %q, %v; want refused as loopback", u, b, err)
		}
		if !fetch.Permanent(err) {
			t.Errorf("refusal of %s is not permanent", u)
		}
		if strings.Contains(err.Error(), port) {
			t.Errorf("error %q names the port", err)
		}
		// A host name is named, and the address it resolved to is not:
		// that would map a private network's names for a provider.
		if strings.Contains(u, "localhost") && (!strings.HasPrefix(err.Error(), "localhost is a loopback address") || strings.Contains(err.Error(), "127.0.0.1") || strings.Contains(err.Error(), "::1")) {
			t.Errorf("error %q does not name localhost's class alone", err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback server got %d requests", hits.Load())
	}

	// With private fetches allowed, the same URL is fetched.
	b, err := fetch.New(fetch.Config{AllowPrivate: true}).Get(context.Background(), srv.URL+"/x", 1<<20)
	if err != nil || string(b) != "internal secret" {
		t.Fatalf("with private fetches allowed: %q, %v", b, err)
	}
}

// Whether something listens at a refused address or not, the error is the
// same: a refused fetch is no port scanner.
func TestGetRefusalIsNoOracle(t *testing.T) {
	t.Parallel()
	srv, _ := countingServer(t, "open")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	c := fetch.New(fetch.Config{})
	_, errOpen := c.Get(context.Background(), srv.URL, 100)
	_, errClosed := c.Get(context.Background(), "http://"+closed, 100)
	if errOpen == nil || errClosed == nil || errOpen.Error() != errClosed.Error() {
		t.Fatalf("open port: %v; closed port: %v; want the same refusal", errOpen, errClosed)
	}
}

// A redirect from an allowed server to a refused address is refused when
// dialled, saying it was a redirect.
func TestGetRefusesARedirectToLoopback(t *testing.T) {
	t.Parallel()
	target, hits := countingServer(t, "internal secret")
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("no second loopback address here: %v", err)
	}
	redirector := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/secret", http.StatusFound)
	}))
	redirector.Listener.Close()
	redirector.Listener = ln
	redirector.Start()
	t.Cleanup(redirector.Close)

	// 127.0.0.2 stands for a public server here.
	c := fetch.New(fetch.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	_, err = c.Get(context.Background(), redirector.URL+"/cv.pdf", 1<<20)
	var re *fetch.RefusedError
	if !errors.As(err, &re) || !re.Redirected {
		t.Fatalf("err = %v, want a refused redirect", err)
	}
	if want := "it redirects to 127.0.0.1, a loopback address; stagecoach fetches only public addresses (see --allow-private-fetch)"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if hits.Load() != 0 {
		t.Fatalf("the loopback server got %d requests", hits.Load())
	}
}

func TestGetLimits(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/big":
			_, _ = w.Write([]byte(big))
		case "/file":
			w.Header().Set("Location", "file:///etc/passwd")
			w.WriteHeader(http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/gone":
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c := fetch.New(fetch.Config{AllowPrivate: true})
	ctx := context.Background()
	if _, err := c.Get(ctx, srv.URL+"/big", 1000); !errors.Is(err, fetch.ErrTooLarge) {
		t.Errorf("big: %v, want ErrTooLarge", err)
	}
	if b, err := c.Get(ctx, srv.URL+"/big", 2000); err != nil || len(b) != 2000 {
		t.Errorf("big under the cap: %d bytes, %v", len(b), err)
	}
	if _, err := c.Get(ctx, srv.URL+"/file", 1000); !errors.Is(err, fetch.ErrScheme) {
		t.Errorf("redirect to file: %v, want ErrScheme", err)
	}
	if _, err := c.Get(ctx, srv.URL+"/loop", 1000); !errors.Is(err, fetch.ErrRedirects) {
		t.Errorf("redirect loop: %v, want ErrRedirects", err)
	}
	var se *fetch.StatusError
	if _, err := c.Get(ctx, srv.URL+"/gone", 1000); !errors.As(err, &se) || se.Code != 404 || fetch.Permanent(err) {
		t.Errorf("404: %v, want a StatusError that may be retried", err)
	}
}
