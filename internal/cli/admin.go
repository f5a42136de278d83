package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
	"stagecoach/internal/web"
)

// withEngine opens the database and builds an engine (without running its
// jobs) for an admin command.
func withEngine(ctx context.Context, cfg app.Config, fn func(e *engine.Engine) error) error {
	db, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(engine.New(db, queue.New(db, queue.Config{}), engine.Config{}))
}

// withEngineTo is withEngine that first says, on w, which database it
// opens (never its password). A --database that is neither a PostgreSQL
// URL, a sqlite: URL nor a file path is refused.
func withEngineTo(ctx context.Context, cfg app.Config, w io.Writer, fn func(e *engine.Engine) error) error {
	if _, _, err := store.ParseDSN(cfg.DSN()); err != nil {
		return fmt.Errorf("--database: %w", err)
	}
	fmt.Fprintf(w, "database: %s\n", store.DescribeDSN(cfg.DSN()))
	return withEngine(ctx, cfg, fn)
}

// checkAPIKey asks Lever whether it accepts the API key read from source,
// naming the source when it does not.
func checkAPIKey(ctx context.Context, e *engine.Engine, in engine.ConnectionInput, source string, stderr io.Writer) error {
	err := e.CheckAPIKey(ctx, in)
	if err == nil {
		return nil
	}
	var le *lever.Error
	status := 0
	if errors.As(err, &le) {
		status = le.StatusCode
	}
	switch {
	case errors.Is(err, lever.ErrUnauthorized) || errors.Is(err, lever.ErrConnectionBroken):
		if status == 0 {
			status = 401
		}
		return fmt.Errorf("the API key in %s was refused by Lever (%d): check that it is a current key of this Lever account and environment (%s); nothing was saved", source, status, in.Environment)
	case errors.Is(err, lever.ErrForbidden):
		fmt.Fprintf(stderr, "warning: Lever accepts the API key in %s but it may not read stages (403): give it the stages permission in Lever's API credentials settings\n", source)
		return nil
	case domain.ErrorCode(err) == domain.EInvalid:
		return err
	}
	return fmt.Errorf("could not check the API key in %s with Lever (nothing was saved; --no-check saves without checking): %w", source, err)
}

