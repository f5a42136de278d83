package leversandbox

import (
	"encoding/json"
	"strings"
	"time"
)

// ensureBuiltins adds what every sandbox has, also to a loaded state file:
// webhook groups (in the state groupsOn says, unless switched already) and
// the demo OAuth client.
func ensureBuiltins(st *state, groupsOn bool) {
	for _, ev := range webhookEvents {
		if _, set := st.WebhookGroups[ev]; !set {
			st.WebhookGroups[ev] = groupsOn
		}
	}
	if c := st.OAuthClients[DemoClientID]; c != nil {
		c.Loopback = true // re-registered through the admin endpoint: keep its secret
	} else {
		st.OAuthClients[DemoClientID] = &oauthClient{ID: DemoClientID, Secret: DemoClientSecret, Loopback: true}
	}
}

// buildSeed returns a new account: Lever's built-ins and one Super Admin,
// plus, for "demo", users, stages, postings, templates and candidates.
func buildSeed(seed string, now time.Time) *state {
	st := newState()
	st.Seed = seed
	ms := now.UnixMilli()
	day := int64(24 * time.Hour / time.Millisecond)
	if seed != "demo" {
		addUser(st, "super-admin", "Sandbox Admin", "admin@sandbox.example", roleSuperAdmin, ms-30*day)
		for _, text := range []string{"New lead", "New applicant", "Offer"} {
			addStage(st, text)
		}
		addReason(st, "Hired", "hired", "active")
		addNoFeedbackTemplate(st, ms-30*day)
		return st
	}
	return buildDemo(st, ms, day)
}

func addUser(st *state, key, name, email, role string, createdAt int64) *user {
	u := &user{
		ID: seedID("user:" + key), Name: name, Username: strings.Split(email, "@")[0], Email: email,
		CreatedAt: createdAt, AccessRole: role, LinkedContactIDs: []string{},
	}
	st.Users[u.ID] = u
	return u
}

func addStage(st *state, text string) *stage {
	s := &stage{ID: seedID("stage:" + text), Text: text}
	st.Stages = append(st.Stages, s)
	return s
}

func addReason(st *state, text, typ, status string) *archiveReason {
	ar := &archiveReason{ID: seedID("reason:" + text), Text: text, Status: status, Type: typ}
	st.ArchiveReasons = append(st.ArchiveReasons, ar)
	return ar
}

func addNoFeedbackTemplate(st *state, at int64) {
	t := &feedbackTemplate{ID: seedID("feedback-template:no-feedback"), Text: "No Feedback", CreatedAt: at, UpdatedAt: at, Fields: []field{}}
	st.FeedbackTemplates[t.ID] = t
}

// scoreSystemOptions are the options of Lever's overall rating field.
var scoreSystemOptions = []option{{"4 - Strong Hire"}, {"3 - Hire"}, {"2 - No Hire"}, {"1 - Strong No Hire"}}

