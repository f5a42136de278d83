package cli

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/domain"
)

func providerCreateFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	var in admin.ProviderInput
	fs.StringVar(&in.ID, "id", "", "provider id (lowercase letters, digits, dashes)")
	fs.StringVar(&in.Name, "name", "", "display name, used in tags and notes (e.g. iMocha)")
	fs.StringVar(&in.Kind, "kind", domain.KindAssessment, "assessment, video_interview, interview_service or sourcing")
	fs.StringVar(&in.WebhookURL, "webhook-url", "", "where stagecoach sends the provider's webhooks (can be set later with `provider update`)")
	return func(ctx context.Context, c *call) error {
		p, key, err := c.admin.CreateProvider(ctx, in)
		if err != nil {
			return err
		}
		c.note("provider.create", "provider:"+p.ID, p.Kind+" provider “"+p.Name+"”")
		fmt.Fprintf(c.stdout, "provider %s created; these are shown once:\nAPI key:        %s\nwebhook secret: %s\n", p.ID, key, p.WebhookSecret)
		return nil
	}
}

func providerListFlags(*flag.FlagSet, *app.Config) runFunc {
	return func(ctx context.Context, c *call) error {
		ps, err := c.admin.Providers(ctx)
		if err != nil {
			return err
		}
		t := newRows("ID", "NAME", "KIND", "WEBHOOK URL")
		for _, p := range ps {
			t.add(p.ID, p.Name, p.Kind, p.WebhookURL)
		}
		return t.print(c)
	}
}

func providerUpdateFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "provider id")
	name := fs.String("name", "", "new display name (unchanged when not given)")
	hook := fs.String("webhook-url", "", `new webhook URL, http(s); "" removes it (unchanged when not given)`)
	return func(ctx context.Context, c *call) error {
		var in admin.ProviderUpdate
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "name":
				in.Name = name
			case "webhook-url":
				in.WebhookURL = hook
			}
		})
		if in.Name == nil && in.WebhookURL == nil {
			return fmt.Errorf("provider update: give --name or --webhook-url")
		}
		before, err := providerByID(ctx, c, *id)
		if err != nil {
			return err
		}
		p, err := c.admin.UpdateProvider(ctx, *id, in)
		if err != nil {
			return err
		}
		var changed []string
		if before.Name != p.Name {
			changed = append(changed, fmt.Sprintf("name %q → %q", before.Name, p.Name))
		}
		if before.WebhookURL != p.WebhookURL {
			changed = append(changed, "webhook URL "+orNone(before.WebhookURL)+" → "+orNone(p.WebhookURL))
		}
		if len(changed) == 0 {
			fmt.Fprintf(c.stdout, "provider %s unchanged\n", p.ID)
			return nil
		}
		c.note("provider.update", "provider:"+p.ID, strings.Join(changed, "; "))
		fmt.Fprintf(c.stdout, "provider %s updated: %s\n", p.ID, strings.Join(changed, "; "))
		return nil
	}
}

func providerByID(ctx context.Context, c *call, id string) (*domain.Provider, error) {
	ps, err := c.admin.Providers(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, domain.Errorf(domain.ENotFound, "provider %q not found", id)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// graceFlag declares --grace: how long the replaced key or secret keeps
// working.
func graceFlag(fs *flag.FlagSet, what string) *time.Duration {
	return fs.Duration("grace", 24*time.Hour, fmt.Sprintf("how long the old %s keeps working, up to %s (0: it stops now)", what, admin.MaxRotationGrace))
}

func oldUntil(what string, grace time.Duration, until time.Time) string {
	if grace == 0 {
		return "the old " + what + " stopped working now"
	}
	return "the old " + what + " works until " + until.UTC().Format("2006-01-02 15:04:05") + " UTC"
}

func providerRotateKeyFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "provider id")
	grace := graceFlag(fs, "API key")
	return func(ctx context.Context, c *call) error {
		key, until, err := c.admin.RotateProviderKey(ctx, *id, *grace)
		if err != nil {
			return err
		}
		old := oldUntil("key", *grace, until)
		c.note("provider.rotate_key", "provider:"+*id, old)
		fmt.Fprintf(c.stdout, "provider %s has a new API key, shown once; %s:\nAPI key: %s\n", *id, old, key)
		return nil
	}
}

func providerRotateSecretFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "provider id")
	grace := graceFlag(fs, "webhook secret")
	return func(ctx context.Context, c *call) error {
		secret, until, err := c.admin.RotateProviderSecret(ctx, *id, *grace)
		if err != nil {
			return err
		}
		old := oldUntil("secret", *grace, until)
		if *grace > 0 {
			old += " (each webhook is signed with both until then)"
		}
		c.note("provider.rotate_secret", "provider:"+*id, old)
		fmt.Fprintf(c.stdout, "provider %s has a new webhook secret, shown once; %s:\nwebhook secret: %s\n", *id, old, secret)
		return nil
	}
}

func providerDeleteFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "provider id")
	return func(ctx context.Context, c *call) error {
		if err := c.admin.DeleteProvider(ctx, *id); err != nil {
			return err
		}
		c.note("provider.delete", "provider:"+*id, "with its packages and integrations")
		fmt.Fprintf(c.stdout, "provider %s deleted with its packages and integrations; its API key no longer works\n", *id)
		return nil
	}
}