func subcommand(name string, args []string, subs map[string]func([]string) error, stderr io.Writer) error {
	if len(args) == 0 || subs[args[0]] == nil {
		names := make([]string, 0, len(subs))
		for n := range subs {
			names = append(names, n)
		}
		fmt.Fprintf(stderr, "usage: stagecoach %s <%s> [flags]\n", name, strings.Join(slices.Sorted(slices.Values(names)), "|"))
		if len(args) == 0 {
			return errors.New(name + ": missing subcommand")
		}
		return fmt.Errorf("%s: unknown subcommand %q", name, args[0])
	}
	return subs[args[0]](args[1:])
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

func runConnection(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return subcommand("connection", args, map[string]func([]string) error{
		"create": func(args []string) error {
			fs := newFlagSet("connection create", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			var in engine.ConnectionInput
			fs.StringVar(&in.ID, "id", "", "connection id (lowercase letters, digits, dashes)")
			fs.StringVar(&in.Name, "name", "", "display name")
			fs.StringVar(&in.Environment, "env", "production", "Lever environment: production, eu (EU data centre), sandbox or custom")
			fs.StringVar(&in.BaseURL, "base-url", "", "Lever root URL for a custom environment, e.g. http://127.0.0.1:8900")
			keyFile := fs.String("api-key-file", "", "file holding the Lever API key ('-' for stdin) [default $STAGECOACH_LEVER_API_KEY]")
			tokFile := fs.String("signing-token-file", "", "file holding the webhook signing token [default $STAGECOACH_LEVER_SIGNING_TOKEN]")
			fs.StringVar(&in.PerformAs, "perform-as", "", "default 'perform as' Lever user (e-mail or id); checked against Lever")
			noCheck := fs.Bool("no-check", false, "save without asking Lever whether it accepts the API key")
			if err := fs.Parse(args); err != nil {
				return err
			}
			var err error
			if in.APIKey, err = secretValue(*keyFile, "STAGECOACH_LEVER_API_KEY", os.Stdin); err != nil {
				return err
			}
			if in.SigningToken, err = secretValue(*tokFile, "STAGECOACH_LEVER_SIGNING_TOKEN", os.Stdin); err != nil {
				return err
			}
			keySource := "$STAGECOACH_LEVER_API_KEY"
			switch *keyFile {
			case "-":
				keySource = "standard input"
			case "":
			default:
				keySource = *keyFile
			}
			if in.APIKey == "" {
				return fmt.Errorf("connection create: no Lever API key: give --api-key-file or set $STAGECOACH_LEVER_API_KEY")
			}
			return withEngineTo(ctx, cfg, stderr, func(e *engine.Engine) error {
				if !*noCheck {
					if err := checkAPIKey(ctx, e, in, keySource, stderr); err != nil {
						return err
					}
				}
				c, err := e.CreateConnection(ctx, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "connection %s created (%s)\nLever webhook URL: <public URL>/hooks/lever/%s\n", c.ID, c.Environment, c.ID)
				return nil
			})
		},
		"list": func(args []string) error {
			fs := newFlagSet("connection list", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				return e.DB().InTx(ctx, func(tx *store.Tx) error {
					cs, err := tx.ConnectionList(ctx)
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tNAME\tENV\tAUTH\tSTATUS\tREASON")
					for _, c := range cs {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, c.Environment, c.AuthKind, c.Status, c.StatusReason)
					}
					return tw.Flush()
				})
			})
		},
		"register-webhooks": func(args []string) error {
			fs := newFlagSet("connection register-webhooks", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			id := fs.String("id", "", "connection id")
			public := fs.String("public-url", os.Getenv("STAGECOACH_PUBLIC_URL"), "stagecoach's public URL as Lever reaches it; https for a production or sandbox connection (Lever delivers webhooks to https only) [$STAGECOACH_PUBLIC_URL]")
			events := fs.String("events", "", "comma-separated Lever events (default: the events the connection's integrations need)")
			if err := fs.Parse(args); err != nil {
				return err
			}
			u, err := web.ParsePublicURL(*public)
			if err != nil {
				return fmt.Errorf("--public-url: %w", err)
			}
			if u == "" {
				return errors.New("--public-url is required: stagecoach's https address as Lever reaches it, such as https://stagecoach.acme.example (or set $STAGECOACH_PUBLIC_URL)")
			}
			*public = u
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				evs := strings.Split(*events, ",")
				if *events == "" {
					var err error
					if evs, err = e.ConnectionWebhookEvents(ctx, *id); err != nil {
						return err
					}
				}
				hooks, err := e.RegisterWebhooks(ctx, *id, *public, evs)
				for _, h := range hooks {
					fmt.Fprintf(stdout, "registered %s -> %s (webhook %s)\n", h.Event, h.URL, h.LeverWebhookID)
				}
				return err
			})
		},
		"disconnect": func(args []string) error {
			fs := newFlagSet("connection disconnect", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			id := fs.String("id", "", "connection id")
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				if err := e.Disconnect(ctx, *id); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "connection %s disconnected: tokens deleted, registered webhooks removed\n", *id)
				return nil
			})
		},
		"delete": func(args []string) error {
			fs := newFlagSet("connection delete", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			id := fs.String("id", "", "connection id")
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				_ = e.Disconnect(ctx, *id)
				return e.DB().InTx(ctx, func(tx *store.Tx) error { return tx.ConnectionDelete(ctx, *id) })
			})
		},
	}, stderr)
}

