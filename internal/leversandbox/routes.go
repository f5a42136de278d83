package leversandbox

import (
	"net/http"
	"strconv"
	"strings"

	"stagecoach/internal/leverscope"
)

// reply is what a handler answers; the wrapper writes it after releasing the
// state lock.
type reply struct {
	status int
	body   any // JSON, unless raw is set
	raw    []byte
	ctype  string
	name   string // file name for Content-Disposition
}

func ok(v any) *reply      { return &reply{status: http.StatusOK, body: one(v)} }
func created(v any) *reply { return &reply{status: http.StatusCreated, body: one(v)} }
func noContent() *reply    { return &reply{status: http.StatusNoContent} }
func listReply(items any, p listPage) *reply {
	p.Data = items
	return &reply{status: http.StatusOK, body: p}
}

func (rep *reply) write(w http.ResponseWriter) {
	switch {
	case rep.status == http.StatusNoContent:
		w.WriteHeader(rep.status)
	case rep.raw != nil:
		w.Header().Set("Content-Type", rep.ctype)
		w.Header().Set("Content-Length", strconv.Itoa(len(rep.raw)))
		if rep.name != "" {
			w.Header().Set("Content-Disposition", `attachment; filename="`+rep.name+`"`)
		}
		w.WriteHeader(rep.status)
		_, _ = w.Write(rep.raw)
	default:
		writeJSON(w, rep.status, rep.body)
	}
}

// apiFunc handles one Data API route. It runs with s.mu held.
type apiFunc func(r *http.Request, c *credential) (*reply, error)

// v1 wraps a Data API handler: authentication (401), the rate limit (429),
// injected faults, the credential's permission (403: the API key's endpoint
// permission, or the scope leverscope's table names for the route), then
// the handler under the state lock. A successful write is saved before the
// answer is written.
func (s *Sandbox) v1(pattern, permission, resource string, h apiFunc) http.Handler {
	scope, _ := leverscope.Scope(pattern)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).route = strings.TrimPrefix(pattern, "/v1")
		s.mu.Lock()
		c, err := s.authenticate(r)
		s.mu.Unlock()
		if err != nil {
			writeError(w, err)
			return
		}
		infoFrom(r.Context()).credential = c.name
		if s.throttled(w, c) {
			return
		}
		if allowed, wait := s.limiter.allow(c.limitKey); !allowed {
			w.Header().Set("Retry-After", retryAfterSeconds(wait))
			writeError(w, &apiError{http.StatusTooManyRequests, "TooManyRequests", "rate limit exceeded: slow down and retry with exponential backoff"})
			return
		}
		if s.faultsBefore(w, r) {
			return
		}
		if resource != "" && c.endpoints != nil {
			if !c.endpoints[permission] {
				writeError(w, forbiddenFor(pattern, permission))
				return
			}
		} else if resource != "" && !c.allows(scope) {
			writeError(w, errForbidden("this credential is not authorized for %s: it needs the scope %s", strings.TrimPrefix(pattern, "/v1"), scope))
			return
		}
		if err := checkBodyType(r); err != nil {
			writeError(w, err)
			return
		}
		hang := s.timeoutAfterWrite(r)
		s.mu.Lock()
		rep, err := h(r, c)
		if err == nil && isWrite(r.Method) {
			s.commit()
		}
		s.mu.Unlock()
		if hang {
			s.hangUp(r.Context(), w)
			return
		}
		if err != nil {
			writeError(w, err)
			return
		}
		rep.write(w)
	})
}

// adminFunc handles one admin route. It runs without the state lock (admin
// handlers take it themselves when they need it).
type adminFunc func(r *http.Request) (*reply, error)

func (s *Sandbox) adminHandler(h adminFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		infoFrom(r.Context()).credential = "admin"
		rep, err := h(r)
		if err != nil {
			writeError(w, err)
			return
		}
		rep.write(w)
	})
}

const (
	read  = false
	write = true
)

func (s *Sandbox) routes() *http.ServeMux {
	m := http.NewServeMux()
	// resource and w name the route's entry in the API key dialog; the
	// scope an OAuth token needs comes from leverscope's table, which
	// TestEveryRouteHasItsScope keeps in step with them.
	api := func(pattern, resource string, w bool, h apiFunc) {
		m.Handle(pattern, s.v1(pattern, s.perms.register(pattern, resource, w), resource, h))
	}

	// Opportunities.
	api("GET /v1/opportunities", "opportunities", read, s.handleOpportunityList)
	api("GET /v1/opportunities/deleted", "opportunities", read, s.handleOpportunityListDeleted)
	api("GET /v1/opportunities/{id}", "opportunities", read, s.handleOpportunityGet)
	api("POST /v1/opportunities", "opportunities", write, s.handleOpportunityCreate)
	api("PUT /v1/opportunities/{id}/stage", "opportunities", write, s.handleOpportunityStage)
	api("PUT /v1/opportunities/{id}/archived", "opportunities", write, s.handleOpportunityArchived)
	for _, edit := range opportunityEdits {
		api("POST /v1/opportunities/{id}/"+edit.action, "opportunities", write, s.handleOpportunityEdit(edit))
	}
	api("GET /v1/opportunities/{id}/applications", "applications", read, s.handleApplicationList)
	api("GET /v1/opportunities/{id}/applications/{application}", "applications", read, s.handleApplicationGet)

	// Notes.
	api("GET /v1/opportunities/{id}/notes", "notes", read, s.handleNoteList)
	api("GET /v1/opportunities/{id}/notes/{note}", "notes", read, s.handleNoteGet)
	api("POST /v1/opportunities/{id}/notes", "notes", write, s.handleNoteCreate)
	api("PUT /v1/opportunities/{id}/notes/{note}", "notes", write, s.handleNoteUpdate)
	api("DELETE /v1/opportunities/{id}/notes/{note}", "notes", write, s.handleNoteDelete)

	// Files, resumes, uploads.
	api("GET /v1/opportunities/{id}/files", "files", read, s.handleFileList)
	api("GET /v1/opportunities/{id}/files/{file}", "files", read, s.handleFileGet)
	api("GET /v1/opportunities/{id}/files/{file}/download", "files", read, s.handleFileDownload)
	api("POST /v1/opportunities/{id}/files", "files", write, s.handleFileUpload)
	api("DELETE /v1/opportunities/{id}/files/{file}", "files", write, s.handleFileDelete)
	api("GET /v1/opportunities/{id}/resumes", "resumes", read, s.handleResumeList)
	api("GET /v1/opportunities/{id}/resumes/{resume}", "resumes", read, s.handleResumeGet)
	api("GET /v1/opportunities/{id}/resumes/{resume}/download", "resumes", read, s.handleResumeDownload)
	api("POST /v1/uploads", "uploads", write, s.handleUploadCreate)

	// Profile forms and their templates.
	api("GET /v1/opportunities/{id}/forms", "forms", read, s.handleFormList)
	api("GET /v1/opportunities/{id}/forms/{form}", "forms", read, s.handleFormGet)
	api("POST /v1/opportunities/{id}/forms", "forms", write, s.handleFormCreate)
	api("GET /v1/form_templates", "form_templates", read, s.handleFormTemplateList)
	api("GET /v1/form_templates/{template}", "form_templates", read, s.handleFormTemplateGet)
	api("POST /v1/form_templates", "form_templates", write, s.handleFormTemplateCreate)
	api("PUT /v1/form_templates/{template}", "form_templates", write, s.handleFormTemplateUpdate)
	api("DELETE /v1/form_templates/{template}", "form_templates", write, s.handleFormTemplateDelete)

	// Feedback and feedback templates.
	api("GET /v1/opportunities/{id}/feedback", "feedback", read, s.handleFeedbackList)
	api("GET /v1/opportunities/{id}/feedback/{feedback}", "feedback", read, s.handleFeedbackGet)
	api("POST /v1/opportunities/{id}/feedback", "feedback", write, s.handleFeedbackCreate)
	api("PUT /v1/opportunities/{id}/feedback/{feedback}", "feedback", write, s.handleFeedbackUpdate)
	api("DELETE /v1/opportunities/{id}/feedback/{feedback}", "feedback", write, s.handleFeedbackDelete)
	api("GET /v1/feedback_templates", "feedback_templates", read, s.handleFeedbackTemplateList)
	api("GET /v1/feedback_templates/{template}", "feedback_templates", read, s.handleFeedbackTemplateGet)
	api("POST /v1/feedback_templates", "feedback_templates", write, s.handleFeedbackTemplateCreate)
	api("PUT /v1/feedback_templates/{template}", "feedback_templates", write, s.handleFeedbackTemplateUpdate)
	api("DELETE /v1/feedback_templates/{template}", "feedback_templates", write, s.handleFeedbackTemplateDelete)

	// Interviews and panels.
	api("GET /v1/opportunities/{id}/interviews", "interviews", read, s.handleInterviewList)
	api("GET /v1/opportunities/{id}/interviews/{interview}", "interviews", read, s.handleInterviewGet)
	api("POST /v1/opportunities/{id}/interviews", "interviews", write, s.handleInterviewCreate)
	api("PUT /v1/opportunities/{id}/interviews/{interview}", "interviews", write, s.handleInterviewUpdate)
	api("DELETE /v1/opportunities/{id}/interviews/{interview}", "interviews", write, s.handleInterviewDelete)
	api("GET /v1/opportunities/{id}/panels", "panels", read, s.handlePanelList)
	api("GET /v1/opportunities/{id}/panels/{panel}", "panels", read, s.handlePanelGet)
	api("POST /v1/opportunities/{id}/panels", "panels", write, s.handlePanelCreate)
	api("PUT /v1/opportunities/{id}/panels/{panel}", "panels", write, s.handlePanelUpdate)
	api("DELETE /v1/opportunities/{id}/panels/{panel}", "panels", write, s.handlePanelDelete)

	// Account data.
	api("GET /v1/stages", "stages", read, s.handleStageList)
	api("GET /v1/stages/{stage}", "stages", read, s.handleStageGet)
	api("GET /v1/archive_reasons", "archive_reasons", read, s.handleArchiveReasonList)
	api("GET /v1/archive_reasons/{reason}", "archive_reasons", read, s.handleArchiveReasonGet)
	api("GET /v1/tags", "tags", read, s.handleTagList)
	api("GET /v1/sources", "sources", read, s.handleSourceList)
	api("GET /v1/users", "users", read, s.handleUserList)
	api("GET /v1/users/{user}", "users", read, s.handleUserGet)
	api("POST /v1/users", "users", write, s.handleUserCreate)
	api("PUT /v1/users/{user}", "users", write, s.handleUserUpdate)
	api("POST /v1/users/{user}/deactivate", "users", write, s.handleUserDeactivate)
	api("POST /v1/users/{user}/reactivate", "users", write, s.handleUserReactivate)
	api("GET /v1/postings", "postings", read, s.handlePostingList)
	api("GET /v1/postings/{posting}", "postings", read, s.handlePostingGet)
	api("POST /v1/postings", "postings", write, s.handlePostingCreate)
	api("POST /v1/postings/{posting}", "postings", write, s.handlePostingUpdate)
	api("GET /v1/contacts/{contact}", "contact", read, s.handleContactGet)
	api("PUT /v1/contacts/{contact}", "contact", write, s.handleContactUpdate)

	// Webhooks.
	api("GET /v1/webhooks", "webhooks", read, s.handleWebhookList)
	api("POST /v1/webhooks", "webhooks", write, s.handleWebhookCreate)
	api("PUT /v1/webhooks", "webhooks", write, s.handleWebhookUpdate)
	api("DELETE /v1/webhooks/{webhook}", "webhooks", write, s.handleWebhookDelete)

	// Everything else under /v1: authenticated, then 404.
	m.Handle("/v1/", s.v1("", "", "", func(r *http.Request, _ *credential) (*reply, error) {
		return nil, &apiError{http.StatusNotFound, "ResourceNotFound", r.Method + " " + r.URL.Path + " was not found"}
	}))

	// OAuth.
	m.HandleFunc("GET /oauth/authorize", s.handleAuthorizeShow)
	m.HandleFunc("POST /oauth/authorize", s.handleAuthorizeDecide)
	m.HandleFunc("POST /oauth/token", s.handleToken)

	// Admin endpoint.
	admin := func(pattern string, h adminFunc) { m.Handle(pattern, s.adminHandler(h)) }
	admin("POST /_sandbox/faults", s.handleAdminFaultsSet)
	admin("DELETE /_sandbox/faults", s.handleAdminFaultsClear)
	admin("POST /_sandbox/throttle", s.handleAdminThrottleSet)
	admin("DELETE /_sandbox/throttle", s.handleAdminThrottleClear)
	admin("GET /_sandbox/opportunities", s.handleAdminOpportunityList)
	admin("GET /_sandbox/opportunities/{id}", s.handleAdminOpportunityGet)
	admin("DELETE /_sandbox/opportunities/{id}", s.handleAdminOpportunityDelete)
	admin("POST /_sandbox/opportunities/{id}/stage", s.handleAdminOpportunityStage)
	admin("POST /_sandbox/opportunities/{id}/archive", s.handleAdminOpportunityArchive)
	admin("POST /_sandbox/opportunities/{id}/tags", s.handleAdminOpportunityTags)
	admin("GET /_sandbox/postings", s.handleAdminPostingList)
	admin("POST /_sandbox/postings", s.handleAdminPostingCreate)
	admin("GET /_sandbox/postings/{id}", s.handleAdminPostingGet)
	admin("POST /_sandbox/postings/{id}/tags", s.handleAdminPostingTags)
	admin("POST /_sandbox/postings/{id}/apply", s.handleAdminPostingApply)
	admin("GET /_sandbox/deliveries", s.handleAdminDeliveries)
	admin("GET /_sandbox/notifications", s.handleAdminNotifications)
	admin("POST /_sandbox/webhook-groups", s.handleAdminWebhookGroups)
	admin("POST /_sandbox/webhooks/{id}/verify", s.handleAdminWebhookVerify)
	admin("POST /_sandbox/oauth/clients", s.handleAdminOAuthClient)
	admin("POST /_sandbox/oauth/revoke", s.handleAdminOAuthRevoke)
	admin("POST /_sandbox/reset", s.handleAdminReset)
	admin("/_sandbox/", func(r *http.Request) (*reply, error) {
		return nil, &apiError{http.StatusNotFound, "ResourceNotFound", r.Method + " " + r.URL.Path + " was not found"}
	})

	// The web app: the recruiter page and the settings (package pages),
	// and the download links of files and resumes.
	s.pages.Routes(m)
	m.HandleFunc("GET /opportunities/{id}/files/{file}/download", s.handlePageFileDownload)
	m.HandleFunc("GET /opportunities/{id}/resumes/{resume}/download", s.handlePageResumeDownload)

	// The settings actions as JSON.
	s.settingsAdminRoutes(admin)
	return m
}
