package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"strings"
	"time"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/fetch"
	"stagecoach/internal/flow/sourcing"
	"stagecoach/internal/queue"
	"stagecoach/internal/store"
)

// JobExportSync makes or updates the Lever opportunity of an export. It is
// stored: never rename it.
const JobExportSync = "export_sync"

// Webhook types about exports. The seven Lever events passed on to a
// sourcing provider are "export." followed by Lever's event name.
const (
	WebhookExportCreated = sourcing.WebhookExportCreated
	WebhookExportFailed  = sourcing.WebhookExportFailed
)

// exportEvents are the Lever events passed on to sourcing providers.
var exportEvents = sourcing.Events

// exportSyncArgs bring one export's state into Lever (and Lever's back):
// the work of one export runs in order.
type exportSyncArgs struct {
	ExportID string `json:"exportId"`
}

func (exportSyncArgs) Kind() string       { return JobExportSync }
func (a exportSyncArgs) QueueKey() string { return "export:" + a.ExportID }

func (e *Engine) enqueueExportSync(ctx context.Context, tx *store.Tx, x *domain.Export) error {
	_, err := queue.Insert(ctx, tx, exportSyncArgs{ExportID: x.ID}, nil)
	return err
}

// enqueueExportWebhook records a webhook about an export. A message with the
// same unique key is recorded once, so that routing an event again after a
// crash does not tell the provider twice. Its data never holds personal
// data: {"export": <export>, "change": <what happened>}.
func (e *Engine) enqueueExportWebhook(ctx context.Context, tx *store.Tx, x *domain.Export, typ, uniqueKey string, change any) (bool, error) {
	id := domain.NewID("msg")
	if uniqueKey == "" {
		uniqueKey = id
	}
	if change == nil {
		change = map[string]any{}
	}
	data := map[string]any{"export": ViewExport(x), "change": change}
	// The ordering key EnqueueProviderMessage is given for an export.
	return queue.Insert(ctx, tx, providerWebhookArgs{ProviderID: x.ProviderID, MessageID: id, Type: typ, Timestamp: tx.Now(), Data: mustJSON(data), OrderingKey: "export:" + x.ID},
		&queue.InsertOpts{UniqueKey: uniqueKey})
}

// exportWork is what the sync of one export needs.
type exportWork struct {
	x        *domain.Export
	integ    *domain.Integration
	provider *domain.Provider
	conn     *domain.Connection
	settings Settings
	drv      ats.FlowDriver
	log      *slog.Logger
}

func (e *Engine) workExportSync(ctx context.Context, job *queue.Job, args exportSyncArgs) error {
	w := &exportWork{}
	err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
		if w.x, err = tx.ExportGet(ctx, args.ExportID); err != nil {
			return err
		}
		if w.integ, err = tx.IntegrationGet(ctx, w.x.IntegrationID); err != nil {
			return err
		}
		if w.provider, err = tx.ProviderGet(ctx, w.x.ProviderID); err != nil {
			return err
		}
		if w.conn, err = tx.ConnectionGet(ctx, w.x.ConnectionID); err != nil {
			return err
		}
		w.settings, err = e.integrationSettings(w.integ, w.provider)
		return err
	})
	if store.IsNotFound(err) {
		return queue.Cancel(err)
	}
	if err != nil {
		return err
	}
	if w.x.Status == domain.ExportDeleted || w.x.Status == domain.ExportFailed {
		return nil
	}
	switch w.conn.Status {
	case domain.ConnBroken:
		return queue.Snooze(time.Minute, "connection broken: waiting for it to be reconnected")
	case domain.ConnDisconnected:
		return queue.Cancel(fmt.Errorf("connection %s is disconnected", w.conn.ID))
	}
	if !w.integ.Enabled {
		return queue.Cancel(fmt.Errorf("integration %s is disabled", w.integ.ID))
	}
	if w.drv, err = e.Driver(w.conn); err != nil {
		return err
	}
	w.log = e.log.With(slog.String("connection_id", w.conn.ID), slog.String("export_id", w.x.ID), slog.String("opportunity_id", w.x.OpportunityID))
	if w.x.OpportunityID == "" {
		return e.exportCreate(ctx, w)
	}
	return e.exportUpdateLever(ctx, w)
}