func runProvider(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return subcommand("provider", args, map[string]func([]string) error{
		"create": func(args []string) error {
			fs := newFlagSet("provider create", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			var in engine.ProviderInput
			fs.StringVar(&in.ID, "id", "", "provider id (lowercase letters, digits, dashes)")
			fs.StringVar(&in.Name, "name", "", "display name, used in tags and notes (e.g. iMocha)")
			fs.StringVar(&in.Kind, "kind", domain.KindAssessment, "assessment, video_interview, interview_service or sourcing")
			fs.StringVar(&in.WebhookURL, "webhook-url", "", "where stagecoach sends the provider's webhooks")
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				p, key, err := e.CreateProvider(ctx, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "provider %s created; these are shown once:\nAPI key:        %s\nwebhook secret: %s\n", p.ID, key, p.WebhookSecret)
				return nil
			})
		},
		"list": func(args []string) error {
			fs := newFlagSet("provider list", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				return e.DB().InTx(ctx, func(tx *store.Tx) error {
					ps, err := tx.ProviderList(ctx)
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tNAME\tKIND\tWEBHOOK URL")
					for _, p := range ps {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.Name, p.Kind, p.WebhookURL)
					}
					return tw.Flush()
				})
			})
		},
		"delete": func(args []string) error {
			fs := newFlagSet("provider delete", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			id := fs.String("id", "", "provider id")
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				return e.DB().InTx(ctx, func(tx *store.Tx) error { return tx.ProviderDelete(ctx, *id) })
			})
		},
	}, stderr)
}

func runIntegration(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return subcommand("integration", args, map[string]func([]string) error{
		"kit-map": func(args []string) error { return runKitMap(ctx, args, stdout, stderr) },
		"create": func(args []string) error {
			fs := newFlagSet("integration create", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			conn := fs.String("connection", "", "connection id")
			prov := fs.String("provider", "", "provider id")
			settings := fs.String("settings", "{}", `flow settings as JSON, e.g. {"triggerStage":"Assessment","completionStage":"Assessment Complete"}`)
			force := fs.Bool("force", false, "save the integration as a disabled draft when the setup check finds something wrong")
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngineTo(ctx, cfg, stderr, func(e *engine.Engine) error {
				// A draft first: it is on only once the setup check passes,
				// as Activate does in the web UI.
				in, err := e.CreateIntegrationDraft(ctx, *conn, *prov, json.RawMessage(*settings))
				if err != nil {
					return err
				}
				found, err := e.CheckIntegration(ctx, in.ID, nil)
				if err != nil {
					return err
				}
				printFindings(stdout, found)
				if !found.OK() {
					if *force {
						fmt.Fprintf(stdout, "integration %s saved as a disabled draft (%s on %s): fix what the setup check says, then `stagecoach integration activate --id %s`\n", in.ID, in.ProviderID, in.ConnectionID, in.ID)
						return nil
					}
					if err := e.DB().InTx(ctx, func(tx *store.Tx) error { return tx.IntegrationDelete(ctx, in.ID) }); err != nil {
						return err
					}
					return setupCheckError("integration create", found)
				}
				if _, err := activate(ctx, e, in.ID, false, false, stdout); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "integration %s created and active: %s on %s\n", in.ID, in.ProviderID, in.ConnectionID)
				return nil
			})
		},
		"update": func(args []string) error {
			fs := newFlagSet("integration update", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			id := fs.String("id", "", "integration id (see `integration list`)")
			settings := fs.String("settings", "", `flow settings as a JSON object, merged into the current ones (a null value removes a setting), e.g. {"taggedPostings":["<Lever posting id>"]}`)
			replace := fs.Bool("replace", false, "replace every setting with --settings instead of merging")
			force := fs.Bool("force", false, "save settings the setup check refuses, and disable the integration until they are fixed")
			if err := fs.Parse(args); err != nil {
				return err
			}
			if *id == "" || *settings == "" {
				return errors.New("integration update: --id and --settings are required")
			}
			return withEngineTo(ctx, cfg, stderr, func(e *engine.Engine) error {
				next := json.RawMessage(*settings)
				if !*replace {
					var cur *domain.Integration
					if err := e.DB().InTx(ctx, func(tx *store.Tx) (err error) { cur, err = tx.IntegrationGet(ctx, *id); return }); err != nil {
						return err
					}
					var err error
					if next, err = mergeSettings(cur.Settings, next); err != nil {
						return err
					}
				}
				if _, err := engine.ParseSettings(next); err != nil {
					return err
				}
				found, err := e.CheckIntegration(ctx, *id, next)
				if err != nil {
					return err
				}
				if !found.OK() {
					printFindings(stdout, found)
					if !*force {
						return setupCheckError("integration update", found)
					}
					in, err := e.SaveIntegration(ctx, *id, next, false)
					if err != nil {
						return err
					}
					fmt.Fprintf(stdout, "integration %s saved as a disabled draft: %s\n", in.ID, in.Settings)
					return nil
				}
				moved, err := e.TriggerStageChanges(ctx, *id, next)
				if err != nil {
					return err
				}
				in, err := e.UpdateIntegration(ctx, *id, next)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "integration %s updated: %s\n", in.ID, in.Settings)
				if moved && in.Enabled {
					// As on activation: who already sits in the new trigger
					// stage is left alone unless the operator says otherwise.
					stage, occ, err := e.StageOccupants(ctx, in.ID, nil)
					if err != nil {
						return err
					}
					if len(occ) > 0 {
						fmt.Fprintf(stdout, "%d candidate(s) already in the new trigger stage %s:\n", len(occ), stage)
						for _, o := range occ {
							fmt.Fprintf(stdout, "  %s  %s\n", o.OpportunityID, o.Name)
						}
						fmt.Fprintf(stdout, "They are left alone (`stagecoach integration activate --id %s --include-existing` orders them too).\n", in.ID)
					}
				}
				return nil
			})
		},
		"activate": func(args []string) error {
			fs := newFlagSet("integration activate", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			id := fs.String("id", "", "integration id (see `integration list`)")
			include := fs.Bool("include-existing", false, "also order the candidates already in the trigger stage (listed first; asks to confirm)")
			yes := fs.Bool("yes", false, "with --include-existing: order the listed candidates without asking")
			if err := fs.Parse(args); err != nil {
				return err
			}
			if *id == "" {
				return errors.New("integration activate: --id is required")
			}
			return withEngineTo(ctx, cfg, stderr, func(e *engine.Engine) error {
				found, err := e.CheckIntegration(ctx, *id, nil)
				if err != nil {
					return err
				}
				printFindings(stdout, found)
				if !found.OK() {
					return setupCheckError("integration activate", found)
				}
				if _, err := activate(ctx, e, *id, *include, *yes, stdout); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "integration %s is active\n", *id)
				return nil
			})
		},
		"tag-postings": func(args []string) error {
			fs := newFlagSet("integration tag-postings", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			id := fs.String("id", "", "integration id (see `integration list`)")
			if err := fs.Parse(args); err != nil {
				return err
			}
			if *id == "" {
				return errors.New("integration tag-postings: --id is required")
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				results, err := e.TagPostings(ctx, *id)
				if err != nil {
					return err
				}
				failed := 0
				for _, r := range results {
					switch {
					case r.Err != nil:
						failed++
						fmt.Fprintf(stdout, "posting %s: not tagged: %v\n", r.PostingID, r.Err)
					case len(r.Added) > 0:
						fmt.Fprintf(stdout, "posting %s: added %s\n", r.PostingID, strings.Join(r.Added, ", "))
					default:
						fmt.Fprintf(stdout, "posting %s: has every package tag already\n", r.PostingID)
					}
				}
				if failed > 0 {
					return fmt.Errorf("integration tag-postings: %d of %d postings could not be tagged", failed, len(results))
				}
				return nil
			})
		},
		"list": func(args []string) error {
			fs := newFlagSet("integration list", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				return e.DB().InTx(ctx, func(tx *store.Tx) error {
					ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{})
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tCONNECTION\tPROVIDER\tENABLED\tSETTINGS")
					for _, in := range ins {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\n", in.ID, in.ConnectionID, in.ProviderID, in.Enabled, in.Settings)
					}
					return tw.Flush()
				})
			})
		},
	}, stderr)
}

