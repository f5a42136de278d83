package cli

import (
	"context"
	"flag"
	"fmt"

	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
)

func providerCreateFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	var in engine.ProviderInput
	fs.StringVar(&in.ID, "id", "", "provider id (lowercase letters, digits, dashes)")
	fs.StringVar(&in.Name, "name", "", "display name, used in tags and notes (e.g. iMocha)")
	fs.StringVar(&in.Kind, "kind", domain.KindAssessment, "assessment, video_interview, interview_service or sourcing")
	fs.StringVar(&in.WebhookURL, "webhook-url", "", "where stagecoach sends the provider's webhooks")
	return func(ctx context.Context, c *call) error {
		p, key, err := c.engine.CreateProvider(ctx, in)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "provider %s created; these are shown once:\nAPI key:        %s\nwebhook secret: %s\n", p.ID, key, p.WebhookSecret)
		return nil
	}
}

func providerListFlags(*flag.FlagSet, *app.Config) runFunc {
	return func(ctx context.Context, c *call) error {
		ps, err := c.engine.Providers(ctx)
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

func providerDeleteFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "provider id")
	return func(ctx context.Context, c *call) error { return c.engine.DeleteProvider(ctx, *id) }
}
