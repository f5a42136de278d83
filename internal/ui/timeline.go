package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// This file turns what stagecoach recorded about an order or an export (the
// Lever webhooks and the decisions taken on them, what the provider
// reported, the effect journal's writes to Lever and the webhooks sent to
// the provider) into the sentences of its timeline. All wording is here.

// step is one line of an order's timeline.
type step struct {
	At     time.Time
	Source string // lever, stagecoach, provider, lever-write, webhook
	// Text is the step as a sentence.
	Text   string
	Status string // shown as a badge when the step is not settled
	// Problem is what went wrong, in words, when something did.
	Problem string
	// Raw is the recorded payload, indented, with file contents left out.
	Raw  string
	Link string
	// rank orders steps recorded at the same instant by cause: the Lever
	// webhook, the decision on it, the order it made, the writes, then the
	// webhooks to the provider.
	rank int
}

// names are the names stagecoach knows for the ids a timeline mentions.
type names struct {
	Stages       map[string]string // Lever stage id → name
	Provider     string            // the provider's name
	FormTemplate string            // the profile form template's name, once found
}

func (n names) stage(id string) string {
	if s := n.Stages[id]; s != "" {
		return s
	}
	if id == "" {
		return "another stage"
	}
	return "stage " + id
}

func (n names) provider() string {
	if n.Provider != "" {
		return n.Provider
	}
	return "the provider"
}

// leverEventStep says what a Lever webhook (or the sweep for missed ones)
// reported. The data fields read are those of Lever's webhook payloads
// (docs/lever-fidelity.md; candidateStageChange carries fromStageId and
// toStageId, candidateArchiveChange toArchived, null when unarchived).
func leverEventStep(ev *domain.LeverEvent, n names) step {
	var data struct {
		From       string          `json:"fromStageId"`
		To         string          `json:"toStageId"`
		ToArchived json.RawMessage `json:"toArchived"`
	}
	_ = json.Unmarshal(ev.Payload, &data)
	var text string
	switch ev.Event {
	case "candidateStageChange":
		if data.From != "" {
			text = fmt.Sprintf("Moved from %s to %s in Lever", n.stage(data.From), n.stage(data.To))
		} else {
			text = fmt.Sprintf("Moved to %s in Lever", n.stage(data.To))
		}
	case "candidateArchiveChange":
		if len(data.ToArchived) == 0 || string(data.ToArchived) == "null" {
			text = "Unarchived in Lever"
		} else {
			text = "Archived in Lever"
		}
	case "candidateHired":
		text = "Hired in Lever"
	case "candidateDeleted":
		text = "Deleted in Lever"
	case "applicationCreated":
		text = "Applied in Lever"
	case "interviewCreated":
		text = "An interview was scheduled in Lever"
	case "interviewUpdated":
		text = "An interview was changed in Lever"
	case "interviewDeleted":
		text = "An interview was removed in Lever"
	default:
		text = "Lever sent " + ev.Event
	}
	if ev.Source == "reconcile" {
		text += " (found by the sweep for missed webhooks)"
	}
	return step{At: ev.ReceivedAt, Source: "lever", Text: text, Raw: rawJSON(ev.Payload), Link: "/events?opportunity=" + ev.OpportunityID, rank: 0}
}

// decisionStep says what stagecoach decided on a Lever event.
func decisionStep(dc *domain.Decision) step {
	var text string
	switch dc.Decision {
	case domain.DecisionIgnored:
		text = "Did nothing: " + dc.Reason
	case domain.DecisionOrdered, domain.DecisionReinvited, domain.DecisionCancelled:
		text = sentence(dc.Reason)
	default:
		text = sentence(dc.Decision + ": " + dc.Reason)
	}
	return step{At: dc.CreatedAt, Source: "stagecoach", Text: text, rank: 1}
}