func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return subcommand("jobs", args, map[string]func([]string) error{
		"list": func(args []string) error {
			fs := newFlagSet("jobs list", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			status := fs.String("status", domain.JobDead, "available, running, done or dead (the dead letters)")
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				return e.DB().InTx(ctx, func(tx *store.Tx) error {
					jobs, err := tx.JobList(ctx, store.JobFilter{Status: *status})
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "ID\tKIND\tSTATUS\tATTEMPT\tUPDATED\tLAST ERROR")
					for _, j := range jobs {
						fmt.Fprintf(tw, "%d\t%s\t%s\t%d/%d\t%s\t%s\n", j.ID, j.Kind, j.Status, j.Attempt, j.MaxAttempts, j.UpdatedAt.Format("2006-01-02 15:04:05"), j.LastError)
					}
					return tw.Flush()
				})
			})
		},
		"retry": func(args []string) error {
			fs := newFlagSet("jobs retry", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			if err := fs.Parse(args); err != nil {
				return err
			}
			if fs.NArg() == 0 {
				return errors.New("jobs retry: give the ids of dead jobs")
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				for _, a := range fs.Args() {
					id, err := strconv.ParseInt(a, 10, 64)
					if err != nil {
						return fmt.Errorf("jobs retry: %q is not a job id", a)
					}
					if err := e.DB().InTx(ctx, func(tx *store.Tx) error { return tx.JobRetryDead(ctx, id) }); err != nil {
						return err
					}
					fmt.Fprintf(stdout, "job %d queued again\n", id)
				}
				return nil
			})
		},
	}, stderr)
}

