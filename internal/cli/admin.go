package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/engine"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// withEngine opens the database and builds an engine (without running its
// jobs) and the admin use cases over it.
func withEngine(ctx context.Context, cfg app.Config, fn func(e *engine.Engine, adm *admin.Service) error) error {
	db, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	e := engine.New(db, queue.New(db, queue.Config{}), engine.Config{OpenATS: leverats.Opener, Events: leverats.Events})
	return fn(e, admin.New(db, e, nil))
}

// withEngineTo is how every admin command opens the database and its
// engine: it first says, on w, which database it opens (never its
// password). A --database that is neither a PostgreSQL URL, a sqlite: URL
// nor a file path is refused.
func withEngineTo(ctx context.Context, cfg app.Config, w io.Writer, fn func(e *engine.Engine, adm *admin.Service) error) error {
	if _, _, err := store.ParseDSN(cfg.DSN()); err != nil {
		return fmt.Errorf("--database: %w", err)
	}
	fmt.Fprintf(w, "database: %s\n", store.DescribeDSN(cfg.DSN()))
	return withEngine(ctx, cfg, fn)
}

// secretValue reads a secret from a file path ("-" for stdin) or, failing
// that, from an environment variable, so it never needs to be typed on a
// command line that other users can read.
func secretValue(file, env string, stdin io.Reader) (string, error) {
	if file == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 1<<16))
		return strings.TrimSpace(string(b)), err
	}
	if file != "" {
		b, err := os.ReadFile(file)
		return strings.TrimSpace(string(b)), err
	}
	return os.Getenv(env), nil
}