// orderEventStep says what the provider reported (or, for "created" and a
// cancellation stagecoach made, what stagecoach did).
func orderEventStep(oe *domain.OrderEvent, n names) step {
	var in struct {
		Score          *float64   `json:"score"`
		MaxScore       *float64   `json:"maxScore"`
		Result         string     `json:"result"`
		Reason         string     `json:"reason"`
		StartsAt       *time.Time `json:"startsAt"`
		Interviewer    string     `json:"interviewer"`
		Round          string     `json:"round"`
		Recommendation string     `json:"recommendation"`
		Report         *struct {
			Filename string `json:"filename"`
			URL      string `json:"url"`
		} `json:"report"`
	}
	_ = json.Unmarshal(oe.Payload, &in)
	p := n.provider()
	st := step{At: oe.CreatedAt, Source: "provider", Raw: rawJSON(oe.Payload), rank: 2}
	switch oe.Type {
	case domain.OrderCreated:
		st.Source, st.Text = "stagecoach", "Order placed with "+p
	case domain.OrderInvited:
		st.Text = sentence(p + " invited the candidate")
	case domain.OrderScheduled:
		st.Text = sentence(p + " scheduled it")
		if in.StartsAt != nil {
			st.Text += " for " + in.StartsAt.UTC().Format("2 Jan 2006 15:04") + " UTC"
		}
		if in.Interviewer != "" {
			st.Text += " with " + in.Interviewer
		}
	case "rescheduled":
		st.Text = sentence(p + " rescheduled it")
		if in.StartsAt != nil {
			st.Text += " to " + in.StartsAt.UTC().Format("2 Jan 2006 15:04") + " UTC"
		}
	case domain.OrderStarted:
		st.Text = "The candidate started"
	case domain.OrderCompleted:
		st.Text = sentence(p + " reported the result")
		var parts []string
		if in.Score != nil && in.MaxScore != nil {
			parts = append(parts, "score "+score(*in.Score, *in.MaxScore))
		}
		if in.Result != "" {
			parts = append(parts, in.Result)
		}
		if in.Report != nil && (in.Report.Filename != "" || in.Report.URL != "") {
			parts = append(parts, "with a report")
		}
		if len(parts) > 0 {
			st.Text += ": " + strings.Join(parts, ", ")
		}
	case "feedback":
		st.Text = sentence(p + " sent the feedback")
		if in.Round != "" {
			st.Text += " of " + in.Round
		}
		if in.Recommendation != "" {
			st.Text += " (" + in.Recommendation + ")"
		}
	case domain.OrderCancelled:
		st.Text = "Cancelled"
		if in.Reason != "" {
			st.Text += ": " + cancelReason(in.Reason)
		}
	case domain.OrderExpired:
		st.Text = "Expired"
	default:
		st.Text = sentence(p + " reported " + oe.Type)
	}
	return st
}

func cancelReason(r string) string {
	if r == "opportunity_deleted" {
		return "the opportunity was deleted in Lever"
	}
	return r
}

// effectStep says what a write to Lever from the effect journal did. The
// step is placed at the entry's creation, which the journal records before
// sending: the write comes before the webhook Lever sends about it.
func effectStep(ef *domain.Effect, n names) step {
	var p struct {
		Stage     string   `json:"stage"`
		Tags      []string `json:"tags"`
		Value     string   `json:"value"`
		Name      string   `json:"name"`
		Bytes     int      `json:"bytes"`
		Text      string   `json:"text"`
		Template  string   `json:"template"`
		Round     string   `json:"round"`
		Recommend string   `json:"recommendation"`
		PostingID string   `json:"postingId"`
		Score     string   `json:"score"`
		MaxScore  string   `json:"max score"`
		Assess    string   `json:"assessment"`
	}
	_ = json.Unmarshal(ef.Payload, &p)
	done := ef.Status == domain.EffectDone
	var text string
	switch ef.Kind {
	case "stage":
		text = verb(done, "Moved", "Moving") + " to " + n.stage(p.Stage) + " by stagecoach"
	case "note":
		text = verb(done, "Added", "Adding") + " a note: “" + firstLine(p.Value) + "”"
	case "add_tags":
		text = verb(done, "Tagged", "Tagging") + " " + quoteList(p.Tags)
	case "remove_tags":
		text = verb(done, "Removed", "Removing") + " the tag"
		if len(p.Tags) != 1 {
			text += "s"
		}
		text += " " + quoteList(p.Tags)
	case "file":
		text = verb(done, "Uploaded", "Uploading") + " " + p.Name + ", " + size(p.Bytes)
	case "form_template":
		text = verb(done, "Found or created", "Finding or creating") + " the form template '" + p.Text + "'"
	case "profile_form":
		name := n.FormTemplate
		if name == "" {
			name = p.Assess
		}
		text = verb(done, "Wrote", "Writing") + " the results form '" + name + "'"
		if p.Score != "" && p.MaxScore != "" {
			text += " (score " + p.Score + "/" + p.MaxScore + ")"
		}
	case "feedback_template":
		text = verb(done, "Found or created", "Finding or creating") + " the feedback template '" + p.Text + "'"
	case "feedback":
		text = verb(done, "Wrote", "Writing") + " the feedback form"
		if p.Round != "" {
			text += " for " + p.Round
		}
		if p.Recommend != "" {
			text += " (" + p.Recommend + ")"
		}
	case "posting_tags":
		text = verb(done, "Tagged", "Tagging") + " the posting with " + quoteList(p.Tags)
	case "create_opportunity":
		text = verb(done, "Created", "Creating") + " the opportunity in Lever"
	default:
		text = verb(done, "Wrote", "Writing") + " " + strings.ReplaceAll(ef.Kind, "_", " ") + " to Lever"
	}
	st := step{At: ef.CreatedAt, Source: "lever-write", Text: text, Raw: rawJSON(ef.Payload), rank: 3}
	if ef.Status == domain.EffectFailed {
		st.Text = "Lever refused: " + lowerFirst(text)
	}
	if !done {
		st.Status = ef.Status
	}
	if ef.LastError != "" {
		st.Problem = sentence(ef.LastError)
	}
	if ef.Result != "" && ef.Kind != "stage" {
		st.Raw = "Lever id: " + ef.Result + "\n" + st.Raw
	}
	return st
}

