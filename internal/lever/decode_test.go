package lever

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"
)

// referenceOpportunity is the retrieve example of reference §6.1.
const referenceOpportunity = `{"data":{"id":"949f87f5-70e9-4cd4-9975-9bd3760ab810","name":"Ada Park","headline":"Initech, Globex","contact":"e667972a-0480-48bb-ad9d-ab98346901a9","emails":["ada@example.org"],"phones":[{"type":"mobile","value":"+1 555 0100"}],"confidentiality":"non-confidential","location":"Berlin","links":["https://linkedin.com/in/adapark"],"createdAt":1700000000000,"updatedAt":1700000500000,"lastInteractionAt":1700000500000,"lastAdvancedAt":1700000400000,"snoozedUntil":null,"archivedAt":null,"archiveReason":null,"archived":null,"stage":"919d84a1-52de-4af3-9b45-0c3ee1865d52","stageChanges":[{"toStageId":"919d84a1-52de-4af3-9b45-0c3ee1865d52","toStageIndex":3,"userId":"dad91b8e-d7d5-42db-9e40-a7bbc9544de7","updatedAt":1700000400000}],"owner":"dad91b8e-d7d5-42db-9e40-a7bbc9544de7","tags":["Backend Engineer","Berlin","Full-time","acme-assess-java"],"sources":["LinkedIn"],"origin":"sourced","sourcedBy":"dad91b8e-d7d5-42db-9e40-a7bbc9544de7","applications":["4626c787-2fa4-433d-8d99-dc7deabf0f0c"],"followers":["dad91b8e-d7d5-42db-9e40-a7bbc9544de7"],"urls":{"list":"https://hire.lever.co/candidates","show":"https://hire.lever.co/candidates/949f87f5-70e9-4cd4-9975-9bd3760ab810"},"dataProtection":null,"isAnonymized":false}}`

func TestDecodeReferenceOpportunity(t *testing.T) {
	t.Parallel()
	var o Opportunity
	if err := decodeData([]byte(referenceOpportunity), &o, "GET", "/x"); err != nil {
		t.Fatal(err)
	}
	if o.ID != "949f87f5-70e9-4cd4-9975-9bd3760ab810" || o.Name != "Ada Park" || o.Contact.ID != "e667972a-0480-48bb-ad9d-ab98346901a9" {
		t.Fatalf("ids: %+v", o)
	}
	if o.Stage.ID != "919d84a1-52de-4af3-9b45-0c3ee1865d52" || o.Stage.Text != "" || o.Owner.ID != "dad91b8e-d7d5-42db-9e40-a7bbc9544de7" {
		t.Fatalf("refs: stage=%+v owner=%+v", o.Stage, o.Owner)
	}
	if len(o.Applications) != 1 || o.Applications[0].ID != "4626c787-2fa4-433d-8d99-dc7deabf0f0c" || o.PostingID() != "" {
		t.Fatalf("applications=%+v posting=%q", o.Applications, o.PostingID())
	}
	if o.Archived != nil || o.CreatedAt != 1700000000000 || o.LastAdvancedAt.Time() != time.UnixMilli(1700000400000) {
		t.Fatalf("archived=%v createdAt=%d", o.Archived, o.CreatedAt)
	}
	if len(o.StageChanges) != 1 || o.StageChanges[0].ToStageIndex != 3 || o.Phones[0] != (Phone{"mobile", "+1 555 0100"}) {
		t.Fatalf("stageChanges=%+v phones=%+v", o.StageChanges, o.Phones)
	}
	if !slices.Equal(o.Tags, []string{"Backend Engineer", "Berlin", "Full-time", "acme-assess-java"}) || o.URLs.Show == "" {
		t.Fatalf("tags=%v urls=%+v", o.Tags, o.URLs)
	}
}

