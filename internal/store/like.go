package store

import "strings"

// likePrefix is a LIKE pattern (with ESCAPE '\') matching the strings
// that start with p. A range on bytes would not do: PostgreSQL compares
// text by its collation, which may skip punctuation such as ':'.
func likePrefix(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(p) + "%"
}
