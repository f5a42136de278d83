package e2e

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
	"stagecoach/provider"
)

func engineProviderInput(id string) admin.ProviderInput {
	return admin.ProviderInput{ID: id, Name: id, Kind: domain.KindSourcing}
}

func isProblem(err error, p **provider.Problem) bool { return errors.As(err, p) }

func problemNamesField(p *provider.Problem, field string) bool {
	for _, f := range p.Errors {
		if f.Field == field {
			return true
		}
	}
	return false
}

// personalTables are the tables that could hold a candidate's data.
var personalTables = []string{"exports", "lever_events", "decisions", "effects", "idempotency_keys", "jobs", "orders", "order_events"}

// databaseText returns every value of every row of those tables, as text, read
// straight from the database.
func databaseText(t *testing.T, env *demo.Env) string {
	t.Helper()
	return tablesText(t, env.App.DB, personalTables)
}

// tablesText returns every value of every row of the tables, as text.
func tablesText(t *testing.T, db *store.DB, tables []string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.SQL().Query(`SELECT * FROM ` + table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case []byte:
					b.Write(v)
				case sql.RawBytes:
					b.Write(v)
				default:
					fmt.Fprint(&b, v)
				}
				b.WriteByte('\n')
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

// assertNoPersonalData fails if any of the candidate's data is in the
// database.
func assertNoPersonalData(t *testing.T, env *demo.Env, p sourcedPerson) {
	t.Helper()
	text := databaseText(t, env)
	for what, v := range map[string]string{"name": p.name, "e-mail": p.email, "phone": p.phone, "profile link": p.profile, "link": p.link, "CV content": p.cvMarker} {
		if strings.Contains(text, v) {
			t.Errorf("the database holds the candidate's %s (%q)", what, v)
		}
	}
}

// startSourcingDemo runs the demo installation on free ports with short
// delays (startDemo's), its sample marketplace idle unless an option sets
// its delay.
func startSourcingDemo(t *testing.T, opts ...func(*demo.Config)) *demo.Env {
	t.Helper()
	return startDemoWith(t, time.Hour, func(cfg *demo.Config) {
		cfg.SourcingAddr = "127.0.0.1:0"
		for _, o := range opts {
			o(cfg)
		}
	})
}

// shortLeverTimeout gives stagecoach's Lever calls a 2 s deadline, so that
// a write the sandbox holds up turns uncertain quickly.
func shortLeverTimeout(cfg *demo.Config) {
	base := cfg.App
	cfg.App = func(c *app.Config) {
		base(c)
		c.Engine.LeverTimeout = 2 * time.Second
	}
}