func TestDecodeExpandedOpportunity(t *testing.T) {
	t.Parallel()
	body := `{"data":{"id":"o1","contact":{"id":"c1","name":"Ada","emails":["ada@x.org"],"location":{"name":"Berlin"}},
		"stage":{"id":"s1","text":"Phone screen"},"owner":{"id":"u1","name":"Rae Khan","email":"rae@x.org","username":"rkhan"},
		"applications":[{"id":"a1","posting":"p1","type":"posting","opportunityId":"o1"}],
		"followers":[{"id":"u1","name":"Rae"},"u2"],"archived":{"archivedAt":"1700000000000","reason":{"id":"r1","text":"Hired"}},
		"createdAt":"1700000000000","updatedAt":"","lastAdvancedAt":null,"isAnonymized":"false","someFutureField":{"x":1}}}`
	var o Opportunity
	if err := decodeData([]byte(body), &o, "GET", "/x"); err != nil {
		t.Fatal(err)
	}
	if o.Contact.ID != "c1" || o.Contact.Name != "Ada" || !slices.Equal(o.Contact.Emails, []string{"ada@x.org"}) {
		t.Fatalf("contact=%+v", o.Contact)
	}
	if o.Stage != (StageRef{"s1", "Phone screen"}) || o.Owner != (UserRef{"u1", "Rae Khan", "rae@x.org", "rkhan"}) {
		t.Fatalf("stage=%+v owner=%+v", o.Stage, o.Owner)
	}
	if o.PostingID() != "p1" || o.Applications[0].Type != "posting" {
		t.Fatalf("applications=%+v", o.Applications)
	}
	if !slices.Equal(o.Followers, []string{"u1", "u2"}) {
		t.Fatalf("followers=%v", o.Followers)
	}
	if o.Archived == nil || *o.Archived != (Archived{1700000000000, "r1"}) {
		t.Fatalf("archived=%+v", o.Archived)
	}
	if o.CreatedAt != 1700000000000 || o.UpdatedAt != 0 || o.LastAdvancedAt != 0 {
		t.Fatalf("timestamps %d %d %d", o.CreatedAt, o.UpdatedAt, o.LastAdvancedAt)
	}
}

func TestDecodeLegacyArchivedFields(t *testing.T) {
	t.Parallel()
	var o Opportunity
	if err := json.Unmarshal([]byte(`{"id":"o1","archived":null,"archivedAt":1700000000000,"archiveReason":"r1"}`), &o); err != nil {
		t.Fatal(err)
	}
	if o.Archived == nil || *o.Archived != (Archived{1700000000000, "r1"}) {
		t.Fatalf("archived=%+v", o.Archived)
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	var o Opportunity
	if err := decodeData([]byte(referenceOpportunity), &o, "GET", "/x"); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(&o)
	if err != nil {
		t.Fatal(err)
	}
	var back Opportunity
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("re-decode %s: %v", b, err)
	}
	if back.ID != o.ID || back.Stage != o.Stage || back.Contact.ID != o.Contact.ID || back.CreatedAt != o.CreatedAt || len(back.Applications) != 1 {
		t.Fatalf("round trip lost data: %+v", back)
	}
}

func TestMillis(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Millis{
		`1700000000123`:     1700000000123,
		`"1700000000123"`:   1700000000123,
		`null`:              0,
		`""`:                0,
		`1.700000000123e12`: 1700000000123,
	} {
		var m Millis
		if err := json.Unmarshal([]byte(in), &m); err != nil || m != want {
			t.Errorf("Millis(%s)=%d, %v; want %d", in, m, err, want)
		}
	}
	for _, in := range []string{`"soon"`, `1.5`, `true`, `{}`} {
		var m Millis
		if err := json.Unmarshal([]byte(in), &m); err == nil {
			t.Errorf("Millis(%s) decoded to %d, want an error", in, m)
		}
	}
	if !Millis(0).Time().IsZero() || MillisOf(time.Time{}) != 0 {
		t.Error("zero Millis must be the zero time")
	}
	now := time.UnixMilli(time.Now().UnixMilli())
	if got := MillisOf(now).Time(); !got.Equal(now) {
		t.Errorf("round trip %v → %v", now, got)
	}
}

