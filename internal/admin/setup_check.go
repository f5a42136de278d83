package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sort"
	"strings"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/engine"
	"stagecoach/internal/flow"
	"stagecoach/internal/leverscope"
	"stagecoach/internal/store"
)

// LeverAccount is what an operator picks settings from: the account's
// stages, postings, active users, tags and templates. A part Lever refused
// is empty and its error is in Errors (keyed by part: stages, postings,
// users, tags, form_templates, feedback_templates).
type LeverAccount struct {
	Stages            []ats.Stage
	Postings          []*ats.Job
	Users             []*ats.User
	Tags              []string
	FormTemplates     []string
	FeedbackTemplates []string
	Errors            map[string]error
	// ConfidentialHidden says that Lever left confidential postings out of
	// Postings: the credentials have no access to confidential data.
	ConfidentialHidden bool
}

// Account reads a connection's Lever account for the settings form and the
// setup check: the parts the flows of kinds read (all of them when no kind
// is given), so that a grant with only a kind's scopes is not refused.
func (svc *Service) Account(ctx context.Context, c *domain.Connection, kinds ...string) (*LeverAccount, error) {
	d, err := svc.eng.Driver(c)
	if err != nil {
		return nil, err
	}
	a := &LeverAccount{Errors: map[string]error{}}
	if a.Stages, err = d.Stages(ctx, ""); err != nil {
		a.Errors["stages"] = err
		if errors.Is(err, ats.ErrUnauthorized) {
			return a, nil // every other call would say the same
		}
	}
	// Confidential postings too, when the credentials may see them.
	postings := func(confidential bool) iter.Seq2[*ats.Job, error] {
		return d.Jobs(ctx, ats.JobListing{Confidential: confidential})
	}
	for p, err := range engine.WithConfidential(c, &a.ConfidentialHidden, postings) {
		if err != nil {
			a.Errors["postings"] = err
			break
		}
		a.Postings = append(a.Postings, p)
	}
	sort.SliceStable(a.Postings, func(i, j int) bool { return a.Postings[i].Title < a.Postings[j].Title })
	for u, err := range d.Users(ctx, ats.UserListing{}) {
		if err != nil {
			a.Errors["users"] = err
			break
		}
		if !u.Deactivated {
			a.Users = append(a.Users, u)
		}
	}
	if engine.ReadsPart("tags", kinds...) {
		if tags, err := d.Tags(ctx); err != nil {
			a.Errors["tags"] = err
		} else {
			a.Tags = tags
			slices.Sort(a.Tags)
		}
	}
	if engine.ReadsPart("form_templates", kinds...) {
		for t, err := range d.Templates(ctx, ats.ResultsForm) {
			if err != nil {
				a.Errors["form_templates"] = err
				break
			}
			a.FormTemplates = append(a.FormTemplates, t.Title)
		}
	}
	if engine.ReadsPart("feedback_templates", kinds...) {
		for t, err := range d.Templates(ctx, ats.FeedbackForm) {
			if err != nil {
				a.Errors["feedback_templates"] = err
				break
			}
			a.FeedbackTemplates = append(a.FeedbackTemplates, t.Title)
		}
	}
	return a, nil
}

// Severities of a setup finding.
const (
	SeverityError   = flow.SeverityError   // the integration will not work: Activate refuses
	SeverityWarning = flow.SeverityWarning // it works, but not as the operator may expect yet
	SeverityOK      = flow.SeverityOK
)

// setupEnv is flow.SetupEnv for one integration's setup check.
type setupEnv struct {
	s                            engine.Settings
	prov                         *domain.Provider
	pkgs                         []domain.Package
	conn                         *domain.Connection
	acct                         *LeverAccount
	add                          func(sev, field, format string, args ...any)
	stage, posting, pkg, tagWarn func(field, label, v string)
}

func (v *setupEnv) Settings() engine.Settings                  { return v.s }
func (v *setupEnv) ProviderName() string                       { return v.prov.Name }
func (v *setupEnv) Packages() []domain.Package                 { return v.pkgs }
func (v *setupEnv) Add(sev, field, format string, args ...any) { v.add(sev, field, format, args...) }
func (v *setupEnv) Stage(field, label, stage string)           { v.stage(field, label, stage) }
func (v *setupEnv) Job(field, label, id string)                { v.posting(field, label, id) }
func (v *setupEnv) Package(field, label, id string)            { v.pkg(field, label, id) }
func (v *setupEnv) TagWarn(field, label, tag string)           { v.tagWarn(field, label, tag) }
func (v *setupEnv) ConnectionPerformsAs() bool                 { return v.conn.PerformAs != "" }
func (v *setupEnv) HasTag(tag string) (bool, bool) {
	return slices.Contains(v.acct.Tags, tag), v.acct.Errors["tags"] == nil
}

