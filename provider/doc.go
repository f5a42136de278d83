// Package provider is the Go client for hiring tools ("providers") that work
// with stagecoach. A provider publishes its packages, receives signed
// webhooks when stagecoach orders one of them for a Lever opportunity, and
// reports what happened to the order; stagecoach writes the results to Lever.
// The provider never talks to Lever.
//
// The API is described in docs/provider-api.md and, machine-readably, at
// /v1/openapi.json on every stagecoach server.
//
//	c := provider.NewClient("https://stagecoach.example", os.Getenv("STAGECOACH_API_KEY"))
//	_, err := c.PublishPackages(ctx, []provider.Package{
//		{ID: "go-coding", Name: "Go Coding", Kind: provider.PackageAssessment, LeverTag: "Go Coding"},
//	})
//
//	v, err := provider.NewWebhookVerifier(os.Getenv("STAGECOACH_WEBHOOK_SECRET"))
//	http.HandleFunc("POST /webhooks", func(w http.ResponseWriter, r *http.Request) {
//		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//		msg, err := v.Verify(r.Header, body)
//		if err != nil {
//			http.Error(w, "bad signature", http.StatusUnauthorized)
//			return
//		}
//		if msg.Type == provider.WebhookOrderCreated {
//			order, _ := msg.Order()
//			go invite(order) // answer quickly; report later
//		}
//		w.WriteHeader(http.StatusNoContent)
//	})
//
//	// Later, when the candidate has finished:
//	score, maxScore := 82.0, 100.0
//	_, err = c.ReportEvent(ctx, order.ID, provider.Event{
//		Type: provider.EventCompleted, Score: &score, MaxScore: &maxScore, Result: "pass",
//	})
//
// A sourcing provider exports candidates instead (see docs/sourcing.md) and
// hears back through export.* webhooks:
//
//	x, created, err := c.ExportCandidate(ctx, provider.ExportInput{
//		ProviderCandidateID: "hj-4821", Outcome: provider.OutcomeSuccessful, RoleID: "backend", Stage: "Phone Interview - 1st Round",
//		Candidate: provider.ExportCandidate{Name: "Ada Park", Emails: []string{"ada@example.org"}, ProfileURL: "https://tool.example/p/4821"},
//		CV:        &provider.CV{Filename: "cv.pdf", URL: "https://tool.example/cv/4821.pdf"},
//	})
//	_, err = c.ReportExportStage(ctx, x.ID, "Onsite") // the opportunity follows in Lever
//
// Failed calls return a *Problem (the API's RFC 9457 answer). The client
// retries GETs, PUTs and POSTs that carry an Idempotency-Key (ReportEvent,
// ExportCandidate and ReportExportStage always do) on 429, 5xx and network errors, a few times with backoff.
package provider
