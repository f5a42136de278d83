package ui

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"stagecoach/internal/admin"
	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// checkFresh is how long the Integrations page trusts a setup check before
// running it again; "Check all now" runs every check.
const checkFresh = 15 * time.Minute

// checkAllTimeout bounds the checks one page load runs against Lever.
const checkAllTimeout = 20 * time.Second

type integrationListRow struct {
	In       *domain.Integration
	Conn     *domain.Connection
	Prov     *domain.Provider
	Check    *store.IntegrationCheck // nil: never checked
	CheckErr string                  // the check itself could not run
}

// State is what the list says of the integration: "failing" when its last
// setup check found an error, else "active" or "draft".
func (r integrationListRow) State() string {
	switch {
	case r.CheckErr != "" || (r.Check != nil && r.Check.Errors > 0):
		return "failing"
	case r.In.Enabled:
		return "active"
	}
	return "draft"
}

type integrationListData struct {
	Rows   []integrationListRow
	Counts map[string]int
	State  string // the filter: "", active, draft or failing
}

// handleIntegrationList lists every integration across connections with
// its state. Setup checks older than checkFresh (all of them with
// ?check=now) run again, a few at once, and are kept.
func (u *UI) handleIntegrationList(w http.ResponseWriter, r *http.Request) {
	d := integrationListData{Counts: map[string]int{}, State: r.URL.Query().Get("state")}
	var rows []integrationListRow
	err := u.inTx(r, func(tx *store.Tx) error {
		ctx := r.Context()
		ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{})
		if err != nil {
			return err
		}
		checks, err := tx.IntegrationCheckList(ctx)
		if err != nil {
			return err
		}
		conns, provs := map[string]*domain.Connection{}, map[string]*domain.Provider{}
		for _, in := range ins {
			row := integrationListRow{In: in, Check: checks[in.ID]}
			if conns[in.ConnectionID] == nil {
				if conns[in.ConnectionID], err = tx.ConnectionGet(ctx, in.ConnectionID); err != nil {
					return err
				}
			}
			if provs[in.ProviderID] == nil {
				if provs[in.ProviderID], err = tx.ProviderGet(ctx, in.ProviderID); err != nil {
					return err
				}
			}
			row.Conn, row.Prov = conns[in.ConnectionID], provs[in.ProviderID]
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.checkStale(r.Context(), rows, r.URL.Query().Get("check") == "now")
	for _, row := range rows {
		d.Counts[row.State()]++
		if d.State == "" || d.State == row.State() {
			d.Rows = append(d.Rows, row)
		}
	}
	u.render(w, r, http.StatusOK, "integration_list.html", page{Title: "Integrations", Nav: "integrations", Data: d})
}

// checkStale runs the setup check of each row whose last one is older than
// checkFresh or than the integration's last change (every row, with all),
// four at once, and records the results.
func (u *UI) checkStale(ctx context.Context, rows []integrationListRow, all bool) {
	ctx, cancel := context.WithTimeout(ctx, checkAllTimeout)
	defer cancel()
	now := u.cfg.NowFunc()
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i := range rows {
		row := &rows[i]
		if !all && row.Check != nil && now.Sub(row.Check.CheckedAt) < checkFresh && !row.In.UpdatedAt.After(row.Check.CheckedAt) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			fs, err := u.adm.CheckIntegration(ctx, row.In.ID, nil)
			if err != nil {
				row.CheckErr = "the setup check could not run: " + errMessage(err)
				u.log.Warn("setup check failed", slog.String("integration_id", row.In.ID), slog.Any("error", err))
				return
			}
			c := &store.IntegrationCheck{IntegrationID: row.In.ID}
			for _, f := range fs {
				switch f.Severity {
				case admin.SeverityError:
					if c.Errors == 0 {
						c.FirstError = f.Message
					}
					c.Errors++
				case admin.SeverityWarning:
					c.Warnings++
				}
			}
			if err := u.db.InTx(ctx, func(tx *store.Tx) error { return tx.IntegrationCheckPut(ctx, c) }); err != nil {
				u.log.Warn("setup check not recorded", slog.String("integration_id", row.In.ID), slog.Any("error", err))
			}
			row.Check = c
		}()
	}
	wg.Wait()
}
