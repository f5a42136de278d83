package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"stagecoach/internal/admin"
	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/store"
)

func (u *UI) handleIntegrationCreate(w http.ResponseWriter, r *http.Request) {
	connID, provID := r.PathValue("id"), r.PostFormValue("provider")
	// An integration does nothing until an operator activates it, after the
	// setup check passes.
	in, err := u.adm.CreateIntegrationDraft(r.Context(), connID, provID, nil)
	if store.IsConflict(err) {
		u.fail(w, r, domain.Errorf(domain.EConflict, "%s is already enabled on this connection", provID))
		return
	}
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.redirect(w, r, "/integrations/"+in.ID, "Provider enabled on this connection. Choose its settings, then Activate.")
}

// option is one choice in a dropdown.
type option struct {
	Value, Label string
}

// fieldView is one settings field ready to render.
type fieldView struct {
	engine.SettingsField
	Value    string
	Values   []string
	On       bool
	Pairs    [][2]string
	Default  string
	Options  []option // for selects (stages, postings, users, packages, templates, choices)
	KeyOpts  []option // for maps keyed by a Lever stage or posting
	ValOpts  []option // for maps whose values are picked
	Datalist []string // suggestions for tags and form templates
	Problems []admin.Finding
}

type integrationData struct {
	In       *domain.Integration
	Conn     *domain.Connection
	Prov     *domain.Provider
	Packages []domain.Package
	Fields   []fieldView
	Findings admin.Findings
	General  []admin.Finding // findings not about one field
	LeverErr string
	Checked  bool
	// Confirm is set when Activate waits for the operator to say what to do
	// with the candidates already in the trigger stage.
	Confirm *activateConfirm
}

// activateConfirm lists the candidates already in the trigger stage, shown
// before anything is sent.
type activateConfirm struct {
	Stage     string
	Occupants []engine.StageOccupant
}