// webhookStep says what became of a webhook to the provider.
func webhookStep(j *domain.Job, n names) step {
	var args struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(j.Args, &args)
	what := args.Type
	if what == "" {
		what = "a webhook"
	}
	to := n.provider()
	st := step{At: j.CreatedAt, Source: "webhook", rank: 4}
	switch j.Status {
	case domain.JobDone:
		st.Text = "Sent " + what + " to " + to
	case domain.JobDead:
		st.Text = "Could not send " + what + " to " + to + " (gave up after " + plural(j.Attempt, "attempt", "attempts") + ")"
		st.Status, st.Link = j.Status, "/dead-letters"
	default:
		st.Text = "Sending " + what + " to " + to
		if j.Attempt > 0 {
			st.Text += " (attempt " + strconv.Itoa(j.Attempt) + " of " + strconv.Itoa(j.MaxAttempts) + ")"
		}
		st.Status = "pending"
	}
	if j.LastError != "" {
		st.Problem = sentence(j.LastError)
	}
	st.Raw = rawJSON(j.Args)
	return st
}

// orderSteps puts steps in causal order: by time, then, for steps recorded
// at the same instant, cause before consequence.
func orderSteps(steps []step) {
	slices.SortStableFunc(steps, func(a, b step) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return a.rank - b.rank
	})
}

func verb(done bool, past, ongoing string) string {
	if done {
		return past
	}
	return ongoing
}

// score writes 86 of 100 as 86/100.
func score(s, max float64) string {
	return strconv.FormatFloat(s, 'f', -1, 64) + "/" + strconv.FormatFloat(max, 'f', -1, 64)
}

// size writes a byte count as people read it: 812 B, 1.3 kB, 2.4 MB.
func size(n int) string {
	switch {
	case n < 1000:
		return strconv.Itoa(n) + " B"
	case n < 1000*1000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + " kB"
	}
	return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + " MB"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = "'" + s + "'"
	}
	return strings.Join(q, ", ")
}

// firstLine is a note's first line, without stagecoach's reference marker,
// cut to a readable length.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > 120 {
		r := []rune(s)
		s = strings.TrimSpace(string(r[:120])) + "…"
	}
	return s
}

// sentence starts s with a capital letter.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// rawJSON indents a recorded payload for the "raw" view, leaving out the
// contents of files sent inline (fields named …Base64): they say nothing to
// a person and can be megabytes long.
func rawJSON(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return ""
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	out, err := json.MarshalIndent(dropBase64(v), "", "  ")
	if err != nil {
		return string(b)
	}
	return string(out)
}

func dropBase64(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && strings.HasSuffix(strings.ToLower(k), "base64") {
				x[k] = fmt.Sprintf("(%s of file contents, not shown)", size(len(s)*3/4))
				continue
			}
			x[k] = dropBase64(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropBase64(e)
		}
	}
	return v
}

