package leverats_test

import (
	"testing"

	"stagecoach/internal/ats"
	"stagecoach/internal/ats/leverats"
)

// TestEventsDecode: a stored Lever event's data reads as the port's event,
// and an archive change says it was archived only when its data says so
// (toArchived present: archived when it names a time or a reason).
func TestEventsDecode(t *testing.T) {
	t.Parallel()
	n := leverats.Events
	for _, name := range []string{"candidateStageChange", "candidateArchiveChange", "candidateHired", "candidateDeleted", "interviewCreated"} {
		k, ok := n.Kind(name)
		if !ok || n.Native(k) != name {
			t.Errorf("Kind(%s) = %q, %v; Native back = %q", name, k, ok, n.Native(k))
		}
	}
	if _, ok := n.Kind("contactCreated"); ok {
		t.Error("contactCreated has a kind; the port has none for contacts")
	}
	ev, err := n.Decode("candidateStageChange", []byte(`{"opportunityId":"o1","contactId":"c1","toStageId":"s2","fromStageId":"s1"}`))
	if err != nil || ev.Kind != ats.EventStageChanged || ev.ApplicationID != "o1" || ev.CandidateID != "c1" || ev.ToStageID != "s2" || ev.FromStageID != "s1" {
		t.Errorf("stage change = %+v, %v", ev, err)
	}
	for _, tc := range []struct {
		data   string
		want   *bool
		reason string
	}{
		{`{"opportunityId":"o1","toArchived":{"archivedAt":1700000000000,"reason":"r1"}}`, ptr(true), "r1"},
		{`{"opportunityId":"o1","toArchived":null,"fromArchived":{"archivedAt":1,"reason":"r1"}}`, ptr(false), ""},
		{`{"opportunityId":"o1"}`, nil, ""},
	} {
		ev, err := n.Decode("candidateArchiveChange", []byte(tc.data))
		if err != nil || (ev.Archived == nil) != (tc.want == nil) || (ev.Archived != nil && *ev.Archived != *tc.want) || ev.ArchiveReasonID != tc.reason {
			t.Errorf("Decode(%s) archived %v reason %q, %v; want %v %q", tc.data, ev.Archived, ev.ArchiveReasonID, err, tc.want, tc.reason)
		}
	}
	ev, err = n.Decode("interviewUpdated", []byte(`{"opportunityId":"o1","interviewId":"i1","panelId":"p1"}`))
	if err != nil || ev.InterviewID != "i1" || ev.PanelID != "p1" {
		t.Errorf("interview = %+v, %v", ev, err)
	}
	if _, err := n.Decode("candidateDeleted", []byte(`{"opportunityId":`)); err == nil {
		t.Error("malformed data decoded")
	}
	if ev, err := n.Decode("candidateDeleted", nil); err != nil || ev.Kind != ats.EventDeleted {
		t.Errorf("empty data = %+v, %v", ev, err)
	}
}

func ptr(b bool) *bool { return &b }
