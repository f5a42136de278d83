package cli

import (
	"context"
	"fmt"
	"io"

	"stagecoach/internal/sampleprovider"
)

// runSampleSourcer runs the sample provider in sourcing mode: it exports its
// candidates once each is invited to interview and the interview is
// scheduled.
func runSampleSourcer(ctx context.Context, c sampleprovider.Config, stdout io.Writer) error {
	sc := sampleprovider.SourcingConfig{StagecoachURL: c.StagecoachURL, APIKey: c.APIKey, WebhookSecret: c.WebhookSecret, Addr: c.Addr,
		Name: c.Name, Delay: c.Delay, Candidates: sampleprovider.DefaultSourcingCandidates(), Logger: c.Logger}
	s, err := sampleprovider.NewSourcer(sc)
	if err != nil {
		return err
	}
	ran := make(chan error, 1)
	go func() { ran <- s.Run(ctx) }()
	select {
	case <-s.Ready():
		fmt.Fprintf(stdout, "sample sourcing provider listening on %s (webhook URL: %s/webhooks)\n", s.Addr(), s.URL())
	case err := <-ran:
		return err
	}
	return <-ran
}
