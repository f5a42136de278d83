package videointerview

import (
	"cmp"
	"context"
	"fmt"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
)

// ChoosePackage picks the kit mapped to the opportunity's posting, else
// the default kit.
func (Kind) ChoosePackage(t flow.Trigger, pkgs []domain.Package) (*domain.Package, string) {
	id := t.Settings.PostingPackages[t.PostingID]
	if id == "" {
		id = t.Settings.DefaultPackage
	}
	for i := range pkgs {
		if pkgs[i].ID == id {
			return &pkgs[i], ""
		}
	}
	if id == "" {
		return nil, "no interview kit is mapped to the opportunity's posting and there is no default kit"
	}
	return nil, fmt.Sprintf("interview kit %q is not published by %s", id, t.ProviderName)
}

// PrepareOrder adds the posting's title, for the interview listing.
func (Kind) PrepareOrder(ctx context.Context, env flow.RouteEnv, t flow.Trigger, d *flow.OrderDraft) (string, error) {
	d.PostingTitle = env.PostingTitle(ctx, t.PostingID)
	return "", nil
}

// Effects: the interview link as a note with the invited tag; the
// evaluation link as a note, the completed tag replacing the invited one.
func (Kind) Effects(ctx context.Context, env flow.EffectEnv, r flow.Reported) error {
	o, s := r.Order, r.Settings
	k := r.Event.Type + ":"
	switch r.Event.Type {
	case "invited":
		text := fmt.Sprintf("%s interview invitation sent to %s (%s).\nInterview link: %s", r.ProviderName, o.CandidateName, o.PackageName, r.Event.CandidateURL)
		if err := env.Note(ctx, k+"note", text); err != nil {
			return err
		}
		return env.AddTags(ctx, k+"tag", s.InvitedTag)
	case "completed":
		text := fmt.Sprintf("%s interview completed by %s (%s).\nEvaluate it here (the link can be shared with your team): %s", r.ProviderName, o.CandidateName, o.PackageName, cmp.Or(r.Event.EvaluationURL, o.EvaluationURL))
		if err := env.Note(ctx, k+"note", text); err != nil {
			return err
		}
		if err := env.RemoveTags(ctx, k+"untag", s.InvitedTag); err != nil {
			return err
		}
		return env.AddTags(ctx, k+"tag", s.CompletedTag)
	}
	return nil
}

var (
	_ flow.Router   = Kind{}
	_ flow.Effector = Kind{}
)