// timeline gathers what happened to one order or export, in causal order:
// the Lever webhooks about its opportunity with what the integration
// decided, what the provider reported (orders), every write to Lever from
// the effect journal (keyed by the order or export id), and the webhooks
// sent to the provider from the outbox (hookQueue).
//
// The stage names in n are read before the transaction (stageNames): a
// Lever call waits on the rate limiter, which takes the database too.
func timeline(ctx context.Context, tx *store.Tx, n names, connID, oppID, integrationID, journalID, hookQueue string) ([]step, error) {
	var steps []step
	if oppID != "" {
		evs, err := tx.LeverEventList(ctx, store.LeverEventFilter{ConnectionIDs: []string{connID}, OpportunityID: oppID, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, ev := range evs {
			steps = append(steps, leverEventStep(ev, n))
			ds, err := tx.DecisionList(ctx, ev.ID)
			if err != nil {
				return nil, err
			}
			for _, dc := range ds {
				if dc.IntegrationID == integrationID {
					steps = append(steps, decisionStep(dc))
				}
			}
		}
	}
	oes, err := tx.OrderEventList(ctx, journalID)
	if err != nil {
		return nil, err
	}
	for _, oe := range oes {
		steps = append(steps, orderEventStep(oe, n))
	}
	effs, err := tx.EffectList(ctx, journalID)
	if err != nil {
		return nil, err
	}
	// The form template is found or created once for the integration; a
	// results form was written under the latest one recorded before it.
	var templates []*domain.Effect
	if slices.ContainsFunc(effs, func(ef *domain.Effect) bool { return ef.Kind == "profile_form" }) {
		if templates, err = tx.EffectsByKeyPrefix(ctx, integrationID+":form-template:"); err != nil {
			return nil, err
		}
	}
	for _, ef := range effs {
		if ef.Kind == "profile_form" {
			n.FormTemplate = ""
			for _, tpl := range templates {
				var p struct {
					Text string `json:"text"`
				}
				if !tpl.CreatedAt.After(ef.CreatedAt) && json.Unmarshal(tpl.Payload, &p) == nil {
					n.FormTemplate = p.Text
				}
			}
		}
		steps = append(steps, effectStep(ef, n))
	}
	jobs, err := tx.JobListByQueue(ctx, hookQueue)
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		steps = append(steps, webhookStep(j, n))
	}
	orderSteps(steps)
	return steps, nil
}

// stageCacheFor is how long the names of a connection's stages are reused.
const stageCacheFor = time.Minute

type stageNameCache struct {
	mu       sync.Mutex
	conns    map[string]cachedStages
	postings map[string]cachedPosting // by connection and posting id
}

type cachedPosting struct {
	at    time.Time
	title string
}

type cachedStages struct {
	at    time.Time
	names map[string]string
}

// stageNames returns the names of a connection's Lever stages by id, read
// from Lever and kept for a minute. When Lever cannot be asked (a broken or
// disconnected connection), the timeline shows the ids.
func (u *UI) stageNames(ctx context.Context, conn *domain.Connection) map[string]string {
	if conn == nil {
		return nil
	}
	now := u.cfg.NowFunc()
	u.stages.mu.Lock()
	c, ok := u.stages.conns[conn.ID]
	u.stages.mu.Unlock()
	if ok && now.Sub(c.at) < stageCacheFor {
		return c.names
	}
	m := map[string]string{}
	if conn.Status == domain.ConnActive {
		if d, err := u.eng.Driver(conn); err == nil {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			// Account-wide stages (Lever's); an ATS whose stages are per
			// job shows the ids.
			stages, err := d.Stages(ctx, "")
			cancel()
			if err != nil {
				u.log.Info("timeline: stage names not read", "connection", conn.ID, "error", err)
			}
			for _, s := range stages {
				m[s.ID] = s.Name
			}
		}
	}
	u.stages.mu.Lock()
	if u.stages.conns == nil {
		u.stages.conns = map[string]cachedStages{}
	}
	u.stages.conns[conn.ID] = cachedStages{at: now, names: m}
	u.stages.mu.Unlock()
	return m
}

// postingTitle returns the title of a Lever posting, read from Lever and
// kept for a minute; "" when Lever cannot be asked. Called outside a
// transaction, as stageNames.
func (u *UI) postingTitle(ctx context.Context, conn *domain.Connection, id string) string {
	if conn == nil || id == "" {
		return ""
	}
	now := u.cfg.NowFunc()
	key := conn.ID + "\x00" + id
	u.stages.mu.Lock()
	c, ok := u.stages.postings[key]
	u.stages.mu.Unlock()
	if ok && now.Sub(c.at) < stageCacheFor {
		return c.title
	}
	title := ""
	if conn.Status == domain.ConnActive {
		if d, err := u.eng.Driver(conn); err == nil {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if j, err := d.Job(ctx, id); err == nil {
				title = j.Title
			} else {
				u.log.Info("order page: posting title not read", "connection", conn.ID, "posting", id, "error", err)
			}
			cancel()
		}
	}
	u.stages.mu.Lock()
	if u.stages.postings == nil {
		u.stages.postings = map[string]cachedPosting{}
	}
	u.stages.postings[key] = cachedPosting{at: now, title: title}
	u.stages.mu.Unlock()
	return title
}
