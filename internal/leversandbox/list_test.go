package leversandbox

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"
)

func TestPagination(t *testing.T) {
	t.Parallel()
	clock := time.UnixMilli(1_800_000_000_000)
	_, b := setup(t, Config{Seed: "", NowFunc: func() time.Time { return clock }})
	for i := range 130 {
		b.call(t, "POST", "/v1/opportunities?perform_as="+adminID, map[string]any{
			"name": "Person " + strconv.Itoa(i), "emails": []string{"p" + strconv.Itoa(i) + "@example.org"},
			"createdAt": clock.UnixMilli() - int64(1000-i),
		}).must(t, http.StatusCreated)
	}

	t.Run("default limit is 100 and pages join up", func(t *testing.T) {
		first := b.call(t, "GET", "/v1/opportunities", nil).must(t, 200)
		page1 := first.list(t)
		obj := first.object(t)
		if len(page1) != 100 || obj["hasNext"] != true {
			t.Fatalf("page 1: %d items, hasNext=%v", len(page1), obj["hasNext"])
		}
		next := obj["next"].(string)
		if !regexpOffset.MatchString(next) {
			t.Fatalf("next=%q is not shaped 0.<millis>.<id>", next)
		}
		second := b.call(t, "GET", "/v1/opportunities?offset="+url.QueryEscape(next), nil).must(t, 200)
		page2 := second.list(t)
		if len(page2) != 30 || second.object(t)["hasNext"] != false {
			t.Fatalf("page 2: %d items, hasNext=%v", len(page2), second.object(t)["hasNext"])
		}
		seen := map[string]bool{}
		var last float64
		for _, o := range append(page1, page2...) {
			if seen[o["id"].(string)] {
				t.Fatalf("duplicate %v", o["id"])
			}
			seen[o["id"].(string)] = true
			if c := o["createdAt"].(float64); c < last {
				t.Fatalf("not ordered by createdAt")
			} else {
				last = c
			}
		}
	})
	t.Run("limit", func(t *testing.T) {
		var all []map[string]any
		path := "/v1/opportunities?limit=40"
		for pages := 0; ; pages++ {
			r := b.call(t, "GET", path, nil).must(t, 200)
			all = append(all, r.list(t)...)
			if r.object(t)["hasNext"] != true {
				break
			}
			path = "/v1/opportunities?limit=40&offset=" + url.QueryEscape(r.object(t)["next"].(string))
			if pages > 10 {
				t.Fatal("too many pages")
			}
		}
		if len(all) != 130 {
			t.Fatalf("walked %d opportunities, want 130", len(all))
		}
	})
	t.Run("bad limit and offset are 400", func(t *testing.T) {
		for _, q := range []string{"limit=0", "limit=101", "limit=x", "offset=12", "offset=0.1700000000000.not-issued"} {
			b.call(t, "GET", "/v1/opportunities?"+q, nil).errorBody(t, 400, "BadRequest")
		}
	})
}