func (u *UI) integrationData(r *http.Request, id string, settings json.RawMessage, check bool) (*integrationData, error) {
	d := &integrationData{}
	err := u.inTx(r, func(tx *store.Tx) (err error) {
		ctx := r.Context()
		if d.In, err = tx.IntegrationGet(ctx, id); err != nil {
			return err
		}
		if d.Conn, err = tx.ConnectionGet(ctx, d.In.ConnectionID); err != nil {
			return err
		}
		if d.Prov, err = tx.ProviderGet(ctx, d.In.ProviderID); err != nil {
			return err
		}
		d.Packages, err = tx.PackageList(ctx, d.Prov.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if settings == nil {
		settings = d.In.Settings
	}
	var acct *admin.LeverAccount
	if d.Conn.Status != domain.ConnDisconnected {
		acct, err = u.adm.Account(r.Context(), d.Conn, d.Prov.Kind)
		if err != nil {
			d.LeverErr = err.Error()
		} else if e := acct.Errors["stages"]; e != nil {
			d.LeverErr = e.Error()
		}
	}
	if acct == nil {
		acct = &admin.LeverAccount{}
	}
	if check {
		d.Checked = true
		if d.Findings, err = u.adm.CheckIntegration(r.Context(), id, settings); err != nil {
			return nil, err
		}
	}
	d.Fields = buildFields(d.Prov, d.Packages, acct, settings, d.Findings)
	for _, f := range d.Findings {
		if f.Field == "" || !slices.ContainsFunc(d.Fields, func(fv fieldView) bool { return fv.Name == f.Field }) {
			d.General = append(d.General, f)
		}
	}
	return d, nil
}

// buildFields joins the field descriptions of the provider's kind with the
// current values, the defaults and the choices from the Lever account.
func buildFields(p *domain.Provider, pkgs []domain.Package, acct *admin.LeverAccount, settings json.RawMessage, findings admin.Findings) []fieldView {
	var cur map[string]any
	_ = json.Unmarshal(settings, &cur)
	var defs map[string]any
	defBytes, _ := json.Marshal(engine.Settings{}.WithDefaults(p))
	_ = json.Unmarshal(defBytes, &defs)

	stages := []option{}
	for _, s := range acct.Stages {
		stages = append(stages, option{s.ID, s.Name})
	}
	postings := []option{}
	for _, po := range acct.Postings {
		label := po.Title
		if po.State != "" && po.State != "published" {
			label += " (" + po.State + ")"
		}
		postings = append(postings, option{po.ID, label})
	}
	users := []option{}
	for _, us := range acct.Users {
		users = append(users, option{us.ID, us.Name + " <" + us.Email + ">"})
	}
	packages := []option{}
	for _, pk := range pkgs {
		packages = append(packages, option{pk.ID, pk.Name})
	}

	var out []fieldView
	for _, f := range engine.SettingsFields(p.Kind) {
		fv := fieldView{SettingsField: f}
		v := cur[f.Name]
		switch x := v.(type) {
		case string:
			fv.Value = x
		case bool:
			fv.On = x
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					fv.Values = append(fv.Values, s)
				}
			}
		case map[string]any:
			for k, e := range x {
				s, _ := e.(string)
				fv.Pairs = append(fv.Pairs, [2]string{k, s})
			}
			slices.SortFunc(fv.Pairs, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
		}
		if d, ok := defs[f.Name].(string); ok {
			fv.Default = d
		}
		switch f.Type {
		case engine.FieldStage:
			fv.Options = stages
			fv.Value = stageValue(acct.Stages, fv.Value)
		case engine.FieldPosting, engine.FieldPostings:
			fv.Options = postings
		case engine.FieldUser:
			fv.Options = users
			if fv.Default == "" {
				fv.Default = "the connection's perform-as user, else the opportunity's owner"
			}
			for _, us := range acct.Users {
				if strings.EqualFold(us.Email, fv.Value) {
					fv.Value = us.ID
				}
			}
		case engine.FieldPackage:
			fv.Options = packages
		case engine.FieldFeedbackTemplate:
			fv.Datalist = acct.FeedbackTemplates
		case engine.FieldChoice:
			for _, c := range f.Choices {
				fv.Options = append(fv.Options, option{c.Value, c.Label})
			}
		case engine.FieldTag:
			fv.Datalist = acct.Tags
		case engine.FieldFormTemplate:
			fv.Datalist = acct.FormTemplates
		case engine.FieldMapPostingPackage:
			fv.KeyOpts, fv.ValOpts = postings, packages
		case engine.FieldMapRolePosting:
			fv.ValOpts = postings
		case engine.FieldMapProviderToStage:
			fv.ValOpts = stages
			for i := range fv.Pairs {
				fv.Pairs[i][1] = stageValue(acct.Stages, fv.Pairs[i][1])
			}
		case engine.FieldMapStageToProvider:
			fv.KeyOpts = stages
			for i := range fv.Pairs {
				fv.Pairs[i][0] = stageValue(acct.Stages, fv.Pairs[i][0])
			}
		}
		// Keep a value the account does not offer (a missing stage, a
		// deleted posting) visible, so the operator sees what to fix.
		if len(fv.Options) > 0 && fv.Value != "" && !slices.ContainsFunc(fv.Options, func(o option) bool { return o.Value == fv.Value }) {
			fv.Options = append(slices.Clone(fv.Options), option{fv.Value, fv.Value + " (not in Lever)"})
		}
		// Two blank rows to add to a map without JavaScript.
		if strings.HasPrefix(string(f.Type), "map_") {
			fv.Pairs = append(fv.Pairs, [2]string{}, [2]string{})
		}
		for _, fd := range findings {
			if fd.Field == f.Name {
				fv.Problems = append(fv.Problems, fd)
			}
		}
		out = append(out, fv)
	}
	return out
}

// stageValue turns a stage given by name into its id, when it exists.
func stageValue(stages []ats.Stage, v string) string {
	for _, s := range stages {
		if s.ID == v {
			return v
		}
	}
	for _, s := range stages {
		if strings.EqualFold(s.Name, v) {
			return s.ID
		}
	}
	return v
}

// settingsFromForm builds the settings JSON from the posted form, driven by
// the field descriptions: empty values are left out, so defaults apply.
func settingsFromForm(r *http.Request, kind string) (json.RawMessage, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, f := range engine.SettingsFields(kind) {
		key := "s." + f.Name
		switch {
		case f.Type == engine.FieldBool:
			if r.PostForm.Get(key) == "true" {
				out[f.Name] = true
			}
		case f.Type == engine.FieldPostings:
			var vals []string
			for _, v := range r.PostForm[key] {
				if v = strings.TrimSpace(v); v != "" && !slices.Contains(vals, v) {
					vals = append(vals, v)
				}
			}
			if len(vals) > 0 {
				out[f.Name] = vals
			}
		case strings.HasPrefix(string(f.Type), "map_"):
			keys, vals := r.PostForm[key+".k"], r.PostForm[key+".v"]
			m := map[string]string{}
			for i, k := range keys {
				k = strings.TrimSpace(k)
				if k == "" || i >= len(vals) || strings.TrimSpace(vals[i]) == "" {
					continue
				}
				if _, dup := m[k]; dup {
					return nil, domain.Errorf(domain.EInvalid, "%s: %q is mapped twice", f.Label, k)
				}
				m[k] = strings.TrimSpace(vals[i])
			}
			if len(m) > 0 {
				out[f.Name] = m
			}
		default:
			if v := strings.TrimSpace(r.PostForm.Get(key)); v != "" {
				out[f.Name] = v
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	if _, err := engine.ParseSettings(b); err != nil {
		return nil, err
	}
	return b, nil
}

func (u *UI) handleIntegrationShow(w http.ResponseWriter, r *http.Request) {
	d, err := u.integrationData(r, r.PathValue("id"), nil, r.URL.Query().Get("check") != "0")
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "integration.html", page{Title: d.Prov.Name + " on " + d.Conn.Name, Nav: "connections", Data: d})
}

// handleIntegrationSave saves the settings (action save), saves and
// activates them when the setup check finds nothing wrong (activate), or
// disables the integration (disable).
func (u *UI) handleIntegrationSave(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var in *domain.Integration
	var p *domain.Provider
	if err := u.inTx(r, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(r.Context(), id); err != nil {
			return err
		}
		p, err = tx.ProviderGet(r.Context(), in.ProviderID)
		return err
	}); err != nil {
		u.fail(w, r, err)
		return
	}
	action := r.PostFormValue("action")
	if action == "activate_confirm" {
		u.activateConfirmed(w, r, in, p)
		return
	}
	if action == "disable" {
		if _, err := u.adm.SaveIntegration(r.Context(), id, in.Settings, false); err != nil {
			u.fail(w, r, err)
			return
		}
		u.redirect(w, r, "/integrations/"+id, "Disabled: Lever events no longer order anything for this integration.")
		return
	}
	settings, err := settingsFromForm(r, p.Kind)
	if err != nil {
		d, derr := u.integrationData(r, id, nil, false)
		if derr != nil {
			u.fail(w, r, derr)
			return
		}
		u.render(w, r, http.StatusBadRequest, "integration.html", page{Title: d.Prov.Name + " on " + d.Conn.Name, Nav: "connections", Data: d, Error: err.Error()})
		return
	}
	switch action {
	case "activate":
		d, err := u.integrationData(r, id, settings, true)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if !d.Findings.OK() {
			// Keep what was typed when it can be stored, but do not turn it on.
			msg := "Not activated: fix what the setup check lists below, then Activate again. The settings are saved."
			if _, err := u.adm.SaveIntegration(r.Context(), id, settings, false); err != nil {
				var de *domain.Error
				if !errors.As(err, &de) || de.Code != domain.EInvalid {
					u.fail(w, r, err)
					return
				}
				msg = "Not activated, and not saved (" + de.Message + "): fix what the setup check lists below, then Activate again."
			}
			d.In.Enabled = false
			u.render(w, r, http.StatusUnprocessableEntity, "integration.html", page{Title: d.Prov.Name + " on " + d.Conn.Name, Nav: "connections", Data: d, Error: msg})
			return
		}
		moved, err := u.eng.TriggerStageChanges(r.Context(), id, settings)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		if !in.Enabled || moved {
			// Candidates already in the trigger stage (on activation, or in a
			// new trigger stage) are not invited unless the operator, shown
			// who they are, says so.
			stage, occ, err := u.eng.StageOccupants(r.Context(), id, settings)
			if err != nil {
				u.fail(w, r, err)
				return
			}
			if len(occ) > 0 {
				if _, err := u.adm.SaveIntegration(r.Context(), id, settings, in.Enabled); err != nil {
					u.fail(w, r, err)
					return
				}
				if d, err = u.integrationData(r, id, nil, false); err != nil {
					u.fail(w, r, err)
					return
				}
				d.Confirm = &activateConfirm{Stage: stage, Occupants: occ}
				u.render(w, r, http.StatusOK, "integration.html", page{Title: d.Prov.Name + " on " + d.Conn.Name, Nav: "connections", Data: d})
				return
			}
		}
		if _, _, err := u.adm.ActivateIntegration(r.Context(), id, settings, nil); err != nil {
			u.fail(w, r, err)
			return
		}
		u.redirect(w, r, "/integrations/"+id, "Activated: "+p.Name+" now runs on this connection.")
	default:
		if _, err := u.adm.SaveIntegration(r.Context(), id, settings, in.Enabled); err != nil {
			u.fail(w, r, err)
			return
		}
		u.redirect(w, r, "/integrations/"+id, "Settings saved.")
	}
}

// activateConfirmed activates an integration whose settings were saved when
// Activate listed the candidates already in its trigger stage: with include
// "listed", the candidates the page listed (and still there) are ordered
// too; with "none", only candidates entering the stage from now on.
func (u *UI) activateConfirmed(w http.ResponseWriter, r *http.Request, in *domain.Integration, p *domain.Provider) {
	var include []string
	switch r.PostFormValue("include") {
	case "listed":
		include = r.PostForm["opportunity"]
		if len(include) == 0 {
			u.fail(w, r, domain.Errorf(domain.EInvalid, "no candidates were listed to include"))
			return
		}
	case "none":
	default:
		u.fail(w, r, domain.Errorf(domain.EInvalid, "include must be \"listed\" or \"none\""))
		return
	}
	// The settings were saved with the listing; check them again, as
	// Activate does, before turning anything on.
	d, err := u.integrationData(r, in.ID, nil, true)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if !d.Findings.OK() {
		u.render(w, r, http.StatusUnprocessableEntity, "integration.html", page{Title: d.Prov.Name + " on " + d.Conn.Name, Nav: "connections", Data: d, Error: "Not activated: fix what the setup check lists below, then Activate again."})
		return
	}
	_, routed, err := u.adm.ActivateIntegration(r.Context(), in.ID, in.Settings, include)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	msg := "Activated: " + p.Name + " now runs on this connection, for candidates entering the trigger stage from now on."
	if include != nil {
		msg = fmt.Sprintf("Activated: %s now runs on this connection; %d of the %d candidates already in the trigger stage were sent to it.", p.Name, len(routed), len(include))
	}
	u.redirect(w, r, "/integrations/"+in.ID, msg)
}
