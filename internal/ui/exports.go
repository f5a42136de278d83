package ui

import (
	"net/http"
	"slices"
	"strings"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// exportScanLimit bounds how many exports the list reads to filter and
// search (their profiles are sealed, so the search runs here, not in SQL).
const exportScanLimit = 2000

type exportsData struct {
	Exports     []*domain.Export
	Connections []*domain.Connection
	Providers   []*domain.Provider
	ProvName    map[string]string
	Statuses    []string
	Connection  string
	Provider    string
	Status      string
	Text        string
	Truncated   bool
	Counts      []statusCount
}

// exportMatches reports whether an export matches a search: part of the
// candidate's name, e-mail, pseudonym, or the provider candidate,
// opportunity or export id.
func exportMatches(x *domain.Export, text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	if t == "" {
		return true
	}
	fields := append([]string{x.Profile.Name, x.Pseudonym, x.ProviderCandidateID, x.OpportunityID, x.ID, x.RoleID}, x.Profile.Emails...)
	return slices.ContainsFunc(fields, func(f string) bool { return f != "" && strings.Contains(strings.ToLower(f), t) })
}

func (u *UI) handleExportList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := exportsData{Connection: q.Get("connection"), Provider: q.Get("provider"), Status: q.Get("status"), Text: q.Get("q"),
		Statuses: []string{domain.ExportPending, domain.ExportExported, domain.ExportFailed, domain.ExportDeleted}, ProvName: map[string]string{}}
	err := u.inTx(r, func(tx *store.Tx) error {
		ctx := r.Context()
		// The status is filtered here, after counting each.
		f := store.ExportFilter{ConnectionID: d.Connection, ProviderID: d.Provider, Limit: 200}
		var all []*domain.Export
		for {
			page, next, err := tx.ExportList(ctx, f)
			if err != nil {
				return err
			}
			all = append(all, page...)
			if next == "" {
				break
			}
			if len(all) >= exportScanLimit {
				d.Truncated = true
				break
			}
			f.Cursor = next
		}
		counts := map[string]int{}
		for i := len(all) - 1; i >= 0; i-- { // newest first
			if !exportMatches(all[i], d.Text) {
				continue
			}
			counts[all[i].Status]++
			if d.Status == "" || all[i].Status == d.Status {
				d.Exports = append(d.Exports, all[i])
			}
		}
		d.Counts = statusCounts("/exports", q, d.Statuses, counts, d.Status)
		var err error
		if d.Connections, err = tx.ConnectionList(ctx); err != nil {
			return err
		}
		d.Providers, err = tx.ProviderList(ctx)
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	for _, p := range d.Providers {
		d.ProvName[p.ID] = p.Name
	}
	u.render(w, r, http.StatusOK, "exports.html", page{Title: "Exports", Nav: "exports", Data: d})
}

type exportData struct {
	Export   *domain.Export
	Provider *domain.Provider
	Conn     *domain.Connection
	Steps    []step
}

func (u *UI) handleExportShow(w http.ResponseWriter, r *http.Request) {
	d := exportData{}
	ctx := r.Context()
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		if d.Export, err = tx.ExportGet(ctx, r.PathValue("id")); err != nil {
			return err
		}
		x := d.Export
		if d.Provider, err = tx.ProviderGet(ctx, x.ProviderID); err != nil && !store.IsNotFound(err) {
			return err
		}
		if d.Conn, err = tx.ConnectionGet(ctx, x.ConnectionID); err != nil && !store.IsNotFound(err) {
			return err
		}
		return nil
	})
	if err == nil {
		x := d.Export
		n := names{Stages: u.stageNames(ctx, d.Conn)}
		if d.Provider != nil {
			n.Provider = d.Provider.Name
		}
		err = u.inTx(r, func(tx *store.Tx) (err error) {
			d.Steps, err = timeline(ctx, tx, n, x.ConnectionID, x.OpportunityID, x.IntegrationID, x.ID, "hook:"+x.ProviderID+":export:"+x.ID)
			return err
		})
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	name := d.Export.Profile.Name
	if d.Export.Pseudonym != "" {
		name = d.Export.Pseudonym
	}
	u.render(w, r, http.StatusOK, "export.html", page{Title: "Export " + name, Nav: "exports", Data: d})
}