func TestOpportunityFilters(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	ids := func(q string) map[string]bool {
		t.Helper()
		out := map[string]bool{}
		for _, o := range b.call(t, "GET", "/v1/opportunities?"+q, nil).must(t, 200).list(t) {
			out[o["id"].(string)] = true
		}
		return out
	}
	count := func(q string) int { t.Helper(); return len(ids(q)) }
	if n := count(""); n != 13 {
		t.Fatalf("all: %d, want 13 (archived ones included by default)", n)
	}
	if n := count("archived=true"); n != 2 {
		t.Fatalf("archived=true: %d, want 2", n)
	}
	if n := count("archived=false"); n != 11 {
		t.Fatalf("archived=false: %d, want 11", n)
	}
	if n := count("stage_id=" + stageID("New applicant")); n != 5 {
		t.Fatalf("New applicant: %d, want 5", n)
	}
	// Repeated parameters are a union.
	if n, a, b2 := count("stage_id="+stageID("New applicant")+"&stage_id="+stageID("Offer")), count("stage_id="+stageID("New applicant")), count("stage_id="+stageID("Offer")); n != a+b2 {
		t.Fatalf("union: %d, want %d", n, a+b2)
	}
	if n := count("tag=Demo:%20Go%20Coding"); n != 4 {
		t.Fatalf("tag: %d, want 4", n)
	}
	if n := count("tag=demo:%20go%20coding"); n != 0 {
		t.Fatalf("tags are case-sensitive: %d, want 0", n)
	}
	if got := ids("email=ada.park@example.org"); len(got) != 1 || !got[adaOpp] {
		t.Fatalf("email: %v", got)
	}
	if n := count("posting_id=" + backendPosting); n != 4 {
		t.Fatalf("posting_id: %d, want 4", n)
	}
	if n := count("origin=referred&origin=agency"); n != 3 {
		t.Fatalf("origin: %d, want 3", n)
	}
	if n := count("archive_reason_id=" + seedID("reason:Hired")); n != 1 {
		t.Fatalf("archive_reason_id: %d, want 1", n)
	}
	if n := count("location=London"); n != 4 {
		t.Fatalf("location: %d, want 4", n)
	}
	if n := count("location=unspecified"); n != 1 {
		t.Fatalf("location=unspecified: %d, want 1 (the lead without posting)", n)
	}
	if n := count("contact_id=" + seedID("contact:ada")); n != 1 {
		t.Fatalf("contact_id: %d", n)
	}
	if n := count("source=LinkedIn"); n != 2 {
		t.Fatalf("source: %d, want 2", n)
	}
	if n := count("created_at_start=9999999999999"); n != 0 {
		t.Fatalf("created_at_start in the future: %d", n)
	}
	b.call(t, "GET", "/v1/opportunities?created_at_start=yesterday", nil).errorBody(t, 400, "BadRequest")
	b.call(t, "GET", "/v1/opportunities?archived=maybe", nil).errorBody(t, 400, "BadRequest")

	// updatedAt moves with a stage change, not with a note.
	before := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["updatedAt"].(float64)
	b.call(t, "POST", "/v1/opportunities/"+adaOpp+"/notes", map[string]any{"value": "hello"}).must(t, 201)
	if got := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["updatedAt"].(float64); got != before {
		t.Fatalf("a note bumped updatedAt")
	}
	b.call(t, "PUT", "/v1/opportunities/"+adaOpp+"/stage", map[string]string{"stage": stageID("Offer")}).must(t, 200)
	after := b.call(t, "GET", "/v1/opportunities/"+adaOpp, nil).must(t, 200).data(t)["updatedAt"].(float64)
	if after <= before {
		t.Fatalf("a stage change did not bump updatedAt")
	}
	if got := ids("updated_at_start=" + strconv.FormatInt(int64(after), 10)); !got[adaOpp] {
		t.Fatalf("updated_at_start misses the moved opportunity")
	}
	if got := ids("advanced_at_start=" + strconv.FormatInt(int64(after), 10)); len(got) != 1 || !got[adaOpp] {
		t.Fatalf("advanced_at_start: %v", got)
	}
}

func TestExpandAndInclude(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	o := b.call(t, "GET", "/v1/opportunities/"+adaOpp+"?expand=applications&expand=stage&expand=owner&expand=followers&expand=contact&expand=sourcedBy", nil).must(t, 200).data(t)
	apps := o["applications"].([]any)
	if len(apps) != 1 || apps[0].(map[string]any)["posting"] != backendPosting {
		t.Fatalf("applications=%v", o["applications"])
	}
	if st := o["stage"].(map[string]any); st["text"] != "New applicant" {
		t.Fatalf("stage=%v", st)
	}
	if owner := o["owner"].(map[string]any); owner["username"] != "rkhan" {
		t.Fatalf("owner=%v", owner)
	}
	if f := o["followers"].([]any); len(f) != 1 {
		t.Fatalf("followers=%v", f)
	}
	if c := o["contact"].(map[string]any); c["location"].(map[string]any)["name"] != "Berlin" {
		t.Fatalf("contact=%v", c)
	}
	if o["sourcedBy"] != nil {
		t.Fatalf("sourcedBy=%v, want null for an applicant", o["sourcedBy"])
	}

	inc := b.call(t, "GET", "/v1/opportunities/"+adaOpp+"?include=name&include=tags&expand=stage", nil).must(t, 200).data(t)
	if len(inc) != 4 || inc["id"] == nil || inc["name"] == nil || inc["tags"] == nil || inc["stage"] == nil {
		t.Fatalf("include=name,tags expand=stage gave %v", inc)
	}
	list := b.call(t, "GET", "/v1/opportunities?include=name&limit=2", nil).must(t, 200).list(t)
	if len(list) != 2 || len(list[0]) != 2 {
		t.Fatalf("list with include: %v", list)
	}

	// Postings: content always (as in Lever's list example), followers only
	// when asked for in lists.
	plist := b.call(t, "GET", "/v1/postings?state=published&tag=JobTwine", nil).must(t, 200).list(t)
	if len(plist) != 1 || plist[0]["id"] != sreposting || plist[0]["content"] == nil || plist[0]["followers"] != nil {
		t.Fatalf("postings ?tag=JobTwine: %v", plist)
	}
	p := b.call(t, "GET", "/v1/postings/"+backendPosting+"?expand=owner&expand=hiringManager", nil).must(t, 200).data(t)
	if p["content"] == nil || p["owner"].(map[string]any)["id"] != recruiterID || p["hiringManager"].(map[string]any)["id"] != interviewerID {
		t.Fatalf("posting=%v", p)
	}
	if n := len(b.call(t, "GET", "/v1/postings?state=closed", nil).must(t, 200).list(t)); n != 1 {
		t.Fatalf("closed postings: %d", n)
	}
}

