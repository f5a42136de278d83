package leversandbox

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

func TestAuthErrors(t *testing.T) {
	t.Parallel()
	sb, b := demo(t)
	sb.addAPIKey("readonly", "readonly-key", []string{"opportunities:read:admin", "stages:read:admin"})

	t.Run("no credentials is 401", func(t *testing.T) {
		b.call(t, "GET", "/v1/opportunities", nil, noAuth).errorBody(t, 401, "Unauthorized")
	})
	t.Run("wrong key is 401", func(t *testing.T) {
		b.call(t, "GET", "/v1/opportunities", nil, basicKey("nope")).errorBody(t, 401, "Unauthorized")
	})
	t.Run("a password is refused", func(t *testing.T) {
		b.call(t, "GET", "/v1/stages", nil, func(r *http.Request) { r.SetBasicAuth(testKey, "x") }).errorBody(t, 401, "Unauthorized")
	})
	t.Run("unknown bearer token is 401", func(t *testing.T) {
		b.call(t, "GET", "/v1/stages", nil, bearer("eyJ.nope.nope")).errorBody(t, 401, "Unauthorized")
	})
	t.Run("unknown route is 404 after auth", func(t *testing.T) {
		b.call(t, "GET", "/v1/requisitions", nil).errorBody(t, 404, "ResourceNotFound")
		b.call(t, "DELETE", "/v1/opportunities", nil).errorBody(t, 404, "ResourceNotFound")
		b.call(t, "GET", "/v1/requisitions", nil, noAuth).errorBody(t, 401, "Unauthorized")
	})
	t.Run("unknown object is 404 with Lever's message", func(t *testing.T) {
		msg := b.call(t, "GET", "/v1/stages/919d84a1-52de-4af3-9b45-0c3ee1865d52", nil).errorBody(t, 404, "ResourceNotFound")
		if msg != "stages 919d84a1-52de-4af3-9b45-0c3ee1865d52 was not found" {
			t.Fatalf("message=%q", msg)
		}
		b.call(t, "GET", "/v1/opportunities/"+newID(), nil).errorBody(t, 404, "ResourceNotFound")
	})
	t.Run("permissions limit a key: 403 outside them", func(t *testing.T) {
		b.call(t, "GET", "/v1/opportunities", nil, basicKey("readonly-key")).must(t, 200)
		b.call(t, "GET", "/v1/stages", nil, basicKey("readonly-key")).must(t, 200)
		b.call(t, "GET", "/v1/users", nil, basicKey("readonly-key")).errorBody(t, 403, "Forbidden")
		b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")},
			basicKey("readonly-key")).errorBody(t, 403, "Forbidden")
		b.call(t, "GET", "/v1/opportunities?confidentiality=all", nil, basicKey("readonly-key")).errorBody(t, 403, "Forbidden")
	})
}

func TestPerformAs(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	body := map[string]any{"name": "No Performer", "emails": []string{"np@example.org"}}
	cases := []struct {
		name, method, path string
		body               any
	}{
		{"create opportunity", "POST", "/v1/opportunities", body},
		{"upload file", "POST", "/v1/opportunities/" + adaOpp + "/files", nil},
		{"create feedback", "POST", "/v1/opportunities/" + adaOpp + "/feedback", map[string]any{"baseTemplateId": interviewTpl}},
		{"create panel", "POST", "/v1/opportunities/" + adaOpp + "/panels", map[string]any{"timezone": "UTC"}},
		{"create posting", "POST", "/v1/postings", map[string]any{"text": "Chef"}},
		{"update posting", "POST", "/v1/postings/" + backendPosting, map[string]any{"tags": []string{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name+" without perform_as is 400", func(t *testing.T) {
			msg := b.call(t, tc.method, tc.path, tc.body).errorBody(t, 400, "BadRequest")
			if !strings.Contains(msg, "perform_as") {
				t.Fatalf("message %q does not mention perform_as", msg)
			}
		})
	}
	t.Run("unknown and deactivated users are 400", func(t *testing.T) {
		b.call(t, "POST", "/v1/opportunities?perform_as="+newID(), body).errorBody(t, 400, "BadRequest")
		b.call(t, "POST", "/v1/opportunities?perform_as="+deactivatedID, body).errorBody(t, 400, "BadRequest")
	})
	t.Run("nothing was created", func(t *testing.T) {
		if got := b.call(t, "GET", "/v1/opportunities?email=np@example.org", nil).must(t, 200).list(t); len(got) != 0 {
			t.Fatalf("found %d opportunities", len(got))
		}
	})
	t.Run("optional where Lever says so", func(t *testing.T) {
		b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Recruiter screen")}).must(t, 200)
		note := b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/notes", map[string]any{"value": "anonymous"}).must(t, 201).data(t)
		got := b.call(t, "GET", "/v1/opportunities/"+adaOpp+"/notes/"+note["noteId"].(string), nil).must(t, 200).data(t)
		if got["user"] != nil {
			t.Fatalf("note user=%v, want null without perform_as", got["user"])
		}
	})
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	_, b := setup(t, Config{Seed: "demo", RatePerSecond: 1, Burst: 3})
	for range 3 {
		b.call(t, "GET", "/v1/stages", nil).must(t, 200)
	}
	r := b.call(t, "GET", "/v1/stages", nil)
	r.errorBody(t, 429, "TooManyRequests")
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After=%q", r.header.Get("Retry-After"))
	}
	// Buckets are per credential: another key still has its burst.
	sb2, b2 := setup(t, Config{Seed: "demo", RatePerSecond: 0.001, Burst: 1})
	sb2.addAPIKey("second", "second-key", allScopes)
	b2.call(t, "GET", "/v1/stages", nil).must(t, 200)
	b2.call(t, "GET", "/v1/stages", nil, basicKey("second-key")).must(t, 200)
}
