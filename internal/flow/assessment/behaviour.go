package assessment

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
)

// ChoosePackage picks the package a tag on the opportunity names.
func (Kind) ChoosePackage(t flow.Trigger, pkgs []domain.Package) (*domain.Package, string) {
	for _, tag := range t.Tags {
		for i := range pkgs {
			if pkgs[i].LeverTag != "" && pkgs[i].LeverTag == tag {
				return &pkgs[i], ""
			}
		}
	}
	tags := "none"
	if len(t.Tags) > 0 {
		tags = strings.Join(t.Tags, ", ")
	}
	return nil, fmt.Sprintf("no tag on the opportunity names a package of %s (tags: %s)", t.ProviderName, tags)
}

// PrepareOrder adds the posting's title, which the provider is sent with
// the order; when Lever cannot tell it now the order goes ahead without it.
func (Kind) PrepareOrder(ctx context.Context, env flow.RouteEnv, t flow.Trigger, d *flow.OrderDraft) (string, error) {
	d.PostingTitle = env.PostingTitle(ctx, t.PostingID)
	return "", nil
}

// Effects: the invitation is a note with the candidate's link and the
// invited tag; the results are the profile form and the PDF report, a
// summary note, the completed tag in place of the invited one and the move
// to the completion stage ("-": none).
func (Kind) Effects(ctx context.Context, env flow.EffectEnv, r flow.Reported) error {
	o, s := r.Order, r.Settings
	k := r.Event.Type + ":"
	switch r.Event.Type {
	case "invited":
		text := fmt.Sprintf("%s: %s assessment invitation sent to %s.\nCandidate link: %s", r.ProviderName, o.PackageName, o.CandidateName, r.Event.CandidateURL)
		if err := env.Note(ctx, k+"note", text); err != nil {
			return err
		}
		if err := env.AddTags(ctx, k+"tag", s.InvitedTag); err != nil {
			return err
		}
		env.Invited(ctx)
	case "completed":
		written, err := env.WriteResults(ctx)
		if err != nil || !written {
			return err
		}
		if err := env.Note(ctx, k+"note", summaryText(r)); err != nil {
			return err
		}
		if err := env.RemoveTags(ctx, k+"untag", s.InvitedTag); err != nil {
			return err
		}
		if err := env.AddTags(ctx, k+"tag", s.CompletedTag); err != nil {
			return err
		}
		if s.CompletionStage != "-" {
			return env.MoveToStage(ctx, k+"stage", s.CompletionStage)
		}
	}
	return nil
}

// result is a completed order's result as the engine stores it.
type result struct {
	Score      float64        `json:"score"`
	MaxScore   float64        `json:"maxScore"`
	Result     string         `json:"result,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	ResultURL  string         `json:"resultUrl,omitempty"`
}

func summaryText(r flow.Reported) string {
	var res result
	_ = json.Unmarshal(r.Order.Result, &res)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s assessment completed by %s. Score %s/%s", r.ProviderName, r.Order.PackageName, r.Order.CandidateName, num(res.Score), num(res.MaxScore))
	if res.Result != "" {
		fmt.Fprintf(&b, " (%s)", res.Result)
	}
	b.WriteString(".")
	keys := make([]string, 0, len(res.Attributes))
	for k := range res.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "\n%s: %v", k, res.Attributes[k])
	}
	if res.ResultURL != "" {
		fmt.Fprintf(&b, "\nFull report: %s", res.ResultURL)
	}
	return b.String()
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

var (
	_ flow.Router   = Kind{}
	_ flow.Effector = Kind{}
)
