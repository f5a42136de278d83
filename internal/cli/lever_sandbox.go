package cli

import (
	"context"
	"errors"
	"io"
)

func runLeverSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("lever-sandbox: not built yet")
}
