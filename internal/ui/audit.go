package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"stagecoach/internal/domain"
	"stagecoach/internal/store"
)

// auditNote is what a handler adds to the audit entry of its request: a
// line of detail, and that it succeeded when it answers with a page rather
// than a redirect.
type auditNote struct {
	detail string
	done   bool
}

type auditKey struct{}

// auditDetail sets the detail of the request's audit entry, and marks the
// action done.
func auditDetail(r *http.Request, detail string) {
	if n, ok := r.Context().Value(auditKey{}).(*auditNote); ok {
		n.detail, n.done = detail, true
	}
}

// auditAction describes an audited request once its handler has run: what
// was done to what, and a line of detail the handler did not give. location
// is where the handler redirected to, if it did. An empty action records
// nothing.
type auditAction func(r *http.Request, location string) (action, target, detail string)

// audited records h's request in the audit log when it succeeds: when it
// redirects (every action does, after success) or when the handler says so
// (auditDetail), as those that show a secret once do. A refused request
// (an error page) is not recorded. The entry is written after the action,
// in a transaction of its own; a failure to write it is logged.
func (u *UI) audited(describe auditAction, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		note := &auditNote{}
		r = r.WithContext(context.WithValue(r.Context(), auditKey{}, note))
		sw := &statusWriter{ResponseWriter: w}
		h(sw, r)
		if !note.done && (sw.status < 300 || sw.status >= 400) {
			return
		}
		action, target, detail := describe(r, sw.Header().Get("Location"))
		if action == "" {
			return
		}
		if note.detail != "" {
			detail = note.detail
		}
		u.record(r, action, target, detail)
	}
}

// record writes an audit entry for the request's user.
func (u *UI) record(r *http.Request, action, target, detail string) {
	actor := "anonymous"
	if s := sessionFrom(r.Context()); s != nil {
		actor = s.user.Email
	}
	e := &store.AuditEntry{Actor: actor, Action: action, Target: target, Detail: detail}
	// The request may be over (the browser went on); the entry is written
	// all the same.
	ctx := context.WithoutCancel(r.Context())
	err := u.db.InTx(ctx, func(tx *store.Tx) error { return tx.AuditInsert(ctx, e) })
	if err != nil {
		u.log.Error("audit entry not written", slog.String("action", action), slog.String("target", target), slog.Any("error", err))
	}
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// on describes an action on the resource named by the path's id:
// on("provider.update", "provider") targets "provider:<id>".
func on(action, kind string) auditAction {
	return func(r *http.Request, _ string) (string, string, string) {
		return action, kind + ":" + r.PathValue("id"), ""
	}
}

// onForm describes an action on the resource a form field names.
func onForm(action, kind, field string) auditAction {
	return func(r *http.Request, _ string) (string, string, string) {
		return action, kind + ":" + strings.TrimSpace(r.PostFormValue(field)), ""
	}
}

// targetOf names the resource a redirect leads to: "/connections/c1"
// is "connection:c1".
func targetOf(location string) string {
	path, _, _ := strings.Cut(location, "?")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	return strings.TrimSuffix(parts[0], "s") + ":" + parts[1]
}

// connectionCreated records a connection made with an API key; one made by
// OAuth is recorded when Lever sends the browser back (connectedByOAuth).
func connectionCreated(r *http.Request, _ string) (string, string, string) {
	if r.PostFormValue("method") != "api_key" {
		return "", "", ""
	}
	return "connection.create", "connection:" + strings.TrimSpace(r.PostFormValue("id")), "with an API key"
}

func connectedByOAuth(_ *http.Request, location string) (string, string, string) {
	return "connection.connect_oauth", targetOf(location), "connected by OAuth"
}

func signingTokenSet(r *http.Request, _ string) (string, string, string) {
	return "connection.set_signing_token", "connection:" + r.PathValue("id"), "signing token of " + r.PostFormValue("event")
}

func connectionUpdated(r *http.Request, _ string) (string, string, string) {
	return "connection.update", "connection:" + r.PathValue("id"),
		"name “" + strings.TrimSpace(r.PostFormValue("name")) + "”, perform as " + orDash(strings.TrimSpace(r.PostFormValue("performAs")))
}

func integrationCreated(r *http.Request, location string) (string, string, string) {
	return "integration.create", targetOf(location), "provider " + r.PostFormValue("provider") + " on connection " + r.PathValue("id") + ", a draft"
}

func deliverySentAgain(r *http.Request, _ string) (string, string, string) {
	return "provider.send_again", "provider:" + r.PathValue("id"), "webhook job " + r.PathValue("job")
}

// auditedUser audits a change to the user the path's id names, by their
// e-mail (read before the change: a removed user is gone after it).
func (u *UI) auditedUser(action string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		target := "user:" + r.PathValue("id")
		_ = u.inTx(r, func(tx *store.Tx) error {
			if user, err := tx.UserGet(r.Context(), r.PathValue("id")); err == nil {
				target = "user:" + user.Email
			}
			return nil
		})
		u.audited(func(r *http.Request, _ string) (string, string, string) {
			detail := ""
			if action == "user.role" {
				detail = "role set to " + r.PostFormValue("role")
			}
			return action, target, detail
		}, h)(w, r)
	}
}

