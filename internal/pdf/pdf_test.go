package pdf

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// checkStructure checks the file's frame: header, trailer, and that every
// xref entry points at its object.
func checkStructure(tb testing.TB, doc []byte) (objects int) {
	tb.Helper()
	if !bytes.HasPrefix(doc, []byte("%PDF-1.4\n")) {
		tb.Fatalf("no %%PDF-1.4 header: %q", doc[:min(20, len(doc))])
	}
	if !bytes.HasSuffix(bytes.TrimRight(doc, "\r\n"), []byte("%%EOF")) {
		tb.Fatalf("no %%%%EOF at the end")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n%%EOF\n?$`).FindSubmatch(doc)
	if m == nil {
		tb.Fatal("no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(doc[xref:], []byte("xref\n0 ")) {
		tb.Fatalf("startxref %d points at %q", xref, doc[xref:min(xref+10, len(doc))])
	}
	rest := doc[xref+len("xref\n"):]
	var first, count int
	if _, err := fmt.Sscanf(string(rest), "%d %d\n", &first, &count); err != nil || first != 0 {
		tb.Fatalf("xref subsection header: %v", err)
	}
	rest = rest[bytes.IndexByte(rest, '\n')+1:]
	for i := range count {
		entry := string(rest[i*20 : (i+1)*20])
		if len(entry) != 20 || entry[18:] != " \n" && entry[18:] != "\r\n" {
			tb.Fatalf("xref entry %d is not 20 bytes: %q", i, entry)
		}
		if i == 0 {
			if entry != "0000000000 65535 f \n" {
				tb.Fatalf("xref entry 0=%q", entry)
			}
			continue
		}
		off, _ := strconv.Atoi(entry[:10])
		if want := fmt.Sprintf("%d 0 obj\n", i); !bytes.HasPrefix(doc[off:], []byte(want)) {
			tb.Fatalf("xref entry %d points at %q, want %q", i, doc[off:min(off+12, len(doc))], want)
		}
	}
	if !bytes.Contains(doc, []byte(fmt.Sprintf("/Size %d", count))) {
		tb.Fatalf("trailer /Size is not %d", count)
	}
	// Each stream's /Length is its byte count.
	for _, sm := range regexp.MustCompile(`(?s)<< /Length (\d+) >>\nstream\n(.*?)\nendstream`).FindAllSubmatch(doc, -1) {
		if n, _ := strconv.Atoi(string(sm[1])); n != len(sm[2]) {
			tb.Fatalf("stream /Length %d, but %d bytes", n, len(sm[2]))
		}
	}
	return count - 1
}

// pdftotext returns the text of doc per poppler's pdftotext, or skips the
// test when it is not installed (apt-get install poppler-utils).
func pdftotext(tb testing.TB, doc []byte) string {
	tb.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		tb.Skip("pdftotext is not installed; the text round trip is not checked")
	}
	path := filepath.Join(tb.TempDir(), "r.pdf")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		tb.Fatalf("pdftotext: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("Syntax Error")) || bytes.Contains(out, []byte("Syntax Warning")) {
		tb.Fatalf("pdftotext complains:\n%s", out)
	}
	return string(out)
}

func TestReport(t *testing.T) {
	t.Parallel()
	lines := []string{
		"Candidate: Zoë O'Brien (née Smith)",
		"Package: Go Coding",
		`Score: 82 / 100 — pass \ done`,
		"",
		"Correctness: 9/10",
		"Emoji 🙂 and ÿ€",
	}
	doc := Report("Assessment report (demo)", lines)
	if n := checkStructure(t, doc); n != 7 {
		t.Fatalf("objects=%d, want 7 (one page)", n)
	}
	if !bytes.Equal(doc, Report("Assessment report (demo)", lines)) {
		t.Fatal("Report is not deterministic")
	}

	t.Run("text round trip", func(t *testing.T) {
		t.Parallel()
		got := pdftotext(t, doc)
		for _, want := range []string{
			"Assessment report (demo)",
			"Candidate: Zoë O'Brien (née Smith)",
			`Score: 82 / 100 — pass \ done`,
			"Correctness: 9/10",
			"Emoji ? and ÿ€",
			"Page 1 of 1",
		} {
			if !strings.Contains(got, want) {
				t.Errorf("the text lacks %q:\n%s", want, got)
			}
		}
	})
}

func TestReportPages(t *testing.T) {
	t.Parallel()
	var lines []string
	for i := range 100 {
		lines = append(lines, fmt.Sprintf("Line %03d", i))
	}
	// A long line wraps at a space.
	lines = append(lines, strings.Repeat("word ", 30)+"END")
	doc := Report("Long", lines)
	objects := checkStructure(t, doc)
	if got, want := (objects-5)/2, 3; got != want {
		t.Fatalf("pages=%d, want %d", got, want)
	}
	if !bytes.Contains(doc, []byte("/Count 3")) {
		t.Fatal("the page tree does not count 3 pages")
	}

	t.Run("text round trip", func(t *testing.T) {
		t.Parallel()
		got := pdftotext(t, doc)
		last := -1
		for i := range 100 {
			at := strings.Index(got, fmt.Sprintf("Line %03d", i))
			if at < last {
				t.Fatalf("Line %03d missing or out of order", i)
			}
			last = at
		}
		for _, want := range []string{"Page 1 of 3", "Page 3 of 3", "END"} {
			if !strings.Contains(got, want) {
				t.Errorf("the text lacks %q", want)
			}
		}
		for l := range strings.SplitSeq(got, "\n") {
			if len(l) > 100 {
				t.Errorf("a line was not wrapped: %q", l)
			}
		}
	})
}

func TestReportEmpty(t *testing.T) {
	t.Parallel()
	doc := Report("", nil)
	if n := checkStructure(t, doc); n != 7 {
		t.Fatalf("objects=%d, want 7", n)
	}
}

func TestWrap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		n    int
		want []string
	}{
		{"", 10, []string{""}},
		{"short", 10, []string{"short"}},
		{"aaaa bbbb cccc", 10, []string{"aaaa bbbb", "cccc"}},
		{"aaaaaaaaaaaaaaa", 10, []string{"aaaaaaaaaa", "aaaaa"}},
		{"ééééé ééééé", 6, []string{"ééééé", "ééééé"}},
	} {
		if got := wrap(tc.in, tc.n); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("wrap(%q, %d)=%q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}
