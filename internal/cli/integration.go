package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

func integrationCreateFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	conn := fs.String("connection", "", "connection id")
	prov := fs.String("provider", "", "provider id")
	settings := fs.String("settings", "{}", `flow settings as JSON, e.g. {"triggerStage":"Assessment","completionStage":"Assessment Complete"}`)
	force := fs.Bool("force", false, "save the integration as a disabled draft when the setup check finds something wrong")
	return func(ctx context.Context, c *call) error {
		// A draft first: it is on only once the setup check passes, as
		// Activate does in the web UI.
		in, err := c.admin.CreateIntegrationDraft(ctx, *conn, *prov, json.RawMessage(*settings))
		if err != nil {
			return err
		}
		found, err := c.admin.CheckIntegration(ctx, in.ID, nil)
		if err != nil {
			return err
		}
		printFindings(c.stdout, found)
		if !found.OK() {
			if *force {
				c.note("integration.create", "integration:"+in.ID, "provider "+in.ProviderID+" on connection "+in.ConnectionID+", a draft")
				fmt.Fprintf(c.stdout, "integration %s saved as a disabled draft (%s on %s): fix what the setup check says, then `stagecoach integration activate --id %s`\n", in.ID, in.ProviderID, in.ConnectionID, in.ID)
				return nil
			}
			if err := c.admin.DeleteIntegration(ctx, in.ID); err != nil {
				return err
			}
			return setupCheckError("integration create", found)
		}
		if _, err := activate(ctx, in.ID, false, false, c); err != nil {
			return err
		}
		c.note("integration.create", "integration:"+in.ID, "provider "+in.ProviderID+" on connection "+in.ConnectionID+", active")
		fmt.Fprintf(c.stdout, "integration %s created and active: %s on %s\n", in.ID, in.ProviderID, in.ConnectionID)
		return nil
	}
}

func integrationUpdateFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "integration id (see `integration list`)")
	settings := fs.String("settings", "", `flow settings as a JSON object, merged into the current ones (a null value removes a setting), e.g. {"taggedPostings":["<Lever posting id>"]}`)
	replace := fs.Bool("replace", false, "replace every setting with --settings instead of merging")
	force := fs.Bool("force", false, "save settings the setup check refuses, and disable the integration until they are fixed")
	return func(ctx context.Context, c *call) error {
		e := c.engine
		next := json.RawMessage(*settings)
		if !*replace {
			cur, err := c.admin.Integration(ctx, *id)
			if err != nil {
				return err
			}
			if next, err = mergeSettings(cur.Settings, next); err != nil {
				return err
			}
		}
		if _, err := engine.ParseSettings(next); err != nil {
			return err
		}
		found, err := c.admin.CheckIntegration(ctx, *id, next)
		if err != nil {
			return err
		}
		if !found.OK() {
			printFindings(c.stdout, found)
			if !*force {
				return setupCheckError("integration update", found)
			}
			in, err := c.admin.SaveIntegration(ctx, *id, next, false)
			if err != nil {
				return err
			}
			c.note("integration.save", "integration:"+in.ID, "settings saved, integration disabled")
			fmt.Fprintf(c.stdout, "integration %s saved as a disabled draft: %s\n", in.ID, in.Settings)
			return nil
		}
		moved, err := e.TriggerStageChanges(ctx, *id, next)
		if err != nil {
			return err
		}
		in, err := c.admin.UpdateIntegration(ctx, *id, next)
		if err != nil {
			return err
		}
		c.note("integration.save", "integration:"+in.ID, "settings saved")
		fmt.Fprintf(c.stdout, "integration %s updated: %s\n", in.ID, in.Settings)
		if moved && in.Enabled {
			// As on activation: who already sits in the new trigger stage
			// is left alone unless the operator says otherwise.
			stage, occ, err := e.StageOccupants(ctx, in.ID, nil)
			if err != nil {
				return err
			}
			if len(occ) > 0 {
				fmt.Fprintf(c.stdout, "%d candidate(s) already in the new trigger stage %s:\n", len(occ), stage)
				for _, o := range occ {
					fmt.Fprintf(c.stdout, "  %s  %s\n", o.OpportunityID, o.Name)
				}
				fmt.Fprintf(c.stdout, "They are left alone (`stagecoach integration activate --id %s --include-existing` orders them too).\n", in.ID)
			}
		}
		return nil
	}
}

func integrationActivateFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "integration id (see `integration list`)")
	include := fs.Bool("include-existing", false, "also order the candidates already in the trigger stage (listed first; asks to confirm)")
	yes := fs.Bool("yes", false, "with --include-existing: order the listed candidates without asking")
	return func(ctx context.Context, c *call) error {
		found, err := c.admin.CheckIntegration(ctx, *id, nil)
		if err != nil {
			return err
		}
		printFindings(c.stdout, found)
		if !found.OK() {
			return setupCheckError("integration activate", found)
		}
		if _, err := activate(ctx, *id, *include, *yes, c); err != nil {
			return err
		}
		c.note("integration.activate", "integration:"+*id, "")
		fmt.Fprintf(c.stdout, "integration %s is active\n", *id)
		return nil
	}
}

func integrationTagPostingsFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "integration id (see `integration list`)")
	return func(ctx context.Context, c *call) error {
		results, err := c.engine.TagPostings(ctx, *id)
		if err == nil {
			c.note("integration.tag_postings", "integration:"+*id, fmt.Sprintf("%d postings", len(results)))
		}
		if err != nil {
			return err
		}
		failed := 0
		for _, r := range results {
			switch {
			case r.Err != nil:
				failed++
				fmt.Fprintf(c.stdout, "posting %s: not tagged: %v\n", r.PostingID, r.Err)
			case len(r.Added) > 0:
				fmt.Fprintf(c.stdout, "posting %s: added %s\n", r.PostingID, strings.Join(r.Added, ", "))
			default:
				fmt.Fprintf(c.stdout, "posting %s: has every package tag already\n", r.PostingID)
			}
		}
		if failed > 0 {
			return fmt.Errorf("integration tag-postings: %d of %d postings could not be tagged", failed, len(results))
		}
		return nil
	}
}

func integrationListFlags(*flag.FlagSet, *app.Config) runFunc {
	return func(ctx context.Context, c *call) error {
		ins, err := c.admin.Integrations(ctx, store.IntegrationFilter{})
		if err != nil {
			return err
		}
		t := newRows("ID", "CONNECTION", "PROVIDER", "ENABLED", "SETTINGS")
		for _, in := range ins {
			t.add(in.ID, in.ConnectionID, in.ProviderID, in.Enabled, in.Settings)
		}
		return t.print(c)
	}
}

// mergeSettings merges the top-level keys of patch into the settings cur; a
// null in patch removes the key.
func mergeSettings(cur, patch json.RawMessage) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(cur) > 0 {
		if err := json.Unmarshal(cur, &m); err != nil {
			return nil, fmt.Errorf("current settings: %w", err)
		}
	}
	var p map[string]json.RawMessage
	if err := json.Unmarshal(patch, &p); err != nil || p == nil {
		return nil, domain.Errorf(domain.EInvalid, "--settings must be a JSON object, e.g. {\"triggerStage\":\"Assessment\"}")
	}
	for k, v := range p {
		if string(v) == "null" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// printFindings prints a setup check, one finding a line.
func printFindings(w io.Writer, fs admin.Findings) {
	for _, f := range fs {
		field := ""
		if f.Field != "" {
			field = f.Field + ": "
		}
		fmt.Fprintf(w, "%-7s %s%s\n", f.Severity, field, f.Message)
	}
}

// setupCheckError is the refusal of a command whose setup check found
// errors, in the check's words.
func setupCheckError(cmd string, fs admin.Findings) error {
	var msgs []string
	for _, f := range fs {
		if f.Severity != admin.SeverityError {
			continue
		}
		if f.Field != "" {
			msgs = append(msgs, f.Field+": "+f.Message)
		} else {
			msgs = append(msgs, f.Message)
		}
	}
	return fmt.Errorf("%s: the setup check refuses this (--force saves a disabled draft): %s", cmd, strings.Join(msgs, "; "))
}

// activate turns an integration on after showing the candidates already in
// its trigger stage. They are ordered only with include, once confirmed
// (yes, or "y" typed on standard input); otherwise only candidates entering
// the stage from now on are.
func activate(ctx context.Context, id string, include, yes bool, c *call) ([]string, error) {
	stage, occ, err := c.engine.StageOccupants(ctx, id, nil)
	if err != nil {
		return nil, err
	}
	var ids []string
	if len(occ) > 0 {
		fmt.Fprintf(c.stdout, "%d candidate(s) already in the trigger stage %s:\n", len(occ), stage)
		for _, o := range occ {
			fmt.Fprintf(c.stdout, "  %s  %s\n", o.OpportunityID, o.Name)
		}
		if include {
			if !yes {
				fmt.Fprintf(c.stdout, "Order these %d candidates too? [y/N] ", len(occ))
				line, _ := bufio.NewReader(c.stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					return nil, errors.New("not activated: the candidates already in the trigger stage were not confirmed (answer y, or give --yes)")
				}
			}
			for _, o := range occ {
				ids = append(ids, o.OpportunityID)
			}
		} else {
			fmt.Fprintf(c.stdout, "They are left alone: only candidates entering the stage from now on are ordered (`stagecoach integration activate --id %s --include-existing` orders them too).\n", id)
		}
	}
	_, routed, err := c.admin.ActivateIntegration(ctx, id, nil, ids)
	if err != nil {
		return nil, err
	}
	if include && len(occ) > 0 {
		fmt.Fprintf(c.stdout, "%d of the %d candidates already in the stage were sent to the integration\n", len(routed), len(occ))
	}
	return routed, nil
}
