package sourcing

import "stagecoach/internal/flow"

// CheckSetup checks the role postings, the stage maps, the default stage,
// the export policy and that someone can perform the exports.
func (Kind) CheckSetup(env flow.SetupEnv) {
	s := env.Settings()
	for role, post := range s.RolePostings {
		env.Job("rolePostings", "posting for role "+role+",", post)
	}
	for ps, ls := range s.StageMap {
		env.Stage("stageMap", "Lever stage for provider stage "+ps+",", ls)
	}
	for ls := range s.LeverStageMap {
		env.Stage("leverStageMap", "mapped Lever stage", ls)
	}
	env.Stage("defaultStage", "default funnel stage", s.DefaultStage)
	if s.DefaultStage == "" && len(s.StageMap) == 0 {
		env.Add(flow.SeverityWarning, "defaultStage", "No stage map and no default funnel stage: exported candidates land in Lever's first stage.")
	}
	if s.ExportPolicy != "" && s.ExportPolicy != "successful" && s.ExportPolicy != "all" {
		env.Add(flow.SeverityError, "exportPolicy", "The export policy must be \"successful\" or \"all\", not %q.", s.ExportPolicy)
	}
	if s.PerformAs == "" && !env.ConnectionPerformsAs() {
		env.Add(flow.SeverityWarning, "performAs", "No perform-as user: exports without an initiating Lever user will be refused by Lever.")
	}
}

// Exports: the provider exports candidates into the ATS.
func (Kind) Exports() {}

var (
	_ flow.SetupChecker = Kind{}
	_ flow.Exporter     = Kind{}
)
