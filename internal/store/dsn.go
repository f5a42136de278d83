package store

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*):`)

// ParseDSN reads a database name: a postgres:// or postgresql:// URL, a
// sqlite: URL (sqlite:path, sqlite://path or sqlite:///absolute/path), or a
// SQLite file path without a scheme. For SQLite it returns the file path;
// for PostgreSQL the URL as given. Any other scheme is refused by name
// (the rest of the string, which may hold a password, is not repeated).
func ParseDSN(dsn string) (Dialect, string, error) {
	if strings.TrimSpace(dsn) == "" {
		return "", "", fmt.Errorf("no database given: want a postgres:// or postgresql:// URL, a sqlite: URL or a file path")
	}
	m := schemeRE.FindStringSubmatch(dsn)
	if m == nil {
		return SQLite, dsn, nil
	}
	switch strings.ToLower(m[1]) {
	case "postgres", "postgresql":
		if !strings.HasPrefix(dsn[len(m[0]):], "//") {
			return "", "", fmt.Errorf("a %s: database must be a URL, %s://user@host/database", m[1], m[1])
		}
		return Postgres, dsn, nil
	case "sqlite":
		path := strings.TrimPrefix(dsn[len(m[0]):], "//")
		if path == "" {
			return "", "", fmt.Errorf("the sqlite: database names no file, e.g. sqlite:./data/stagecoach.db")
		}
		return SQLite, path, nil
	}
	return "", "", fmt.Errorf("unsupported database scheme %q: want a postgres:// or postgresql:// URL, a sqlite: URL or a file path without a scheme", m[1]+":")
}

// DescribeDSN names a database for people, without its password:
// "SQLite at data/stagecoach.db" or "PostgreSQL at db.example:5432/stagecoach".
func DescribeDSN(dsn string) string {
	d, path, err := ParseDSN(dsn)
	if err != nil {
		return "an unsupported database"
	}
	if d == SQLite {
		return "SQLite at " + path
	}
	u, err := url.Parse(path)
	if err != nil {
		return "PostgreSQL (an unreadable URL)"
	}
	return "PostgreSQL at " + u.Host + u.Path
}