func buildDemo(st *state, now, day int64) *state {
	t0 := now - 60*day
	alex := addUser(st, "super-admin", "Alex Morgan", "alex.morgan@example.com", roleSuperAdmin, t0)
	priya := addUser(st, "admin", "Priya Shah", "priya.shah@example.com", roleAdmin, t0+1)
	rahul := addUser(st, "recruiter-rkhan", "Rahul Khan", "rkhan@example.com", roleTeamMember, t0+2)
	maria := addUser(st, "recruiter-mlopez", "Maria Lopez", "mlopez@example.com", roleTeamMember, t0+3)
	tom := addUser(st, "interviewer", "Tom Becker", "tom.becker@example.com", roleInterviewer, t0+4)
	dana := addUser(st, "deactivated", "Dana Ortiz", "dana.ortiz@example.com", roleTeamMember, t0+5)
	dana.DeactivatedAt = ptr(t0 + 10*day)
	lena := addUser(st, "limited", "Lena Fischer", "lena.fischer@example.com", roleLimitedTeamMember, t0+6)
	rahul.JobTitle, maria.JobTitle, tom.JobTitle = ptr("Recruiter"), ptr("Recruiter"), ptr("Staff Engineer")
	lena.JobTitle = ptr("Hiring Coordinator")

	stages := map[string]*stage{}
	for _, text := range []string{"New lead", "New applicant", "Recruiter screen", "Phone interview", "Assessment",
		"Assessment Complete", "Jobma", "JobTwine", "On-site", "Offer"} {
		stages[text] = addStage(st, text)
	}
	hired := addReason(st, "Hired", "hired", "active")
	addReason(st, "Underqualified", "non-hired", "active")
	withdrew := addReason(st, "Withdrew", "non-hired", "active")
	addReason(st, "Position filled", "non-hired", "active")
	addReason(st, "Didn't respond", "non-hired", "active")
	addReason(st, "Timing", "non-hired", "inactive")

	type postingSeed struct {
		key, text, team, dept, loc, owner, hm string
		tags                                  []string
		state                                 string
		workplace                             string
	}
	postings := map[string]*posting{}
	for i, ps := range []postingSeed{
		{"backend", "Backend Engineer", "Platform", "Engineering", "Berlin", rahul.ID, tom.ID, nil, "published", "hybrid"},
		{"data", "Data Analyst", "Analytics", "Data", "London", maria.ID, priya.ID, nil, "published", "onsite"},
		{"design", "Product Designer", "Design", "Product", "Remote", maria.ID, priya.ID, nil, "published", "remote"},
		{"sre", "Site Reliability Engineer", "Infrastructure", "Engineering", "New York", rahul.ID, tom.ID, []string{"JobTwine"}, "published", "onsite"},
		{"office", "Office Manager", "Operations", "People", "Berlin", maria.ID, alex.ID, nil, "closed", "onsite"},
	} {
		at := t0 + int64(i+1)*day
		p := &posting{
			ID: seedID("posting:" + ps.key), Text: ps.text, CreatedAt: at, UpdatedAt: at, State: ps.state,
			DistributionChannels: []string{"public", "internal"}, Confidentiality: "non-confidential",
			User: alex.ID, Owner: ps.owner, HiringManager: ps.hm,
			Categories: postingCategories{Team: ps.team, Department: ps.dept, Location: ps.loc,
				AllLocations: []string{ps.loc}, Commitment: "Full-time"},
			Tags: nonNil(ps.tags),
			Content: postingContent{
				Description:     "Join us as a " + ps.text + ".",
				DescriptionHTML: "<div>Join us as a " + ps.text + ".</div>",
				Lists:           []postingList{{Text: "What you will do", Content: "<li>Ship things</li>"}},
				Closing:         "We look forward to hearing from you.",
				ClosingHTML:     "<div>We look forward to hearing from you.</div>",
			},
			Country: "DE", Followers: []string{ps.owner}, RequisitionCodes: []string{},
			WorkplaceType: ps.workplace,
		}
		postings[ps.key] = p
		st.Postings[p.ID] = p
		st.Tags = addKnown(st.Tags, postingTags(p)...)
	}

	formTpl := &formTemplate{
		ID: seedID("form-template:demo-assessment"), Text: "Demo Assessment", Instructions: "Results of the Demo assessment.",
		CreatedAt: t0, UpdatedAt: t0,
		Fields: []field{
			{ID: seedID("form-template:demo-assessment:score"), Type: "text", Text: "Score", Required: true},
			{ID: seedID("form-template:demo-assessment:recommendation"), Type: "dropdown", Text: "Recommendation", Required: true,
				Options: []option{{"Advance"}, {"Hold"}, {"Reject"}}},
			{ID: seedID("form-template:demo-assessment:comments"), Type: "textarea", Text: "Comments"},
		},
	}
	st.FormTemplates[formTpl.ID] = formTpl
	addNoFeedbackTemplate(st, t0)
	fbTpl := &feedbackTemplate{
		ID: seedID("feedback-template:interview"), Text: "Interview Feedback", Instructions: "Rate the candidate.",
		CreatedAt: t0, UpdatedAt: t0,
		Fields: []field{
			{ID: seedID("feedback-template:interview:rating"), Type: "score-system", Text: "Overall Rating", Required: true, Options: scoreSystemOptions},
			{ID: seedID("feedback-template:interview:notes"), Type: "textarea", Text: "Notes"},
		},
	}
	st.FeedbackTemplates[fbTpl.ID] = fbTpl

	type candSeed struct {
		key, name, posting, stage, origin, source string
		tags                                      []string
		archive                                   *archiveReason
		note                                      string
	}
	cands := []candSeed{
		{"ada", "Ada Park", "backend", "New applicant", "applied", "Company website", []string{"Demo: Go Coding"}, nil, ""},
		{"ben", "Ben Carter", "backend", "New applicant", "applied", "LinkedIn", []string{"Demo: Go Coding"}, nil, ""},
		{"chloe", "Chloe Dubois", "data", "New applicant", "applied", "Company website", []string{"Demo: SQL Basics"}, nil, ""},
		{"dev", "Dev Patel", "data", "Recruiter screen", "referred", "Referral", []string{"Demo: SQL Basics"}, nil, "Strong referral from the analytics team."},
		{"elena", "Elena Rossi", "design", "New applicant", "applied", "Dribbble", nil, nil, ""},
		{"farid", "Farid Haddad", "sre", "New applicant", "applied", "Company website", nil, nil, ""},
		{"grace", "Grace Kim", "backend", "Phone interview", "sourced", "LinkedIn", []string{"Demo: Go Coding"}, nil, "Great phone screen; move to the assessment next."},
		{"hiro", "Hiro Tanaka", "sre", "Recruiter screen", "agency", "Talent Agency", nil, nil, ""},
		{"ines", "Ines Alvarez", "data", "Assessment", "applied", "Company website", []string{"Demo: SQL Basics"}, nil, ""},
		{"jonas", "Jonas Weber", "backend", "Offer", "referred", "Referral", []string{"Demo: Go Coding"}, nil, "Offer drafted."},
		{"kara", "Kara Nwosu", "design", "Recruiter screen", "applied", "Company website", nil, withdrew, ""},
		{"liam", "Liam O'Brien", "", "New lead", "sourced", "GitHub", nil, nil, "Sourced from an open-source project."},
		{"mina", "Mina Sato", "data", "Offer", "university", "University fair", []string{"Demo: SQL Basics"}, hired, ""},
	}
	for i, cs := range cands {
		at := t0 + 20*day + int64(i)*day/2
		first := strings.ToLower(strings.Fields(cs.name)[0])
		last := strings.ToLower(strings.ReplaceAll(strings.Fields(cs.name)[1], "'", ""))
		email := first + "." + last + "@example.org"
		c := &contact{
			ID: seedID("contact:" + cs.key), Name: cs.name, Headline: "Acme, Globex", Location: "Berlin",
			Emails: []string{email}, Phones: []phone{{Type: "mobile", Value: "+1 555 01" + twoDigits(i)}},
			Links: []string{"https://www.linkedin.com/in/" + first + last}, CreatedAt: at,
		}
		st.Contacts[c.ID] = c
		owner := rahul.ID
		if cs.posting != "" {
			owner = postings[cs.posting].Owner
		}
		stg := stages[cs.stage]
		o := &opportunity{
			ID: seedID("opportunity:" + cs.key), ContactID: c.ID, StageID: stg.ID, Confidentiality: "non-confidential",
			Origin: cs.origin, Owner: owner, CreatedAt: at, UpdatedAt: at + day/4, LastInteractionAt: at + day/4,
			LastAdvancedAt: at + day/4, CreatedBy: owner, Followers: []string{owner}, Sources: []string{cs.source},
		}
		o.StageChanges = append(o.StageChanges, stageChange{ToStageID: stages["New applicant"].ID, ToStageIndex: indexOf(st, stages["New applicant"].ID), UserID: ptr(owner), UpdatedAt: at})
		if cs.posting == "" {
			o.StageChanges[0] = stageChange{ToStageID: stg.ID, ToStageIndex: indexOf(st, stg.ID), UserID: ptr(owner), UpdatedAt: at}
		} else if stg.Text != "New applicant" {
			o.StageChanges = append(o.StageChanges, stageChange{ToStageID: stg.ID, ToStageIndex: indexOf(st, stg.ID), UserID: ptr(owner), UpdatedAt: at + day/4})
		}
		if cs.origin == "sourced" {
			o.SourcedBy = owner
		}
		var tags []string
		if cs.posting != "" {
			p := postings[cs.posting]
			o.PostingID, o.OpportunityLocation = p.ID, p.Categories.Location
			tags = postingTags(p)
			a := &application{
				ID: seedID("application:" + cs.key), OpportunityID: o.ID, CreatedAt: at, Type: applicationType(cs.origin),
				PostingID: p.ID, PostingOwner: p.Owner, PostingHiringManager: p.HiringManager, User: owner,
				Name: c.Name, Email: email, Phone: ptr(c.Phones[0]), Links: c.Links,
			}
			st.Applications[a.ID] = a
			o.ApplicationID = a.ID
		}
		o.Tags = union(tags, cs.tags...)
		st.Tags = addKnown(st.Tags, o.Tags...)
		st.Sources = addKnown(st.Sources, cs.source)
		if cs.archive != nil {
			o.Archived = &archivedState{ArchivedAt: at + day/2, Reason: cs.archive.ID}
			o.UpdatedAt = at + day/2
		}
		st.Opportunities[o.ID] = o
		if cs.note != "" {
			n := &note{
				ID: seedID("note:" + cs.key), OpportunityID: o.ID, User: ptr(owner), CreatedAt: at + day/4,
				Comments: []noteComment{{Value: cs.note, User: ptr(owner), CreatedAt: at + day/4}},
			}
			st.Notes[n.ID] = n
		}
	}

	// Grace had her phone interview in the app: a panel Lever manages itself
	// (not externally managed), with feedback from Tom.
	grace := st.Opportunities[seedID("opportunity:grace")]
	pnl := &panel{
		ID: seedID("panel:grace"), OpportunityID: grace.ID, Applications: []string{grace.ApplicationID},
		CreatedAt: grace.CreatedAt + day/4, Timezone: "Europe/Berlin", FeedbackReminder: "daily", User: rahul.ID,
		Stage: grace.StageID, Note: "Phone interview",
		Interviews: []*interview{{
			ID: seedID("interview:grace"), Subject: "Phone interview – Grace Kim",
			Interviewers: []interviewer{{ID: tom.ID, FeedbackTemplate: ptr(fbTpl.ID)}}, Timezone: "Europe/Berlin",
			CreatedAt: grace.CreatedAt + day/4, Date: grace.CreatedAt + day/3, Duration: 30, Location: "Phone",
			FeedbackTemplate: fbTpl.ID, FeedbackReminder: "daily", User: rahul.ID,
		}},
	}
	st.Panels[pnl.ID] = pnl
	fb := &feedback{
		ID: seedID("feedback:grace"), OpportunityID: grace.ID, Type: "interview", Text: fbTpl.Text,
		Instructions: fbTpl.Instructions, BaseTemplateID: fbTpl.ID, User: tom.ID, Panel: pnl.ID, Interview: pnl.Interviews[0].ID,
		CreatedAt: grace.CreatedAt + day/2, UpdatedAt: grace.CreatedAt + day/2, CompletedAt: grace.CreatedAt + day/2,
	}
	for _, f := range fbTpl.Fields {
		f.ID = newSeedFieldID(fb.ID, f.ID)
		switch f.Type {
		case "score-system":
			f.Value = json.RawMessage(`"3 - Hire"`)
		default:
			f.Value = json.RawMessage(`"Clear communicator, solid Go fundamentals."`)
		}
		fb.Fields = append(fb.Fields, f)
	}
	st.Feedback[fb.ID] = fb
	return st
}

func newSeedFieldID(parent, field string) string { return seedID("field:" + parent + ":" + field) }

func indexOf(st *state, stageID string) int {
	for i, s := range st.Stages {
		if s.ID == stageID {
			return i
		}
	}
	return -1
}

func twoDigits(i int) string {
	return string([]byte{byte('0' + i/10%10), byte('0' + i%10)})
}
