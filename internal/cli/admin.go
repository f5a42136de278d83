package cli

import (
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
			fs.StringVar(&in.Environment, "env", "production", "Lever environment: production, sandbox or custom")
			fs.StringVar(&in.BaseURL, "base-url", "", "Lever root URL for a custom environment, e.g. http://127.0.0.1:8900")
			keyFile := fs.String("api-key-file", "", "file holding the Lever API key ('-' for stdin) [default $STAGECOACH_LEVER_API_KEY]")
			tokFile := fs.String("signing-token-file", "", "file holding the webhook signing token [default $STAGECOACH_LEVER_SIGNING_TOKEN]")
			fs.StringVar(&in.PerformAs, "perform-as", "", "default 'perform as' Lever user (e-mail or id); checked against Lever")
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
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
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
			if err := fs.Parse(args); err != nil {
				return err
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				in, err := e.CreateIntegration(ctx, *conn, *prov, json.RawMessage(*settings))
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "integration %s created: %s on %s\n", in.ID, in.ProviderID, in.ConnectionID)
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
			if err := fs.Parse(args); err != nil {
				return err
			}
			if *id == "" || *settings == "" {
				return errors.New("integration update: --id and --settings are required")
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
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
				in, err := e.UpdateIntegration(ctx, *id, next)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "integration %s updated: %s\n", in.ID, in.Settings)
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
