package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/user"
	"time"

	"stagecoach/internal/app"
	"stagecoach/internal/store"
)

// note records, for the audit log, that the command did action to target
// (with a line of detail, never a secret). The notes are written once the
// command has run, even when it stopped half-way: what was done is noted
// as it is done.
func (c *call) note(action, target, detail string) {
	c.notes = append(c.notes, &store.AuditEntry{Action: action, Target: target, Detail: detail})
}

// writeNotes writes the command's notes to the audit log, as the system
// user who ran it ("cli:<user>").
func (c *call) writeNotes(ctx context.Context) error {
	if len(c.notes) == 0 || c.engine == nil {
		return nil
	}
	actor := "cli:" + systemUser()
	return c.engine.DB().InTx(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		for _, e := range c.notes {
			e.Actor = actor
			if err := tx.AuditInsert(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// systemUser names who runs the command: the account's login name, else
// $USER, else "unknown".
func systemUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

func auditListFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	var f store.AuditFilter
	fs.StringVar(&f.Actor, "actor", "", "who: a user's e-mail, or cli:<system user>")
	fs.StringVar(&f.Action, "action", "", "an action (provider.rotate_key), or a group ending in a dot (provider.)")
	fs.StringVar(&f.Target, "target", "", "what it was done to, or its start: provider:acme, provider:")
	since := fs.Duration("since", 0, "only entries of this last duration, e.g. 24h (0: all)")
	fs.IntVar(&f.Limit, "limit", 200, "at most this many entries, newest first")
	return func(ctx context.Context, c *call) error {
		if *since < 0 {
			return fmt.Errorf("audit: --since must be a positive duration, such as 24h (got %s)", *since)
		}
		if *since > 0 {
			f.Since = time.Now().Add(-*since)
		}
		var entries []*store.AuditEntry
		err := c.engine.DB().InTx(ctx, func(tx *store.Tx) (err error) {
			entries, err = tx.AuditList(ctx, f)
			return err
		})
		if err != nil {
			return err
		}
		t := newRows("WHEN", "ACTOR", "ACTION", "TARGET", "DETAIL")
		for _, e := range entries {
			t.add(e.At.UTC().Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Target, e.Detail)
		}
		return t.print(c)
	}
}
