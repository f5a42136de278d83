package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// rows is what a list command prints: a header and one row per thing, as
// aligned columns, or with --json as a JSON array of objects keyed by each
// column's title in camelCase ("WEBHOOK URL" is "webhookUrl").
//
// Cells keep their Go values: JSON shows numbers, booleans, RFC 3339 times
// and json.RawMessage as such, and the columns show times with timeLayout.
type rows struct {
	titles []string
	data   [][]any
	// timeLayout formats time.Time cells in columns; default
	// "2006-01-02 15:04:05".
	timeLayout string
}

func newRows(titles ...string) *rows { return &rows{titles: titles} }

func (r *rows) add(cells ...any) {
	if len(cells) != len(r.titles) {
		panic(fmt.Sprintf("cli: %d cells for %d columns %v", len(cells), len(r.titles), r.titles))
	}
	r.data = append(r.data, cells)
}

// print writes the rows for c: JSON with --json, else aligned columns
// under their titles.
func (r *rows) print(c *call) error {
	if c.json {
		return r.printJSON(c.stdout)
	}
	return r.printTable(c.stdout)
}

func (r *rows) printTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(r.titles, "\t"))
	r.lines(tw, "")
	return tw.Flush()
}

// printBody writes the rows without their titles, each line indented.
func (r *rows) printBody(w io.Writer, indent string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	r.lines(tw, indent)
	_ = tw.Flush()
}

func (r *rows) lines(w io.Writer, indent string) {
	layout := r.timeLayout
	if layout == "" {
		layout = "2006-01-02 15:04:05"
	}
	for _, row := range r.data {
		cells := make([]string, len(row))
		for i, v := range row {
			switch v := v.(type) {
			case time.Time:
				cells[i] = v.Format(layout)
			case json.RawMessage:
				cells[i] = string(v)
			default:
				cells[i] = fmt.Sprint(v)
			}
		}
		fmt.Fprintln(w, indent+strings.Join(cells, "\t"))
	}
}

func (r *rows) printJSON(w io.Writer) error {
	objs := make([]map[string]any, 0, len(r.data))
	for _, row := range r.data {
		obj := make(map[string]any, len(row))
		for i, v := range row {
			obj[jsonKey(r.titles[i])] = v
		}
		objs = append(objs, obj)
	}
	return printJSON(w, objs)
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// jsonKey turns a column title into a camelCase key: "LAST ERROR" is
// "lastError", "E-MAIL" is "email".
func jsonKey(title string) string {
	var b strings.Builder
	for i, word := range strings.Fields(strings.ToLower(title)) {
		word = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, word)
		if i > 0 && word != "" {
			word = strings.ToUpper(word[:1]) + word[1:]
		}
		b.WriteString(word)
	}
	return b.String()
}

// orDash is a cell shown as "-" in columns when empty, and as it is in
// JSON.
type orDash string

func (s orDash) String() string {
	if s == "" {
		return "-"
	}
	return string(s)
}

// firstOf returns the first non-empty value.
func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
