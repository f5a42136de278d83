// Package pdf writes small text-only PDF documents: the reports the sample
// provider attaches to completed orders, and test fixtures. It knows just
// enough of PDF 1.4 for Helvetica text on Letter pages.
package pdf

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Page layout, in points (1/72 inch).
const (
	pageWidth   = 612 // US Letter
	pageHeight  = 792
	margin      = 72
	titleSize   = 16
	bodySize    = 11
	leading     = 14
	footerSize  = 9
	titleGap    = 30 // from the title's baseline to the first line's
	maxLineRune = 90 // wrap width in characters, about 6.5 inches of 11pt Helvetica
)

// linesPerPage is how many body lines fit between the margins on a page
// without the title.
const linesPerPage = (pageHeight - 2*margin) / leading

// Report returns a PDF with title in bold on the first page and lines below
// it, one per line of text, wrapped at about 90 characters and continued on
// further pages when they do not fit. Each page carries "Page n of m" at the
// bottom. The output depends only on the arguments (no dates), so the same
// report is the same bytes. Characters outside Windows-1252 print as "?".
func Report(title string, lines []string) []byte {
	var wrapped []string
	for _, l := range lines {
		wrapped = append(wrapped, wrap(l, maxLineRune)...)
	}
	// The first page loses room to the title.
	firstPage := linesPerPage - titleGap/leading - 1
	pages := [][]string{wrapped[:min(firstPage, len(wrapped))]}
	for rest := wrapped[len(pages[0]):]; len(rest) > 0; rest = rest[min(linesPerPage, len(rest)):] {
		pages = append(pages, rest[:min(linesPerPage, len(rest))])
	}

	w := &writer{}
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n") // the binary comment marks the file as binary
	// Objects 1–5 are fixed; each page then takes two: the page and its
	// content stream.
	const (
		catalogObj = 1
		pagesObj   = 2
		fontObj    = 3
		boldObj    = 4
		infoObj    = 5
		firstPage0 = 6
	)
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", firstPage0+2*i)
	}
	w.object(catalogObj, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	w.object(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)))
	w.object(fontObj, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	w.object(boldObj, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
	w.object(infoObj, fmt.Sprintf("<< /Title %s /Producer (stagecoach) >>", text(title)))
	for i, pl := range pages {
		pageObj, contentObj := firstPage0+2*i, firstPage0+2*i+1
		w.object(pageObj, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] "+
			"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> /Contents %d 0 R >>",
			pagesObj, pageWidth, pageHeight, fontObj, boldObj, contentObj))
		content := pageContent(title, pl, i, len(pages))
		w.object(contentObj, fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
	}

	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n", len(w.offsets)+1)
	w.buf.WriteString("0000000000 65535 f \n")
	for _, off := range w.offsets {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n",
		len(w.offsets)+1, catalogObj, infoObj, xref)
	return w.buf.Bytes()
}

// pageContent is the content stream of page i (from 0) of n.
func pageContent(title string, lines []string, i, n int) string {
	var b strings.Builder
	y := pageHeight - margin
	if i == 0 {
		fmt.Fprintf(&b, "BT /F2 %d Tf %d %d Td %s Tj ET\n", titleSize, margin, y, text(title))
		y -= titleGap
	}
	if len(lines) > 0 {
		fmt.Fprintf(&b, "BT /F1 %d Tf %d TL %d %d Td\n", bodySize, leading, margin, y)
		for j, l := range lines {
			if j > 0 {
				b.WriteString("T*\n")
			}
			if l != "" {
				fmt.Fprintf(&b, "%s Tj\n", text(l))
			}
		}
		b.WriteString("ET\n")
	}
	fmt.Fprintf(&b, "BT /F1 %d Tf %d %d Td %s Tj ET", footerSize, margin, margin/2, text(fmt.Sprintf("Page %d of %d", i+1, n)))
	return b.String()
}

// writer accumulates the file and the offset of each object.
type writer struct {
	buf     bytes.Buffer
	offsets []int // offsets[k] is object k+1's
}

// object writes object n, which must be the next number.
func (w *writer) object(n int, body string) {
	if n != len(w.offsets)+1 {
		panic(fmt.Sprintf("pdf: object %d written out of order", n))
	}
	w.offsets = append(w.offsets, w.buf.Len())
	fmt.Fprintf(&w.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

// text returns s as a PDF literal string in WinAnsiEncoding, with the
// delimiters and backslash escaped and every byte outside printable ASCII
// written in octal, so the file's text parts stay ASCII.
func text(s string) string {
	var b strings.Builder
	b.WriteByte('(')
	for _, r := range s {
		c := winAnsi(r)
		switch {
		case c == '(' || c == ')' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03o", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
	return b.String()
}

// winAnsiHigh maps the characters Windows-1252 puts in 0x80–0x9f.
var winAnsiHigh = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8a, '‹': 0x8b, 'Œ': 0x8c, 'Ž': 0x8e,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9a, '›': 0x9b, 'œ': 0x9c, 'ž': 0x9e, 'Ÿ': 0x9f,
}

// winAnsi returns r's byte in Windows-1252, "?" if it has none, and a space
// for a tab or line break.
func winAnsi(r rune) byte {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return ' '
	case r < 0x20 || r == 0x7f || r == utf8.RuneError:
		return '?'
	case r < 0x80 || (r >= 0xa0 && r <= 0xff):
		return byte(r)
	}
	if c, ok := winAnsiHigh[r]; ok {
		return c
	}
	return '?'
}

// wrap splits s into lines of at most n characters, at spaces where it can.
func wrap(s string, n int) []string {
	s = strings.TrimRight(s, " ")
	var out []string
	for utf8.RuneCountInString(s) > n {
		rs := []rune(s)
		cut := n
		for i := n; i > n/2; i-- {
			if rs[i] == ' ' {
				cut = i
				break
			}
		}
		out = append(out, strings.TrimRight(string(rs[:cut]), " "))
		s = strings.TrimLeft(string(rs[cut:]), " ")
	}
	return append(out, s)
}
