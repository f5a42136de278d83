package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/demo"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/leversandbox"
	"stagecoach/internal/store/storetest"
	"stagecoach/provider"
)

func engineProviderInput(id string) engine.ProviderInput {
	return engine.ProviderInput{ID: id, Name: id, Kind: domain.KindSourcing}
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
	var b strings.Builder
	for _, table := range personalTables {
		rows, err := env.App.DB.SQL().Query(`SELECT * FROM ` + table)
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
// delays, and a short Lever timeout so that a write the sandbox holds up
// turns uncertain quickly.
func startSourcingDemo(t *testing.T, opts ...func(*demo.Config)) *demo.Env {
	t.Helper()
	cfg := demo.Config{Addr: "127.0.0.1:0", SandboxAddr: "127.0.0.1:0", ProviderAddr: "127.0.0.1:0", VideoProviderAddr: "127.0.0.1:0", ServiceProviderAddr: "127.0.0.1:0",
		SourcingAddr: "127.0.0.1:0", ProviderDelay: time.Hour, DataDir: t.TempDir()}
	for _, o := range opts {
		o(&cfg)
	}
	if os.Getenv(storetest.EnvURL) != "" {
		cfg.Database = storetest.DSN(t)
	}
	cfg.Sandbox = func(c *leversandbox.Config) {
		c.WebhookRetryDelays = []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond}
	}
	cfg.App = func(c *app.Config) {
		c.Queue.PollInterval = 20 * time.Millisecond
		c.Queue.BaseBackoff = 50 * time.Millisecond
		c.Queue.MaxBackoff = 500 * time.Millisecond
		c.Engine.ReconcileInterval = -1
		c.Engine.LeverTimeout = 2 * time.Second
	}
	env, err := demo.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	return env
}