func (v *setupEnv) HasTemplate(kind ats.FormKind, title string) (bool, bool) {
	list, part := v.acct.FormTemplates, "form_templates"
	if kind == ats.FeedbackForm {
		list, part = v.acct.FeedbackTemplates, "feedback_templates"
	}
	return slices.Contains(list, title), v.acct.Errors[part] == nil
}

func (v *setupEnv) JobCarries(tag string) (bool, bool) {
	return slices.ContainsFunc(v.acct.Postings, func(p *ats.Job) bool { return slices.Contains(p.Tags, tag) }), v.acct.Errors["postings"] == nil
}

var _ flow.SetupEnv = (*setupEnv)(nil)

// Finding is one line of an integration's setup check, in plain words.
type Finding struct {
	Severity string
	Field    string // the setting it is about, if any
	Message  string
}

// Findings are the result of a setup check.
type Findings []Finding

// OK reports whether nothing would stop the integration working.
func (fs Findings) OK() bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return false
		}
	}
	return true
}

// CheckIntegration checks everything that would stop an integration
// working, with settings (nil: its stored ones) against the Lever account:
// the connection's state and credentials, the OAuth scopes the flow needs,
// every stage, posting, user, tag and template the settings name, the
// provider's packages, and the webhooks the flow needs (set up, and seen
// arriving).
func (svc *Service) CheckIntegration(ctx context.Context, integrationID string, settings json.RawMessage) (Findings, error) {
	var in *domain.Integration
	var conn *domain.Connection
	var prov *domain.Provider
	var pkgs []domain.Package
	var hooks []*domain.ConnectionWebhook
	var arrivals []*store.WebhookArrival
	var tagClashes []tagCollision
	err := svc.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if in, err = tx.IntegrationGet(ctx, integrationID); err != nil {
			return err
		}
		if conn, err = tx.ConnectionGet(ctx, in.ConnectionID); err != nil {
			return err
		}
		if prov, err = tx.ProviderGet(ctx, in.ProviderID); err != nil {
			return err
		}
		if pkgs, err = tx.PackageList(ctx, prov.ID); err != nil {
			return err
		}
		if hooks, err = tx.ConnectionWebhookList(ctx, conn.ID); err != nil {
			return err
		}
		if arrivals, err = tx.WebhookArrivalList(ctx, conn.ID); err != nil {
			return err
		}
		tagClashes, err = tagCollisions(ctx, tx, prov.ID, []string{conn.ID}, engine.PackageTags(pkgs))
		return err
	})
	if err != nil {
		return nil, err
	}
	if settings == nil {
		settings = in.Settings
	}
	var out Findings
	add := func(sev, field, format string, args ...any) {
		out = append(out, Finding{Severity: sev, Field: field, Message: fmt.Sprintf(format, args...)})
	}

	switch conn.Status {
	case domain.ConnDisconnected:
		add(SeverityError, "", "The connection %s is disconnected: connect it again to use this integration.", conn.Name)
		return out, nil
	case domain.ConnBroken:
		add(SeverityError, "", "The connection %s is broken (%s): connect it again; the events received meanwhile are kept and resume.", conn.Name, conn.StatusReason)
	}
	if env := svc.checkEnvironment(conn); len(env) > 0 {
		// Credentials for another environment cannot work; asking Lever
		// with them would only leak them there.
		return append(out, env...), nil
	}
	if conn.AuthKind == "oauth" && len(conn.Credentials.Scopes) > 0 {
		// A write scope gives its read ("view and manage").
		for _, sc := range engine.MissingScopes(conn.Credentials.Scopes, engine.LeverScopes(prov.Kind)) {
			if sc == leverscope.Confidential {
				continue // said below, with what it means
			}
			add(SeverityError, "", "The Lever authorization lacks the scope %s, which the %s flow needs: connect again to grant it.", sc, kindLabel(prov.Kind))
		}
	}

	s, err := engine.ParseSettings(settings)
	if err != nil {
		add(SeverityError, "", "The settings are not valid: %v", err)
		return out, nil
	}
	s = s.WithDefaults(prov)

	acct, err := svc.Account(ctx, conn, prov.Kind)
	if err != nil {
		add(SeverityError, "", "stagecoach cannot reach Lever for this connection: %v", err)
		return out, nil
	}
	if err := acct.Errors["stages"]; err != nil && errors.Is(err, ats.ErrUnauthorized) {
		msg := "Lever refused the connection's credentials (revoked, expired, or mistyped)"
		if conn.Environment == "production" {
			msg += "; a sandbox key or token used against production is refused this way: pick the sandbox environment for it"
		}
		add(SeverityError, "", "%s: %v", msg, err)
		return out, nil
	}
	if acct.ConfidentialHidden && acct.Errors["postings"] == nil {
		why := "the API key was created without access to confidential data (Lever grants it only when a key is created: generate a new key with it)"
		if conn.AuthKind == "oauth" {
			why = "the Lever authorization lacks the scope " + leverscope.Confidential + " (connect again to grant it)"
		}
		add(SeverityWarning, "", "Confidential postings and their candidates are out of reach: %s. The %s flow will not see them: %s.", why, kindLabel(prov.Kind), confidentialMisses(prov.Kind))
	}
	for part, err := range acct.Errors {
		if errors.Is(err, ats.ErrForbidden) {
			add(SeverityError, "", "Lever does not let this connection read %s: give the API key or app the %s:read:admin permission.", strings.ReplaceAll(part, "_", " "), part)
		} else {
			add(SeverityWarning, "", "Could not read %s from Lever: %v", strings.ReplaceAll(part, "_", " "), err)
		}
	}

	stage := func(field, label, v string) {
		if v == "" || v == "-" {
			return
		}
		if _, err := engine.FindStage(acct.Stages, v); err != nil && acct.Errors["stages"] == nil {
			add(SeverityError, field, "The %s %q is not a stage of this Lever account: create it in Lever or pick another.", label, v)
		}
	}
	hasTag := func(t string) bool { return slices.Contains(acct.Tags, t) }
	tagWarn := func(field, label, t string) {
		if t != "" && acct.Errors["tags"] == nil && !hasTag(t) {
			add(SeverityWarning, field, "The %s %q does not exist in Lever yet; Lever creates it the first time stagecoach uses it.", label, t)
		}
	}
	posting := func(field, label, id string) {
		if acct.Errors["postings"] != nil {
			return
		}
		if !slices.ContainsFunc(acct.Postings, func(p *ats.Job) bool { return p.ID == id }) {
			add(SeverityError, field, "The %s %q is not a posting of this Lever account.", label, id)
		}
	}
	pkg := func(field, label, id string) {
		if !slices.ContainsFunc(pkgs, func(p domain.Package) bool { return p.ID == id }) {
			add(SeverityError, field, "The %s %q is not one of %s's packages.", label, id, prov.Name)
		}
	}
	user := func(field, label, v string) {
		if v == "" || acct.Errors["users"] != nil {
			return
		}
		if slices.ContainsFunc(acct.Users, func(u *ats.User) bool { return u.ID == v || strings.EqualFold(u.Email, v) }) {
			return
		}
		d, err := svc.eng.Driver(conn)
		if err != nil {
			add(SeverityError, field, "The %s user %q cannot be checked: %v.", label, v, err)
			return
		}
		for u, err := range d.Users(ctx, ats.UserListing{IncludeDeactivated: true}) {
			if err != nil {
				add(SeverityWarning, field, "The %s user %q could not be checked: %v.", label, v, err)
				return
			}
			if u.ID == v || strings.EqualFold(u.Email, v) {
				add(SeverityError, field, "The %s user %s (%s) is deactivated in Lever: Lever refuses writes made as them. Pick an active user.", label, u.Name, u.Email)
				return
			}
		}
		add(SeverityError, field, "The %s user %q does not exist in this Lever account.", label, v)
	}

	stage("triggerStage", "trigger stage", s.TriggerStage)
	user("performAs", "perform-as", s.PerformAs)
	user("", "connection's default perform-as", conn.PerformAs)
	if k, err := flow.Lookup(prov.Kind); err == nil {
		if sc, ok := k.(flow.SetupChecker); ok {
			sc.CheckSetup(&setupEnv{s: s, prov: prov, pkgs: pkgs, conn: conn, acct: acct, add: add, stage: stage, posting: posting, pkg: pkg, tagWarn: tagWarn})
		}
	}
	for _, c := range tagClashes {
		add(SeverityError, "", "The package tag %q is also a package tag of %s, enabled on this connection: both would be ordered for the same candidates. Have one of them publish another tag, or disable %s here.", c.Tag, c.Other.Name, c.Other.Name)
	}
	if prov.WebhookURL == "" {
		add(SeverityWarning, "", "%s has no webhook URL yet, so it is not told about new orders.", prov.Name)
	}
	out = append(out, checkWebhooks(svc.eng.WebhookEvents(prov.Kind), hooks, arrivals)...)
	if out.OK() {
		msg := "Everything this integration needs is in place."
		if len(out) > 0 {
			msg = "Nothing stops this integration working; the notes above say what to expect."
		}
		add(SeverityOK, "", "%s", msg)
	}
	out = append(out, checkVerification(arrivals)...)
	return out, nil
}

