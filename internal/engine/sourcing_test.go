package engine

import (
	"regexp"
	"strings"
	"testing"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
)

func TestPseudonymIsStableAndKeyed(t *testing.T) {
	k1, k2 := []byte("key one, 32 bytes long, more or less"), []byte("key two, 32 bytes long, more or less")
	a := Pseudonym(k1, "hackajob", "c-1")
	if !regexp.MustCompile(`^Candidate [0-9A-F]{4}-[0-9A-F]{4}$`).MatchString(a) {
		t.Fatalf("pseudonym %q is not Candidate XXXX-XXXX", a)
	}
	if Pseudonym(k1, "hackajob", "c-1") != a {
		t.Error("the same candidate got another pseudonym")
	}
	for _, other := range []string{Pseudonym(k1, "hackajob", "c-2"), Pseudonym(k1, "other", "c-1"), Pseudonym(k2, "hackajob", "c-1"), Pseudonym(k1, "hackaj", "obc-1")} {
		if other == a {
			t.Errorf("two inputs share the pseudonym %q", a)
		}
	}
}

func TestCVContentType(t *testing.T) {
	for _, tc := range []struct {
		name, content, want, err string
	}{
		{"cv.pdf", "%PDF-1.7", "application/pdf", ""},
		{"CV.PDF", "%PDF-1.7", "application/pdf", ""},
		{"cv.doc", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest", "application/msword", ""},
		{"cv.docx", "PK\x03\x04rest", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""},
		{"cv.docx", "%PDF-1.7", "", "not a DOCX"},
		{"cv.pdf", "<html>", "", "not a PDF"},
		{"cv.txt", "hello", "", "PDF, DOC or DOCX"},
	} {
		got, err := CVContentType(tc.name, []byte(tc.content))
		if got != tc.want || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%s: %q, %v; want %q, %q", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestLeverToProviderStage(t *testing.T) {
	stages := []ats.Stage{{ID: "s1", Name: "Phone interview"}, {ID: "s2", Name: "On-site"}, {ID: "s3", Name: "Offer"}, {ID: "s4", Name: "Recruiter screen"}}
	s := Settings{
		StageMap:      map[string]string{"Phone 1": "Phone interview", "Phone 2": "s1", "Onsite": "On-site"},
		LeverStageMap: map[string]string{"recruiter screen": "Screening", "s3": "Offer made"},
	}
	for _, tc := range []struct{ stage, current, want string }{
		{"s4", "", "Screening"},      // leverStageMap, by name ignoring case
		{"s3", "", "Offer made"},     // leverStageMap, by id
		{"s2", "", "Onsite"},         // the inverse of stageMap
		{"s1", "Phone 2", "Phone 2"}, // several: the current one
		{"s1", "", "Phone 1"},        // several: the first by name
		{"nope", "Onsite", ""},       // unmapped
	} {
		if got := leverToProviderStage(s, stages, tc.stage, tc.current); got != tc.want {
			t.Errorf("stage %s (current %q) -> %q, want %q", tc.stage, tc.current, got, tc.want)
		}
	}
}

func TestIsExportOpportunity(t *testing.T) {
	named := &domain.Export{Profile: domain.Profile{Name: "Ada Park", Emails: []string{"Ada@Example.org"}, ProfileURL: "https://hj.example/p/1"}}
	for _, tc := range []struct {
		x    *domain.Export
		o    ats.Application
		want bool
	}{
		{named, ats.Application{Candidate: ats.Candidate{Name: "A. Park", Emails: []string{"ada@example.org"}}}, true}, // Lever kept the contact's name
		{named, ats.Application{Candidate: ats.Candidate{Name: "Ada Park", Links: []string{"https://hj.example/p/1"}}}, true},
		{named, ats.Application{Candidate: ats.Candidate{Name: "Ada Park"}}, false}, // a namesake
		{&domain.Export{Profile: domain.Profile{Name: "Ada Park"}}, ats.Application{Candidate: ats.Candidate{Name: "Ada Park"}}, true},
		{&domain.Export{Pseudonym: "Candidate 0000-0001"}, ats.Application{Candidate: ats.Candidate{Name: "Candidate 0000-0001"}}, true},
		{&domain.Export{Pseudonym: "Candidate 0000-0001"}, ats.Application{Candidate: ats.Candidate{Name: "Candidate 0000-0002"}}, false},
	} {
		if got := isExportOpportunity(tc.x, &tc.o); got != tc.want {
			t.Errorf("%+v vs %+v: %v, want %v", tc.x.Profile, tc.o, got, tc.want)
		}
	}
}

func TestExportInputValidationNamesEveryField(t *testing.T) {
	in := ExportInput{ProviderCandidateID: " x", Outcome: "meh", Candidate: CandidateInput{Emails: []string{"nope"}, Links: []string{"ftp://x"}},
		CV: &CVInput{Filename: "cv.pdf"}, RecruiterEmail: "@"}
	_, err := in.validate()
	var de *domain.Error
	if err == nil || !asError(err, &de) {
		t.Fatalf("err = %v", err)
	}
	var fields []string
	for _, f := range de.Fields {
		fields = append(fields, f.Field)
	}
	want := "providerCandidateId outcome candidate.emails[0] candidate.links[0] recruiterEmail cv"
	if strings.Join(fields, " ") != want {
		t.Errorf("fields = %v, want %s", fields, want)
	}
}

func asError(err error, target **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*target = e
	return ok
}
