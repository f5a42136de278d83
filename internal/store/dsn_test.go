package store

import (
	"strings"
	"testing"
)

func TestParseDSN(t *testing.T) {
	for _, c := range []struct {
		dsn, dialect, path, describe string
	}{
		{"data/stagecoach.db", "sqlite", "data/stagecoach.db", "SQLite at data/stagecoach.db"},
		{"./data/stagecoach.db", "sqlite", "./data/stagecoach.db", "SQLite at ./data/stagecoach.db"},
		{"/var/lib/sc.db", "sqlite", "/var/lib/sc.db", "SQLite at /var/lib/sc.db"},
		{":memory:", "sqlite", ":memory:", "SQLite at :memory:"},
		{"sqlite:data/sc.db", "sqlite", "data/sc.db", "SQLite at data/sc.db"},
		{"sqlite://data/sc.db", "sqlite", "data/sc.db", "SQLite at data/sc.db"},
		{"sqlite:///var/lib/sc.db", "sqlite", "/var/lib/sc.db", "SQLite at /var/lib/sc.db"},
		{"postgres://sc:s3cret@db.example:5432/stagecoach?sslmode=require", "postgres", "postgres://sc:s3cret@db.example:5432/stagecoach?sslmode=require", "PostgreSQL at db.example:5432/stagecoach"},
		{"postgresql://db.example/sc", "postgres", "postgresql://db.example/sc", "PostgreSQL at db.example/sc"},
	} {
		d, path, err := ParseDSN(c.dsn)
		if err != nil || string(d) != c.dialect || path != c.path {
			t.Errorf("ParseDSN(%q) = %s, %q, %v; want %s, %q", c.dsn, d, path, err, c.dialect, c.path)
		}
		if got := DescribeDSN(c.dsn); got != c.describe {
			t.Errorf("DescribeDSN(%q) = %q, want %q", c.dsn, got, c.describe)
		}
	}
	for _, c := range []struct{ dsn, want string }{
		{"mysql://root:hunter2@db/sc", `unsupported database scheme "mysql:"`},
		{"file:data/sc.db", `unsupported database scheme "file:"`},
		{"postgres:db.example", "must be a URL"},
		{"sqlite:", "names no file"},
		{"", "no database given"},
	} {
		_, _, err := ParseDSN(c.dsn)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("ParseDSN(%q) = %v, want an error saying %q (and no password)", c.dsn, err, c.want)
		}
	}
}