func TestAccountLists(t *testing.T) {
	t.Parallel()
	_, b := demo(t)
	stages := b.call(t, "GET", "/v1/stages", nil).must(t, 200).list(t)
	var texts []string
	for _, s := range stages {
		texts = append(texts, s["text"].(string))
	}
	want := []string{"New lead", "New applicant", "Recruiter screen", "Phone interview", "Assessment", "Assessment Complete", "Jobma", "JobTwine", "On-site", "Offer"}
	if len(texts) != len(want) {
		t.Fatalf("stages=%v", texts)
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Fatalf("stages=%v, want %v", texts, want)
		}
	}
	hired := b.call(t, "GET", "/v1/archive_reasons?type=hired", nil).must(t, 200).list(t)
	if len(hired) != 1 || hired[0]["text"] != "Hired" {
		t.Fatalf("hired reasons=%v", hired)
	}
	if n := len(b.call(t, "GET", "/v1/archive_reasons?type=non-hired", nil).must(t, 200).list(t)); n < 3 {
		t.Fatalf("non-hired reasons: %d", n)
	}

	// Users: active by default, exact e-mail, roles.
	users := b.call(t, "GET", "/v1/users", nil).must(t, 200).list(t)
	if len(users) != 6 {
		t.Fatalf("active users: %d, want 6", len(users))
	}
	if n := len(b.call(t, "GET", "/v1/users?includeDeactivated=true", nil).must(t, 200).list(t)); n != 7 {
		t.Fatalf("with deactivated: %d", n)
	}
	if u := b.call(t, "GET", "/v1/users?email=rkhan@example.com", nil).must(t, 200).list(t); len(u) != 1 || u[0]["username"] != "rkhan" {
		t.Fatalf("by e-mail: %v", u)
	}
	if u := b.call(t, "GET", "/v1/users?email=rkhan", nil).must(t, 200).list(t); len(u) != 0 {
		t.Fatalf("partial e-mail matched: %v", u)
	}
	if u := b.call(t, "GET", "/v1/users?accessRole=super%20admin", nil).must(t, 200).list(t); len(u) != 1 {
		t.Fatalf("super admins: %v", u)
	}
	nu := b.call(t, "POST", "/v1/users", map[string]any{"name": "New Hire", "email": "new.hire@example.com"}).must(t, 201).data(t)
	if nu["accessRole"] != "interviewer" || nu["username"] != "new.hire" {
		t.Fatalf("new user=%v", nu)
	}
	b.call(t, "POST", "/v1/users/"+nu["id"].(string)+"/deactivate", nil).must(t, 200)
	if n := len(b.call(t, "GET", "/v1/users", nil).must(t, 200).list(t)); n != 6 {
		t.Fatalf("deactivated user still listed")
	}
	b.call(t, "POST", "/v1/users/"+nu["id"].(string)+"/reactivate", nil).must(t, 200)

	// Tags and sources count opportunities.
	tags := b.call(t, "GET", "/v1/tags", nil).must(t, 200).list(t)
	found := false
	for _, tg := range tags {
		if tg["text"] == "Demo: SQL Basics" {
			found = true
			if tg["count"] != float64(4) {
				t.Fatalf("Demo: SQL Basics count=%v, want 4", tg["count"])
			}
		}
	}
	if !found {
		t.Fatalf("tags=%v", tags)
	}
	if n := len(b.call(t, "GET", "/v1/sources", nil).must(t, 200).list(t)); n == 0 {
		t.Fatal("no sources")
	}
}
