package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"stagecoach/provider"
)

// fakeStagecoach answers the two calls the example makes, as stagecoach
// would.
func fakeStagecoach() *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /v1/packages", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Packages []provider.Package }
		_ = json.NewDecoder(r.Body).Decode(&in)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": in.Packages})
	})
	mux.HandleFunc("POST /v1/orders/{id}/events", func(w http.ResponseWriter, r *http.Request) {
		var ev provider.Event
		_ = json.NewDecoder(r.Body).Decode(&ev)
		_ = json.NewEncoder(w).Encode(provider.Order{
			ID:     r.PathValue("id"),
			Status: ev.Type,
			Result: &provider.Result{Score: *ev.Score, MaxScore: *ev.MaxScore, Result: ev.Result},
		})
	})
	return httptest.NewServer(mux)
}

func Example() {
	srv := fakeStagecoach()
	defer srv.Close()
	ctx := context.Background()

	c := provider.NewClient(srv.URL, "sk_live_…")
	pkgs, err := c.PublishPackages(ctx, []provider.Package{
		{ID: "go-coding", Name: "Go Coding", Kind: provider.PackageAssessment, LeverTag: "Go Coding"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("published", pkgs[0].ID)

	// When the candidate has finished the assessment of order ord_1:
	score, maxScore := 82.0, 100.0
	o, err := c.ReportEvent(ctx, "ord_1", provider.Event{
		Type:       provider.EventCompleted,
		Score:      &score,
		MaxScore:   &maxScore,
		Result:     "pass",
		Attributes: map[string]any{"Correctness": "9/10"},
	}, provider.WithIdempotencyKey("ord_1:completed"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(o.ID, o.Status, o.Result.Score, o.Result.Result)
	// Output:
	// published go-coding
	// ord_1 completed 82 pass
}

func ExampleWebhookVerifier_Verify() {
	// The Standard Webhooks reference test vector.
	v, err := provider.NewWebhookVerifier("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		fmt.Println(err)
		return
	}
	v.NowFunc = func() time.Time { return time.Unix(1614265330, 0) }

	h := http.Header{}
	h.Set("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek")
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	msg, err := v.Verify(h, []byte(`{"test": 2432232314}`))
	fmt.Println(msg.ID, err)

	_, err = v.Verify(h, []byte(`{"test": 1}`))
	fmt.Println(err)
	// Output:
	// msg_p5jXN8AQM9LWM0D4loKWxJek <nil>
	// webhook: no valid signature
}