// TestEnvelopes covers reference §4.1: single wrapper, bare object, double
// wrapper, bare array, and a list inside a double wrapper.
func TestEnvelopes(t *testing.T) {
	t.Parallel()
	webhook := `{"id":"w1","event":"candidateStageChange","url":"https://x","configuration":{"signatureToken":"tok"},"createdAt":"1700000000000"}`
	for name, body := range map[string]string{
		"single": `{"data":` + webhook + `}`,
		"bare":   webhook,
		"double": `{"data":{"data":` + webhook + `}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var w Webhook
			if err := decodeData([]byte(body), &w, "POST", "/webhooks"); err != nil {
				t.Fatal(err)
			}
			if w.ID != "w1" || w.Configuration.SignatureToken != "tok" || w.CreatedAt != 1700000000000 {
				t.Fatalf("webhook=%+v", w)
			}
		})
	}

	ctx := context.Background()
	for name, body := range map[string]string{
		"list single": `{"data":[{"id":"f1","size":"10"},{"id":"f2","size":20}],"hasNext":false}`,
		"list bare":   `[{"id":"f1","size":"10"},{"id":"f2","size":20}]`,
		"list double": `{"data":{"data":[{"id":"f1","size":"10"},{"id":"f2","size":20}],"hasNext":false}}`,
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) { writeRaw(w, 200, body) })
			files, err := collect(c.ListFiles(ctx, "o1"))
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 2 || files[0].Size != 10 || files[1].Size != 20 {
				t.Fatalf("files=%+v", files)
			}
		})
	}

	t.Run("note id", func(t *testing.T) {
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 201, `{"data":{"noteId":"9b5b3351-0d49-42a2-88a8-313ea14c5a54"}}`)
		})
		id, err := c.CreateNote(ctx, "o1", NoteInput{Value: "x"}, "")
		if err != nil || id != "9b5b3351-0d49-42a2-88a8-313ea14c5a54" {
			t.Fatalf("id=%q err=%v", id, err)
		}
	})

	t.Run("bare feedback", func(t *testing.T) {
		c, _ := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 201, `{"id":"fb1","type":"interview","user":{"id":"u1"},"panel":"p1","interview":"i1","completedAt":"1700000000000",
				"fields":[{"id":"f1","type":"score-system","text":"Rating","required":"true","value":"3 - Hire","options":[{"text":"3 - Hire"}]}]}`)
		})
		fb, err := c.CreateFeedback(ctx, "o1", FeedbackInput{BaseTemplateID: "t1"}, "u1")
		if err != nil {
			t.Fatal(err)
		}
		if fb.ID != "fb1" || fb.User != "u1" || fb.CompletedAt != 1700000000000 || !fb.Fields[0].Required || fb.Fields[0].Value != "3 - Hire" {
			t.Fatalf("feedback=%+v", fb)
		}
	})
}

func TestDecodeNotesAndResumes(t *testing.T) {
	t.Parallel()
	var n Note
	body := `{"id":"n1","text":"Note","user":{"id":"u1"},"secret":false,"createdAt":1,
		"fields":[{"type":"note","text":"Comment","value":"first","user":"u1","createdAt":"2","score":3},{"type":"note","value":"second"},{"type":"note","value":null}]}`
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		t.Fatal(err)
	}
	if n.User != "u1" || n.Value() != "first\n\nsecond" || n.Fields[0].CreatedAt != 2 {
		t.Fatalf("note=%+v value=%q", n, n.Value())
	}
	var r Resume
	body = `{"id":"r1","createdAt":1,"file":{"name":"cv.pdf","ext":".pdf","size":"1234","uploadedAt":"5"},
		"parsedData":{"positions":[{"org":"Initech","title":"Engineer","start":{"year":"2019","month":3},"end":null}],"schools":[]}}`
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if r.File == nil || r.File.Size != 1234 || r.ParsedData.Positions[0].Start != (YearMonth{2019, 3}) {
		t.Fatalf("resume=%+v", r)
	}
}
