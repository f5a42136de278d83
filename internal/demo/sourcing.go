package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/ats/leverats"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/lever"
	"stagecoach/internal/sampleprovider"
	"stagecoach/internal/store"
)

// SourcingProviderID is the demo's sourcing provider, named "hackajob".
const SourcingProviderID = "demo-hackajob"

// webhookEvents are the Lever webhooks the demo registers: those its
// integrations, one of each kind, need.
func webhookEvents() []string { return engine.WebhookEvents(leverats.Events, domain.ProviderKinds...) }

// SourcingSettings are the demo sourcing integration's settings: the
// marketplace's "backend" role goes to the Backend Engineer posting, its
// stages to the sandbox's, anything unmapped to "New lead"; unsuccessful
// candidates are exported too, under a pseudonym; writes are made as Rahul
// Khan unless the exporting recruiter is a Lever user.
func SourcingSettings(backendPostingID string) json.RawMessage {
	b, _ := json.Marshal(engine.Settings{
		RolePostings:  map[string]string{"backend": backendPostingID},
		StageMap:      map[string]string{sampleprovider.StageInterview: "Phone interview", sampleprovider.StageOnsite: "On-site", "Offer": "Offer"},
		LeverStageMap: map[string]string{"Recruiter screen": "Screening"},
		DefaultStage:  "New lead",
		ExportPolicy:  engine.ExportAll,
		PerformAs:     "rkhan@example.com",
	})
	return b
}

// startSourcing sets up the sourcing integration and runs the sample
// sourcing provider.
func (env *Env) startSourcing(ctx, runCtx context.Context, cfg Config) error {
	if cfg.SourcingAddr == "" {
		cfg.SourcingAddr = sampleprovider.DefaultSourcingAddr
		// A demo on free ports (the tests) takes a free one here too.
		if host, port, err := net.SplitHostPort(cfg.ProviderAddr); err == nil && port == "0" {
			cfg.SourcingAddr = net.JoinHostPort(host, "0")
		}
	}
	eng, adm := env.App.Engine, env.App.Admin
	p, key, err := adm.CreateProvider(ctx, admin.ProviderInput{ID: SourcingProviderID, Name: sampleprovider.DefaultSourcingName, Kind: domain.KindSourcing})
	if err != nil {
		return err
	}
	env.SourcingAPIKey = key
	backend := ""
	for po, err := range env.Lever.ListPostings(ctx, lever.ListPostingsParams{}) {
		if err != nil {
			return err
		}
		if po.Text == "Backend Engineer" {
			backend = po.ID
		}
	}
	if backend == "" {
		return errors.New("the sandbox has no Backend Engineer posting")
	}
	if env.SourcingIntegration, err = adm.CreateIntegration(ctx, ConnectionID, p.ID, SourcingSettings(backend)); err != nil {
		return fmt.Errorf("create the sourcing integration: %w", err)
	}
	sc := sampleprovider.SourcingConfig{StagecoachURL: env.App.URL(), APIKey: key, WebhookSecret: p.WebhookSecret, Addr: cfg.SourcingAddr,
		Delay: cfg.SourcingDelay, RecruiterEmail: "mlopez@example.com", Logger: cfg.Logger}
	if cfg.SourcingDelay > 0 {
		sc.Candidates = sampleprovider.DefaultSourcingCandidates()
	}
	if env.Sourcer, err = sampleprovider.NewSourcer(sc); err != nil {
		return err
	}
	env.wg.Add(1)
	go func() { defer env.wg.Done(); _ = env.Sourcer.Run(runCtx) }()
	select {
	case <-env.Sourcer.Ready():
	case <-time.After(10 * time.Second):
		return errors.New("the sample sourcing provider did not start")
	}
	p.WebhookURL = env.Sourcer.URL() + "/webhooks"
	return eng.DB().InTx(ctx, func(tx *store.Tx) error { return tx.ProviderUpdate(ctx, p) })
}
