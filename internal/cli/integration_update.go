package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"stagecoach/internal/app"
	"stagecoach/internal/engine"
)

// integrationUpdate is `stagecoach integration update`: it replaces an
// integration's settings (checked against Lever, as on create) and switches
// it on or off.
func integrationUpdate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("integration update", stderr)
	var cfg app.Config
	storeFlags(fs, &cfg)
	id := fs.String("id", "", "integration id (see `stagecoach integration list`)")
	settings := fs.String("settings", "", `new flow settings as JSON, replacing the old ones, e.g. {"rolePostings":{"backend":"<posting id>"},"stageMap":{"Phone Interview - 1st Round":"Phone interview"},"defaultStage":"New lead","exportPolicy":"all","performAs":"ops@acme.example"}`)
	enable := fs.Bool("enable", false, "switch the integration on")
	disable := fs.Bool("disable", false, "switch the integration off")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("integration update: --id is required")
	}
	if *enable && *disable {
		return errors.New("integration update: give --enable or --disable, not both")
	}
	var raw json.RawMessage
	if *settings != "" {
		raw = json.RawMessage(*settings)
	}
	var enabled *bool
	if *enable || *disable {
		v := *enable
		enabled = &v
	}
	if raw == nil && enabled == nil {
		return errors.New("integration update: nothing to change: give --settings, --enable or --disable")
	}
	return withEngine(ctx, cfg, func(e *engine.Engine) error {
		in, err := e.UpdateIntegrationSettings(ctx, *id, raw, enabled)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "integration %s updated (enabled: %v): %s\n", in.ID, in.Enabled, in.Settings)
		return nil
	})
}
