package leversandbox

import "testing"

// A note that @-mentions users by username notifies the active ones; an
// unknown or deactivated user, or an e-mail address, notifies nobody.
func TestNoteMentionsNotifyUsers(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	base := "/v1/opportunities/" + adaOpp + "/notes"
	b.call(t, "POST", base+"?perform_as="+recruiterID, map[string]any{"value": "@rkhan please schedule; cc @mlopez. @nobody @dana.ortiz write to ops@rkhan.example"}).must(t, 201)
	b.call(t, "POST", base, map[string]any{"value": "no mention here"}).must(t, 201)
	got := b.call(t, "GET", "/_sandbox/notifications?opportunity="+adaOpp, nil).must(t, 200).object(t)["data"].([]any)
	var names []string
	for _, n := range got {
		m := n.(map[string]any)
		names = append(names, m["username"].(string))
		if m["opportunityId"] != adaOpp || m["noteId"] == "" {
			t.Errorf("notification %v", m)
		}
	}
	if len(names) != 2 || names[0] != "rkhan" || names[1] != "mlopez" {
		t.Fatalf("notified %v, want rkhan and mlopez", names)
	}
	only := b.call(t, "GET", "/_sandbox/notifications?user=mlopez", nil).must(t, 200).object(t)["data"].([]any)
	if len(only) != 1 {
		t.Fatalf("notifications of mlopez = %v", only)
	}
	other := b.call(t, "GET", "/_sandbox/notifications?opportunity="+seedID("opportunity:ben"), nil).must(t, 200).object(t)["data"].([]any)
	if len(other) != 0 {
		t.Fatalf("notifications on another opportunity = %v", other)
	}
}