// failExport records why an export cannot be made and tells the provider.
// The provider's next export of the candidate tries again.
func (e *Engine) failExport(ctx context.Context, w *exportWork, why string) error {
	w.log.Warn("export failed", slog.String("reason", why))
	return e.db.InTx(ctx, func(tx *store.Tx) error {
		x, err := tx.ExportGet(ctx, w.x.ID)
		if err != nil {
			return err
		}
		x.LastError = why
		if x.OpportunityID == "" {
			x.Status = domain.ExportFailed
		}
		if err := tx.ExportUpdate(ctx, x); err != nil {
			return err
		}
		_, err = e.enqueueExportWebhook(ctx, tx, x, WebhookExportFailed, "", map[string]any{"error": why})
		return err
	})
}

// exportPerformAs returns the Lever user the export's writes are made as:
// the acting recruiter when they are an active Lever user, else the
// integration's perform-as user, else the connection's. It returns an
// invalid error, saying why, when there is none.
func (e *Engine) exportPerformAs(ctx context.Context, w *exportWork) (string, error) {
	if w.x.RecruiterEmail != "" {
		u, err := e.cachedUser(ctx, w.conn, w.drv, w.x.RecruiterEmail)
		if err == nil {
			return u.ID, nil
		}
		if domain.ErrorCode(err) != domain.EInvalid {
			return "", err
		}
	}
	if w.settings.PerformAs != "" {
		u, err := e.cachedUser(ctx, w.conn, w.drv, w.settings.PerformAs)
		if err != nil {
			if domain.ErrorCode(err) == domain.EInvalid {
				return "", domain.Errorf(domain.EInvalid, "the integration's %s; fix performAs in its settings", err.Error())
			}
			return "", err
		}
		return u.ID, nil
	}
	if w.conn.PerformAs != "" {
		return w.conn.PerformAs, nil
	}
	return "", domain.Errorf(domain.EInvalid, "no Lever user to create the opportunity as: the recruiter is not an active Lever user, and neither the integration nor the connection has a perform-as user")
}

// exportStage returns the Lever stage a new export enters: the mapped
// stage, else the integration's default funnel stage, else Lever's default
// ("" leaves it to Lever).
func (e *Engine) exportStage(ctx context.Context, w *exportWork) (ats.Stage, error) {
	name := w.settings.StageMap[w.x.ProviderStage]
	what := fmt.Sprintf("provider stage %q is mapped to", w.x.ProviderStage)
	if name == "" {
		name, what = w.settings.DefaultStage, "the default funnel stage is"
	}
	if name == "" {
		return ats.Stage{}, nil
	}
	st, err := e.ResolveStage(ctx, w.conn, name)
	if err != nil && domain.ErrorCode(err) == domain.EInvalid {
		return st, domain.Errorf(domain.EInvalid, "%s %q, which is not a Lever stage", what, name)
	}
	return st, err
}

// exportCV returns the export's CV as a file to upload, fetching it when it
// was given by URL.
func (e *Engine) exportCV(ctx context.Context, x *domain.Export) (*ats.File, error) {
	data := x.CV
	if len(data) == 0 && x.CVURL != "" {
		b, err := e.fetch.Get(ctx, x.CVURL, MaxCVBytes)
		switch {
		case errors.Is(err, fetch.ErrTooLarge):
			return nil, domain.Errorf(domain.EInvalid, "the CV at its URL is larger than 10 MiB")
		case fetch.Permanent(err):
			// The provider hears why; the URL, which may name the
			// candidate, stays out of it.
			return nil, domain.Errorf(domain.EInvalid, "cv.url: %v", err)
		case err != nil:
			return nil, fmt.Errorf("fetch CV: %w", err)
		}
		data = b
	}
	if len(data) == 0 {
		return nil, nil
	}
	ct, err := CVContentType(x.CVName, data)
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "the CV %s", err.Error())
	}
	return &ats.File{Name: x.CVName, ContentType: ct, Data: data}, nil
}

func cvSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// exportApply runs one effect of an export through the journal. The journal
// row carries the export id where an order's would carry the order id.
func (e *Engine) exportApply(ctx context.Context, w *exportWork, ef effect) (string, error) {
	return e.apply(ctx, w.conn, &domain.Order{ID: w.x.ID, OpportunityID: w.x.OpportunityID}, ef)
}