// confidentialMisses says what a flow of kind misses on confidential
// postings.
func confidentialMisses(kind string) string {
	if k, err := flow.Lookup(kind); err == nil {
		return k.ConfidentialMisses()
	}
	return "their candidates are not seen"
}

// checkVerification reports the last "verify connection" test request
// Lever sent: verified, or signed with no token stagecoach has.
func checkVerification(arrivals []*store.WebhookArrival) Findings {
	i := slices.IndexFunc(arrivals, func(a *store.WebhookArrival) bool { return a.Event == store.VerifyArrival })
	if i < 0 {
		return nil
	}
	at := arrivals[i].ArrivedAt.UTC().Format("2006-01-02 15:04 UTC")
	if arrivals[i].Result == store.ArrivalSignatureMismatch {
		return Findings{{SeverityWarning, "", fmt.Sprintf("Lever's verify-connection test (%s): signature did not match: copy the token again. The signing token entered here is not the one Lever signs with; Lever's deliveries signed with it are refused.", at)}}
	}
	return Findings{{SeverityOK, "", fmt.Sprintf("Lever's verify-connection test (%s): verified.", at)}}
}

// checkWebhooks says which of the needed events have no signing token and
// which have never been seen arriving.
func checkWebhooks(events []string, hooks []*domain.ConnectionWebhook, arrivals []*store.WebhookArrival) Findings {
	var out Findings
	wide := slices.ContainsFunc(hooks, func(h *domain.ConnectionWebhook) bool { return h.Event == "*" })
	arrived := func(ev string) bool {
		return slices.ContainsFunc(arrivals, func(a *store.WebhookArrival) bool { return a.Event == ev })
	}
	var silent []string
	for _, ev := range events {
		own := slices.ContainsFunc(hooks, func(h *domain.ConnectionWebhook) bool { return h.Event == ev })
		if !own && !wide {
			out = append(out, Finding{SeverityError, "", fmt.Sprintf("The Lever webhook %s is not set up: register the webhooks, or enable it in Lever and enter its signing token.", ev)})
			continue
		}
		if !arrived(ev) && !(!own && arrived("*")) {
			silent = append(silent, ev)
		}
	}
	if len(silent) > 0 {
		out = append(out, Finding{SeverityWarning, "", fmt.Sprintf("No %s webhook has arrived yet: press \"Check webhooks\" on the connection, or move a candidate in Lever. A webhook registered through the API still needs a Lever Super Admin to turn its event group on in engine.Settings → Integrations and API → Webhooks.", strings.Join(silent, ", "))})
	}
	return out
}

// checkEnvironment reports what the connection's driver can tell is wrong
// with its configuration before anything is asked of the ATS (Lever: an
// OAuth token issued for another environment).
func (svc *Service) checkEnvironment(c *domain.Connection) Findings {
	d, err := svc.eng.OpenDriver(c)
	if err != nil {
		return Findings{{SeverityError, "", err.Error()}}
	}
	var out Findings
	if cc, ok := d.(ats.ConfigChecker); ok {
		for _, msg := range cc.CheckConfig() {
			out = append(out, Finding{SeverityError, "", msg})
		}
	}
	return out
}

func kindLabel(kind string) string {
	if k, err := flow.Lookup(kind); err == nil {
		return k.Label()
	}
	return kind
}