// auditedSettings audits an integration's save, activation or disabling,
// naming the settings that changed.
func (u *UI) auditedSettings(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		settings := func() map[string]json.RawMessage {
			var m map[string]json.RawMessage
			_ = u.inTx(r, func(tx *store.Tx) error {
				in, err := tx.IntegrationGet(r.Context(), id)
				if err == nil {
					_ = json.Unmarshal(in.Settings, &m)
				}
				return nil
			})
			return m
		}
		before := settings()
		changes := func() string {
			after := settings()
			var changed []string
			for k, v := range after {
				if !bytes.Equal(before[k], v) {
					changed = append(changed, k)
				}
			}
			for k := range before {
				if _, ok := after[k]; !ok {
					changed = append(changed, k)
				}
			}
			slices.Sort(changed)
			if len(changed) == 0 {
				return ""
			}
			return "settings changed: " + strings.Join(changed, ", ")
		}
		recorded := false
		u.audited(func(r *http.Request, _ string) (string, string, string) {
			recorded = true
			detail := changes()
			if detail == "" {
				detail = "no setting changed"
			}
			action := r.PostFormValue("action")
			switch action {
			case "":
				action = "save"
			case "activate_confirm":
				// Activate, once the candidates already in the stage were
				// listed and the operator chose.
				action = "activate"
				detail += "; candidates already in the stage: " + map[string]string{"listed": "ordered too", "none": "left alone"}[r.PostFormValue("include")]
			}
			return "integration." + action, "integration:" + id, detail
		}, h)(w, r)
		// Activate saves the settings before it lists the candidates already
		// in the stage, or refuses what the setup check finds: the settings
		// changed all the same.
		if !recorded {
			if detail := changes(); detail != "" {
				u.record(r, "integration.save", "integration:"+id, detail+" (not activated yet)")
			}
		}
	}
}

type auditData struct {
	Entries []*store.AuditEntry
	Actors  []string
	Filter  auditFilterForm
	// Retention is how long entries are kept; 0: for ever.
	Retention time.Duration
}

type auditFilterForm struct {
	Actor, Action, Target, Since, Until string
}

// The audit page's time filters take a date or a date and time, in UTC.
var auditTimeLayouts = []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02"}

func parseAuditTime(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range auditTimeLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, domain.Errorf(domain.EInvalid, "%s %q is not a date (2006-01-02) or a date and time (2006-01-02 15:04), in UTC", field, s)
}

func (u *UI) handleAuditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := auditData{Retention: u.cfg.RetainAudit, Filter: auditFilterForm{Actor: q.Get("actor"), Action: q.Get("action"),
		Target: strings.TrimSpace(q.Get("target")), Since: q.Get("since"), Until: q.Get("until")}}
	f := store.AuditFilter{Actor: d.Filter.Actor, Action: d.Filter.Action, Target: d.Filter.Target}
	var err error
	if f.Since, err = parseAuditTime("since", d.Filter.Since); err == nil {
		f.Until, err = parseAuditTime("until", d.Filter.Until)
	}
	if err != nil {
		u.render(w, r, http.StatusBadRequest, "audit.html", page{Title: "Audit log", Nav: "audit", Data: d, Error: errMessage(err)})
		return
	}
	if len(d.Filter.Until) == len("2006-01-02") {
		f.Until = f.Until.Add(24 * time.Hour) // a day given as "until" includes it
	}
	err = u.inTx(r, func(tx *store.Tx) (err error) {
		if d.Entries, err = tx.AuditList(r.Context(), f); err != nil {
			return err
		}
		d.Actors, err = tx.AuditActors(r.Context())
		return err
	})
	if err != nil {
		u.fail(w, r, err)
		return
	}
	u.render(w, r, http.StatusOK, "audit.html", page{Title: "Audit log", Nav: "audit", Data: d})
}

// auditTargetLink is the page of an audit entry's target, or "".
func auditTargetLink(target string) string {
	kind, id, ok := strings.Cut(target, ":")
	if !ok || id == "" {
		return ""
	}
	switch kind {
	case "provider", "connection", "integration":
		return "/" + kind + "s/" + url.PathEscape(id)
	case "job":
		return "/dead-letters"
	}
	return ""
}