// exportCreate creates the opportunity of a new export.
func (e *Engine) exportCreate(ctx context.Context, w *exportWork) error {
	x := w.x
	as, err := e.exportPerformAs(ctx, w)
	if err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			return e.failExport(ctx, w, err.Error())
		}
		return e.leverError(ctx, w.conn.ID, err)
	}
	st, err := e.exportStage(ctx, w)
	if err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			return e.failExport(ctx, w, err.Error())
		}
		return e.leverError(ctx, w.conn.ID, err)
	}
	posting := w.settings.RolePostings[x.RoleID]
	in := ats.NewCandidate{Source: w.provider.Name, Tags: []string{w.provider.Name}, Stage: st.ID, JobID: posting}
	var cv *ats.File
	if x.Pseudonym != "" {
		in.Name = x.Pseudonym
	} else {
		p := x.Profile
		in.Name, in.Headline, in.Location, in.Emails = p.Name, p.Headline, p.Location, p.Emails
		if p.ProfileURL != "" {
			in.Links = append(in.Links, p.ProfileURL)
		}
		for _, l := range p.Links {
			if !containsExact(in.Links, l) {
				in.Links = append(in.Links, l)
			}
		}
		for _, ph := range p.Phones {
			in.Phones = append(in.Phones, ats.Phone{Type: ph.Type, Value: ph.Value})
		}
		if cv, err = e.exportCV(ctx, x); err != nil {
			if domain.ErrorCode(err) == domain.EInvalid {
				return e.failExport(ctx, w, err.Error())
			}
			return err
		}
		in.CV = cv
	}
	version := x.StageVersion
	ef := e.createOpportunityEffect(w, in, as)
	oppID, err := e.exportApply(ctx, w, ef)
	if err != nil {
		if refused, why := e.refusedByLever(ctx, ef.key, err); refused {
			return e.failExport(ctx, w, "Lever refused to create the opportunity: "+why)
		}
		return err
	}
	opp, err := w.drv.Application(ctx, oppID)
	if err != nil {
		return e.leverError(ctx, w.conn.ID, err)
	}
	w.log.Info("export created its Lever opportunity", slog.String("opportunity_id", oppID))
	// Lever answers 201 even for a field it did not read; what it kept is
	// only known by looking. The report names kinds and counts, never values.
	lost := notKept(in, opp)
	if len(lost) > 0 {
		w.log.Warn("Lever did not keep all the export sent", slog.String("opportunity_id", oppID), slog.Any("not_kept", lost))
	}
	return e.db.InTx(ctx, func(tx *store.Tx) error {
		x, err := tx.ExportGet(ctx, x.ID)
		if err != nil {
			return err
		}
		x.OpportunityID, x.OpportunityURL, x.PostingID = oppID, opp.URL, posting
		x.Status, x.LastError, x.StageSynced = domain.ExportExported, "", version
		if len(lost) > 0 {
			x.LastError = "Lever did not keep what the export sent: " + strings.Join(lost, ", ") + "; add them to the candidate in Lever"
		}
		if x.LeverStageID == "" || version == x.StageVersion {
			x.LeverStageID = opp.Stage.ID
		}
		if cv != nil {
			x.CVSHA = cvSum(cv.Data)
			if cvSum(x.CV) == x.CVSHA || len(x.CV) == 0 {
				x.CV = nil // in Lever now: stagecoach keeps no copy
			}
		}
		if err := tx.ExportUpdate(ctx, x); err != nil {
			return err
		}
		change := map[string]any{"performedAs": as}
		if len(lost) > 0 {
			change["notKept"] = lost
		}
		_, err = e.enqueueExportWebhook(ctx, tx, x, WebhookExportCreated, "exp:"+x.ID+":created", change)
		return err
	})
}