func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("events", stderr)
	var cfg app.Config
	storeFlags(fs, &cfg)
	opp := fs.String("opportunity", "", "only this Lever opportunity's events")
	conn := fs.String("connection", "", "only this connection's events")
	limit := fs.Int("limit", 20, "how many events")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withEngine(ctx, cfg, func(e *engine.Engine) error {
		return e.DB().InTx(ctx, func(tx *store.Tx) error {
			f := store.LeverEventFilter{OpportunityID: *opp, Limit: *limit}
			if *conn != "" {
				f.ConnectionIDs = []string{*conn}
			}
			evs, err := tx.LeverEventList(ctx, f)
			if err != nil {
				return err
			}
			for _, ev := range evs {
				fmt.Fprintf(stdout, "%s  %s  %s  opportunity %s  (%s, %s)\n", ev.ReceivedAt.Format("2006-01-02 15:04:05"), ev.ID, ev.Event, ev.OpportunityID, ev.Source, ev.ConnectionID)
				ds, err := tx.DecisionList(ctx, ev.ID)
				if err != nil {
					return err
				}
				for _, d := range ds {
					order := ""
					if d.OrderID != "" {
						order = " [" + d.OrderID + "]"
					}
					fmt.Fprintf(stdout, "    %s %s: %s%s\n", d.IntegrationID, d.Decision, d.Reason, order)
				}
			}
			return nil
		})
	})
}

func runReconcile(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("reconcile", stderr)
	var cfg app.Config
	storeFlags(fs, &cfg)
	conn := fs.String("connection", "", "connection id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withEngine(ctx, cfg, func(e *engine.Engine) error {
		if err := e.Reconcile(ctx, *conn); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "a sweep of connection %s is queued; a running `stagecoach serve` does it\n", *conn)
		return nil
	})
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
func printFindings(w io.Writer, fs engine.Findings) {
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
func setupCheckError(cmd string, fs engine.Findings) error {
	var msgs []string
	for _, f := range fs {
		if f.Severity != engine.SeverityError {
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
func activate(ctx context.Context, e *engine.Engine, id string, include, yes bool, stdout io.Writer) ([]string, error) {
	stage, occ, err := e.StageOccupants(ctx, id, nil)
	if err != nil {
		return nil, err
	}
	var ids []string
	if len(occ) > 0 {
		fmt.Fprintf(stdout, "%d candidate(s) already in the trigger stage %s:\n", len(occ), stage)
		for _, o := range occ {
			fmt.Fprintf(stdout, "  %s  %s\n", o.OpportunityID, o.Name)
		}
		if include {
			if !yes {
				fmt.Fprintf(stdout, "Order these %d candidates too? [y/N] ", len(occ))
				line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
					return nil, errors.New("not activated: the candidates already in the trigger stage were not confirmed (answer y, or give --yes)")
				}
			}
			for _, o := range occ {
				ids = append(ids, o.OpportunityID)
			}
		} else {
			fmt.Fprintf(stdout, "They are left alone: only candidates entering the stage from now on are ordered (`stagecoach integration activate --id %s --include-existing` orders them too).\n", id)
		}
	}
	_, routed, err := e.ActivateIntegration(ctx, id, nil, ids)
	if err != nil {
		return nil, err
	}
	if include && len(occ) > 0 {
		fmt.Fprintf(stdout, "%d of the %d candidates already in the stage were sent to the integration\n", len(routed), len(occ))
	}
	return routed, nil
}
