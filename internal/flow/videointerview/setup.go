package videointerview

import "stagecoach/internal/flow"

// CheckSetup checks the tags and the interview kits chosen.
func (Kind) CheckSetup(env flow.SetupEnv) {
	s := env.Settings()
	env.TagWarn("invitedTag", "invited tag", s.InvitedTag)
	env.TagWarn("completedTag", "completed tag", s.CompletedTag)
	if s.DefaultPackage != "" {
		env.Package("defaultPackage", "default interview kit", s.DefaultPackage)
	}
	for post, kit := range s.PostingPackages {
		env.Job("postingPackages", "posting", post)
		env.Package("postingPackages", "interview kit", kit)
	}
	if s.DefaultPackage == "" && len(s.PostingPackages) == 0 {
		env.Add(flow.SeverityError, "defaultPackage", "No interview kit is chosen: set a default kit or a kit per posting.")
	}
}

// MapsKits: an integration maps postings to interview kits.
func (Kind) MapsKits() {}

// Interviews: its orders are interviews.
func (Kind) Interviews() {}

var (
	_ flow.SetupChecker = Kind{}
	_ flow.KitMapper    = Kind{}
	_ flow.Interviewer  = Kind{}
)