// createOpportunityEffect creates the export's opportunity. Lever's create
// call takes no idempotency key, so after an attempt whose outcome is
// unknown the journal first looks for the opportunity it may have made:
// one carrying the provider's tag, updated since the export was recorded,
// on the mapped posting, that is the candidate (one of the e-mails, or the
// profile link, or — with neither — the name; the pseudonym for a
// pseudonymous export) and that no other export is linked to.
func (e *Engine) createOpportunityEffect(w *exportWork, in ats.NewCandidate, as string) effect {
	x, d := w.x, w.drv
	find := func(ctx context.Context) (bool, string, error) {
		// On a confidential posting the opportunity is confidential too.
		list := func(confidential bool) iter.Seq2[*ats.Application, error] {
			return d.Applications(ctx, ats.ApplicationListing{Tag: w.provider.Name, JobID: in.JobID, UpdatedSince: x.CreatedAt.Add(-time.Minute), Confidential: confidential})
		}
		for o, err := range withConfidential(w.conn, nil, list) {
			if err != nil {
				return false, "", err
			}
			if !isExportOpportunity(x, o) {
				continue
			}
			var others []*domain.Export
			if err := e.db.InTx(ctx, func(tx *store.Tx) (err error) {
				others, err = tx.ExportsByOpportunity(ctx, x.ConnectionID, o.ID)
				return err
			}); err != nil {
				return false, "", err
			}
			if len(others) == 0 || (len(others) == 1 && others[0].ID == x.ID) {
				return true, o.ID, nil
			}
		}
		return false, "", nil
	}
	// The journal's payload names no person: it is kept after a purge.
	var postings []string
	if in.JobID != "" {
		postings = []string{in.JobID}
	}
	payload := map[string]any{"postings": postings, "stage": in.Stage, "origin": "sourced", "tags": in.Tags, "pseudonymous": x.Pseudonym != "", "resume": in.CV != nil}
	return effect{
		key: "exp:" + x.ID + ":create", kind: "create_opportunity", payload: payload,
		send: func(ctx context.Context) (string, error) {
			app, err := d.CreateCandidate(ctx, in, as)
			if err != nil {
				return "", err
			}
			return app.ID, nil
		},
		check: find,
	}
}

// notKept compares what a create sent with the opportunity Lever then shows
// and returns, per kind, how many values are missing ("phones (1 of 1)").
// Lever reformats values (a link without its scheme, a phone number with other
// punctuation), so links and phones are compared loosely.
func notKept(in ats.NewCandidate, o *ats.Application) []string {
	var lost []string
	check := func(kind string, sent []string, have []string, norm func(string) string) {
		kept := map[string]bool{}
		for _, h := range have {
			kept[norm(h)] = true
		}
		n := 0
		for _, v := range sent {
			if !kept[norm(v)] {
				n++
			}
		}
		if n > 0 {
			lost = append(lost, fmt.Sprintf("%s (%d of %d)", kind, n, len(sent)))
		}
	}
	fold := func(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
	link := func(s string) string {
		s = fold(s)
		for _, p := range []string{"https://", "http://", "www."} {
			s = strings.TrimPrefix(s, p)
		}
		return strings.TrimRight(s, "/")
	}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	phones := make([]string, 0, len(in.Phones))
	for _, p := range in.Phones {
		phones = append(phones, p.Value)
	}
	var have []string
	for _, p := range o.Candidate.Phones {
		have = append(have, p.Value)
	}
	var sources []string
	if in.Source != "" {
		sources = []string{in.Source}
	}
	check("emails", in.Emails, o.Candidate.Emails, fold)
	check("phones", phones, have, digits)
	check("links", in.Links, o.Candidate.Links, link)
	check("sources", sources, o.Sources, fold)
	check("tags", in.Tags, o.Tags, fold)
	return lost
}

// isExportOpportunity reports whether a Lever opportunity is the candidate
// of an export.
func isExportOpportunity(x *domain.Export, o *ats.Application) bool {
	if x.Pseudonym != "" {
		return o.Candidate.Name == x.Pseudonym
	}
	p := x.Profile
	for _, want := range p.Emails {
		for _, have := range o.Candidate.Emails {
			if strings.EqualFold(strings.TrimSpace(want), strings.TrimSpace(have)) {
				return true
			}
		}
	}
	if p.ProfileURL != "" && containsExact(o.Candidate.Links, p.ProfileURL) {
		return true
	}
	return len(p.Emails) == 0 && p.ProfileURL == "" && o.Candidate.Name == p.Name
}

// exportUpdateLever brings an exported opportunity up to date: a stage the
// provider reported since, and a new CV.
func (e *Engine) exportUpdateLever(ctx context.Context, w *exportWork) error {
	x := w.x
	as, err := e.exportPerformAs(ctx, w)
	if err != nil && domain.ErrorCode(err) != domain.EInvalid {
		return e.leverError(ctx, w.conn.ID, err)
	}
	if x.StageVersion > x.StageSynced {
		if err := e.exportMove(ctx, w, as); err != nil {
			return err
		}
	}
	if x.Pseudonym == "" && (len(x.CV) > 0 || x.CVURL != "") {
		cv, err := e.exportCV(ctx, x)
		if err != nil {
			if domain.ErrorCode(err) == domain.EInvalid {
				return e.failExport(ctx, w, err.Error())
			}
			return err
		}
		if cv != nil && cvSum(cv.Data) != x.CVSHA {
			if as == "" {
				return e.failExport(ctx, w, "no Lever user to upload the new CV as: set performAs on the integration")
			}
			sum := cvSum(cv.Data)
			if _, err := e.exportApply(ctx, w, fileEffect(w.drv, "exp:"+x.ID+":cv:"+sum[:16], x.OpportunityID, *cv, as)); err != nil {
				return err
			}
			return e.db.InTx(ctx, func(tx *store.Tx) error {
				cur, err := tx.ExportGet(ctx, x.ID)
				if err != nil {
					return err
				}
				cur.CVSHA = sum
				if cvSum(cur.CV) == sum {
					cur.CV = nil
				}
				return tx.ExportUpdate(ctx, cur)
			})
		}
	}
	return nil
}

// exportMove moves the opportunity to the Lever stage the provider's stage
// maps to. The target is recorded before Lever is asked, so that the
// candidateStageChange the move causes is recognised as stagecoach's own
// and not echoed back to the provider.
func (e *Engine) exportMove(ctx context.Context, w *exportWork, as string) error {
	x := w.x
	version := x.StageVersion
	done := func(tx *store.Tx, target string, why string) error {
		cur, err := tx.ExportGet(ctx, x.ID)
		if err != nil {
			return err
		}
		cur.StageSynced = max(cur.StageSynced, version)
		if target != "" {
			cur.LeverStageID = target
		}
		if why != "" {
			cur.LastError = why
		}
		return tx.ExportUpdate(ctx, cur)
	}
	name := w.settings.StageMap[x.ProviderStage]
	if name == "" {
		// An unmapped stage moves nothing once the candidate is in Lever.
		w.log.Info("provider stage is not mapped to a Lever stage; the opportunity stays where it is", slog.String("provider_stage", x.ProviderStage))
		return e.db.InTx(ctx, func(tx *store.Tx) error { return done(tx, "", "") })
	}
	st, err := e.ResolveStage(ctx, w.conn, name)
	if err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			why := fmt.Sprintf("provider stage %q is mapped to %q, which is not a Lever stage", x.ProviderStage, name)
			return e.db.InTx(ctx, func(tx *store.Tx) error { return done(tx, "", why) })
		}
		return e.leverError(ctx, w.conn.ID, err)
	}
	key := fmt.Sprintf("exp:%s:stage:%d", x.ID, version)
	if err := e.db.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.ExportGet(ctx, x.ID)
		if err != nil {
			return err
		}
		cur.LeverStageID = st.ID
		return tx.ExportUpdate(ctx, cur)
	}); err != nil {
		return err
	}
	if _, err := e.exportApply(ctx, w, stageEffect(w.drv, key, x.OpportunityID, st.ID, as)); err != nil {
		return err
	}
	return e.db.InTx(ctx, func(tx *store.Tx) error { return done(tx, "", "") })
}

