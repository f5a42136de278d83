package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

// runInterviews is the interview listing: the orders of video interview and
// interview service providers on a connection, or on one posting.
func runInterviews(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("interviews", stderr)
	var cfg app.Config
	storeFlags(fs, &cfg)
	conn := fs.String("connection", "", "connection id (required)")
	posting := fs.String("posting", "", "only this Lever posting's interviews")
	prov := fs.String("provider", "", "only this provider's interviews")
	status := fs.String("status", "", "only interviews in this status (created, invited, scheduled, started, completed, cancelled, expired)")
	limit := fs.Int("limit", 200, "at most this many interviews")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *conn == "" {
		return errors.New("interviews: --connection is required")
	}
	return withEngine(ctx, cfg, func(e *engine.Engine) error {
		return e.DB().InTx(ctx, func(tx *store.Tx) error {
			if _, err := tx.ConnectionGet(ctx, *conn); err != nil {
				return err
			}
			providers, err := tx.ProviderList(ctx)
			if err != nil {
				return err
			}
			interviewer := map[string]bool{}
			for _, p := range providers {
				if (p.Kind == domain.KindVideoInterview || p.Kind == domain.KindInterviewService) && (*prov == "" || p.ID == *prov) {
					interviewer[p.ID] = true
				}
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ORDER\tPROVIDER\tSTATUS\tCANDIDATE\tE-MAIL\tPOSTING\tKIT\tCREATED\tUPDATED\tEVALUATION")
			n := 0
			f := store.OrderFilter{ConnectionID: *conn, PostingID: *posting, Status: *status, Limit: 200}
			for n < *limit {
				orders, next, err := tx.OrderList(ctx, f)
				if err != nil {
					return err
				}
				for _, o := range orders {
					if !interviewer[o.ProviderID] || n >= *limit {
						continue
					}
					n++
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", o.ID, o.ProviderID, o.Status, o.Candidate.Name, o.Candidate.Email,
						firstOf(o.Details.PostingTitle, o.PostingID, "-"), o.PackageName, o.CreatedAt.Format("2006-01-02 15:04"), o.UpdatedAt.Format("2006-01-02 15:04"),
						firstOf(o.EvaluationURL, "-"))
				}
				if next == "" {
					break
				}
				f.Cursor = next
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if n == 0 {
				fmt.Fprintln(stdout, "no interviews")
			}
			return nil
		})
	})
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// runPostings syncs and lists the postings interview service integrations
// send to their providers as jobs.
func runPostings(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return subcommand("postings", args, map[string]func([]string) error{
		"sync": func(args []string) error {
			fs := newFlagSet("postings sync", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			conn := fs.String("connection", "", "connection id (required)")
			if err := fs.Parse(args); err != nil {
				return err
			}
			if *conn == "" {
				return errors.New("postings sync: --connection is required")
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				stats, err := e.SyncPostingsNow(ctx, *conn)
				if err != nil {
					return err
				}
				if len(stats) == 0 {
					fmt.Fprintf(stdout, "connection %s has no enabled interview service integration\n", *conn)
				}
				for id, st := range stats {
					fmt.Fprintf(stdout, "integration %s: %d tagged postings in Lever, %d sent as job.synced, %d as job.removed, %d unchanged\n", id, st.Listed, st.Synced, st.Removed, st.Unchanged)
				}
				if len(stats) > 0 {
					fmt.Fprintln(stdout, "a running `stagecoach serve` delivers the webhooks")
				}
				return nil
			})
		},
		"list": func(args []string) error {
			fs := newFlagSet("postings list", stderr)
			var cfg app.Config
			storeFlags(fs, &cfg)
			conn := fs.String("connection", "", "connection id (required)")
			if err := fs.Parse(args); err != nil {
				return err
			}
			if *conn == "" {
				return errors.New("postings list: --connection is required")
			}
			return withEngine(ctx, cfg, func(e *engine.Engine) error {
				return e.DB().InTx(ctx, func(tx *store.Tx) error {
					ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ConnectionID: *conn})
					if err != nil {
						return err
					}
					tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "INTEGRATION\tPOSTING\tTITLE\tSTATUS\tREASON\tUPDATED")
					for _, in := range ins {
						rows, err := tx.SyncedPostingList(ctx, in.ID)
						if err != nil {
							return err
						}
						for _, r := range rows {
							fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", in.ID, r.PostingID, r.Title, r.Status, firstOf(r.Reason, "-"), r.UpdatedAt.Format("2006-01-02 15:04"))
						}
					}
					return tw.Flush()
				})
			})
		},
	}, stderr)
}

// runKitMap shows or sets a video interview integration's kit map:
//
//	stagecoach integration kit-map --id int_… [--default kit] [--posting <posting id>=<kit> …] [--clear]
func runKitMap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("integration kit-map", stderr)
	var cfg app.Config
	storeFlags(fs, &cfg)
	id := fs.String("id", "", "integration id (required)")
	def := fs.String("default", "", "the default interview kit (a package id); \"-\" removes it")
	var postings multiFlag
	fs.Var(&postings, "posting", "<Lever posting id>=<package id>, repeatable; <posting id>= removes the posting's kit")
	clear := fs.Bool("clear", false, "start from an empty map instead of the current one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("integration kit-map: --id is required")
	}
	return withEngine(ctx, cfg, func(e *engine.Engine) error {
		_, _, s, err := e.ProviderIntegration(ctx, "", *id)
		if err != nil {
			return err
		}
		m := engine.KitMapOf(s)
		if *clear {
			m = engine.KitMap{PostingPackages: map[string]string{}}
		}
		changed := *clear
		switch *def {
		case "":
		case "-":
			m.DefaultPackage, changed = "", true
		default:
			m.DefaultPackage, changed = *def, true
		}
		for _, p := range postings {
			posting, kit, ok := strings.Cut(p, "=")
			if !ok || posting == "" {
				return fmt.Errorf("integration kit-map: --posting %q is not <posting id>=<package id>", p)
			}
			if kit == "" {
				delete(m.PostingPackages, posting)
			} else {
				m.PostingPackages[posting] = kit
			}
			changed = true
		}
		if changed {
			if m, err = e.SetKitMap(ctx, "", *id, m); err != nil {
				return err
			}
		}
		fmt.Fprintf(stdout, "default kit: %s\n", firstOf(m.DefaultPackage, "(none)"))
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "POSTING\tKIT")
		for posting, kit := range m.PostingPackages {
			fmt.Fprintf(tw, "%s\t%s\n", posting, kit)
		}
		return tw.Flush()
	})
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }
