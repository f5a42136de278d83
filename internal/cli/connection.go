package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"stagecoach/internal/admin"
	"stagecoach/internal/app"
	"stagecoach/internal/domain"
	"stagecoach/internal/lever"
	"stagecoach/internal/web"
)

func connectionCreateFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	var in admin.ConnectionInput
	fs.StringVar(&in.ID, "id", "", "connection id (lowercase letters, digits, dashes)")
	fs.StringVar(&in.Name, "name", "", "display name")
	fs.StringVar(&in.Environment, "env", "production", "Lever environment: production, eu (EU data centre), sandbox or custom")
	fs.StringVar(&in.BaseURL, "base-url", "", "Lever root URL for a custom environment, e.g. http://127.0.0.1:8900")
	keyFile := fs.String("api-key-file", "", "file holding the Lever API key ('-' for stdin) [default $STAGECOACH_LEVER_API_KEY]")
	tokFile := fs.String("signing-token-file", "", "file holding the webhook signing token [default $STAGECOACH_LEVER_SIGNING_TOKEN]")
	fs.StringVar(&in.PerformAs, "perform-as", "", "default 'perform as' Lever user (e-mail or id); checked against Lever")
	noCheck := fs.Bool("no-check", false, "save without asking Lever whether it accepts the API key")
	return func(ctx context.Context, c *call) error {
		var err error
		if in.APIKey, err = secretValue(*keyFile, "STAGECOACH_LEVER_API_KEY", c.stdin); err != nil {
			return err
		}
		if in.SigningToken, err = secretValue(*tokFile, "STAGECOACH_LEVER_SIGNING_TOKEN", c.stdin); err != nil {
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
			return errNoAPIKey
		}
		if !*noCheck {
			if err := checkAPIKey(ctx, c.admin, in, keySource, c.stderr); err != nil {
				return err
			}
		}
		conn, err := c.admin.CreateConnection(ctx, in)
		if err != nil {
			return err
		}
		c.note("connection.create", "connection:"+conn.ID, "with an API key")
		fmt.Fprintf(c.stdout, "connection %s created (%s)\nLever webhook URL: <public URL>/hooks/lever/%s\n", conn.ID, conn.Environment, conn.ID)
		return nil
	}
}

// checkAPIKey asks Lever whether it accepts the API key read from source,
// naming the source when it does not.
func checkAPIKey(ctx context.Context, adm Admin, in admin.ConnectionInput, source string, stderr io.Writer) error {
	err := adm.CheckAPIKey(ctx, in)
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

func connectionListFlags(*flag.FlagSet, *app.Config) runFunc {
	return func(ctx context.Context, c *call) error {
		cs, err := c.admin.Connections(ctx)
		if err != nil {
			return err
		}
		t := newRows("ID", "NAME", "ENV", "AUTH", "STATUS", "REASON")
		for _, conn := range cs {
			t.add(conn.ID, conn.Name, conn.Environment, conn.AuthKind, conn.Status, conn.StatusReason)
		}
		return t.print(c)
	}
}

// connectionCreateCheck refuses, before the database is opened, a create
// with no API key to read.
func connectionCreateCheck(fs *flag.FlagSet) error {
	if fs.Lookup("api-key-file").Value.String() == "" && os.Getenv("STAGECOACH_LEVER_API_KEY") == "" {
		return errNoAPIKey
	}
	return nil
}

var errNoAPIKey = errors.New("connection create: no Lever API key: give --api-key-file or set $STAGECOACH_LEVER_API_KEY")

// connectionRegisterWebhooksCheck refuses, before the database is opened
// or Lever is called, a missing or malformed public URL.
func connectionRegisterWebhooksCheck(fs *flag.FlagSet) error {
	_, err := publicURL(fs.Lookup("public-url").Value.String())
	return err
}

// publicURL is stagecoach's public URL as register-webhooks needs it.
func publicURL(raw string) (string, error) {
	u, err := web.ParsePublicURL(raw)
	if err != nil {
		return "", fmt.Errorf("--public-url: %w", err)
	}
	if u == "" {
		return "", errors.New("--public-url is required: stagecoach's https address as Lever reaches it, such as https://stagecoach.acme.example (or set $STAGECOACH_PUBLIC_URL)")
	}
	return u, nil
}

func connectionRegisterWebhooksFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "connection id")
	public := fs.String("public-url", os.Getenv("STAGECOACH_PUBLIC_URL"), "stagecoach's public URL as Lever reaches it; https for a production or sandbox connection (Lever delivers webhooks to https only) [$STAGECOACH_PUBLIC_URL]")
	events := fs.String("events", "", "comma-separated Lever events (default: the events the connection's integrations need)")
	return func(ctx context.Context, c *call) error {
		u, err := publicURL(*public)
		if err != nil {
			return err
		}
		*public = u
		evs := strings.Split(*events, ",")
		if *events == "" {
			if evs, err = c.admin.ConnectionWebhookEvents(ctx, *id); err != nil {
				return err
			}
		}
		hooks, err := c.admin.RegisterWebhooks(ctx, *id, *public, evs)
		if len(hooks) > 0 {
			c.note("connection.register_webhooks", "connection:"+*id, fmt.Sprintf("%d webhooks", len(hooks)))
		}
		for _, h := range hooks {
			fmt.Fprintf(c.stdout, "registered %s -> %s (webhook %s)\n", h.Event, h.URL, h.LeverWebhookID)
		}
		return err
	}
}

func connectionDisconnectFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "connection id")
	return func(ctx context.Context, c *call) error {
		if err := c.admin.Disconnect(ctx, *id); err != nil {
			return err
		}
		c.note("connection.disconnect", "connection:"+*id, "")
		fmt.Fprintf(c.stdout, "connection %s disconnected: tokens deleted, registered webhooks removed\n", *id)
		return nil
	}
}

func connectionDeleteFlags(fs *flag.FlagSet, _ *app.Config) runFunc {
	id := fs.String("id", "", "connection id")
	return func(ctx context.Context, c *call) error {
		if err := c.admin.DeleteConnection(ctx, *id); err != nil {
			return err
		}
		c.note("connection.delete", "connection:"+*id, "with its integrations")
		fmt.Fprintf(c.stdout, "connection %s deleted with its webhooks and integrations\n", *id)
		return nil
	}
}