// refusedByLever reports whether a journalled write failed for good (Lever
// answered 400, 403 or 404, now or on an earlier attempt), and why.
func (e *Engine) refusedByLever(ctx context.Context, key string, err error) (bool, string) {
	if errors.Is(err, ats.ErrRefused) || errors.Is(err, ats.ErrForbidden) || errors.Is(err, ats.ErrNotFound) {
		return true, err.Error()
	}
	var row *domain.Effect
	if e.db.InTx(ctx, func(tx *store.Tx) (err error) { row, err = tx.EffectGet(ctx, key); return }) == nil && row.Status == domain.EffectFailed {
		return true, row.LastError
	}
	return false, ""
}

// userCacheTTL is how long an export reuses a Lever user it looked up.
const userCacheTTL = time.Minute

type cachedLeverUser struct {
	at   time.Time
	user *ats.User
}

// cachedUser is lookupUser with the active users found kept for a minute,
// so that a burst of exports does not list Lever's users for each. A user
// deactivated meanwhile makes Lever refuse the write, which fails the
// export with Lever's reason.
func (e *Engine) cachedUser(ctx context.Context, conn *domain.Connection, d ats.FlowDriver, emailOrID string) (*ats.User, error) {
	key := conn.ID + "|" + strings.ToLower(strings.TrimSpace(emailOrID))
	e.mu.Lock()
	c, ok := e.users[key]
	e.mu.Unlock()
	if ok && time.Since(c.at) < userCacheTTL {
		return c.user, nil
	}
	u, err := e.lookupUser(ctx, d, emailOrID)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	if e.users == nil {
		e.users = map[string]cachedLeverUser{}
	}
	e.users[key] = cachedLeverUser{at: time.Now(), user: u}
	e.mu.Unlock()
	return u, nil
}
