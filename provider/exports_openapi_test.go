package provider_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"stagecoach/provider"
)

// The export routes, schemas and webhooks of the document match the
// client.
func TestOpenAPIDocumentsExports(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	paths, _ := doc["paths"].(map[string]any)
	for _, route := range []string{"POST /v1/exports", "GET /v1/exports", "GET /v1/exports/{id}", "POST /v1/exports/{id}/stage"} {
		method, path, _ := strings.Cut(route, " ")
		item, _ := paths[path].(map[string]any)
		op, ok := item[strings.ToLower(method)].(map[string]any)
		if !ok {
			t.Errorf("%s is not documented", route)
			continue
		}
		if method == "POST" && !hasParam(doc, op, "header", "Idempotency-Key") {
			t.Errorf("%s does not document Idempotency-Key", route)
		}
	}
	now := time.Now()
	for _, tc := range []struct {
		schema string
		value  any
	}{
		{"ExportInput", provider.ExportInput{Connection: "x", ProviderCandidateID: "x", Outcome: "x", CV: &provider.CV{}, RoleID: "x", Stage: "x", Recruiter: "x"}},
		{"ExportCandidate", provider.ExportCandidate{Name: "x", Emails: []string{"x"}, Phones: []provider.Phone{{}}, Links: []string{"x"}, ProfileURL: "x", Headline: "x", Location: "x"}},
		{"CV", provider.CV{Filename: "x", ContentBase64: "x", URL: "x"}},
		{"Export", provider.Export{Pseudonym: "x", RoleID: "x", PostingID: "x", Stage: "x", LeverStageID: "x", Opportunity: &provider.ExportOpportunity{}, LastError: "x", DeletedAt: &now}},
		{"ExportMessage", provider.ExportMessage{}},
	} {
		got := jsonKeys(t, tc.value)
		if want := schemaProps(t, doc, tc.schema); !slices.Equal(got, want) {
			t.Errorf("%s: the Go type has %v, the document %v", tc.schema, got, want)
		}
	}
	webhooks, _ := doc["webhooks"].(map[string]any)
	for _, typ := range []string{provider.WebhookExportCreated, provider.WebhookExportFailed, provider.WebhookExportStageChange, provider.WebhookExportArchiveChange,
		provider.WebhookExportHired, provider.WebhookExportDeleted, provider.WebhookExportInterviewNew, provider.WebhookExportInterviewEdit, provider.WebhookExportInterviewGone} {
		if _, ok := webhooks[typ]; !ok {
			t.Errorf("webhook %s is not documented", typ)
		}
	}
}
