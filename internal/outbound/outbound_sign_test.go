package outbound

import (
	"strings"
	"testing"
	"time"
)

// The Standard Webhooks reference test vector
// (github.com/standard-webhooks/standard-webhooks, libraries/*/webhook_test).
// The expected signature was confirmed independently with Python:
//
//	python3 -c 'import hmac,hashlib,base64
//	k=base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
//	m=b"msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{\"test\": 2432232314}"
//	print("v1,"+base64.b64encode(hmac.new(k,m,hashlib.sha256).digest()).decode())'
//
// which prints v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=.
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorMsgID     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignKnownAnswer(t *testing.T) {
	t.Parallel()
	got, err := Sign(vectorSecret, vectorMsgID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Fatalf("Sign=%q, want %q", got, vectorSignature)
	}

	t.Run("without the whsec_ prefix", func(t *testing.T) {
		t.Parallel()
		got, err := Sign(strings.TrimPrefix(vectorSecret, SecretPrefix), vectorMsgID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload))
		if err != nil || got != vectorSignature {
			t.Fatalf("Sign=%q, %v; want %q", got, err, vectorSignature)
		}
	})

	t.Run("the time zone does not matter", func(t *testing.T) {
		t.Parallel()
		ts := time.Unix(vectorTimestamp, 999).In(time.FixedZone("X", 5*3600))
		got, err := Sign(vectorSecret, vectorMsgID, ts, []byte(vectorPayload))
		if err != nil || got != vectorSignature {
			t.Fatalf("Sign=%q, %v; want %q", got, err, vectorSignature)
		}
	})

	t.Run("any change breaks it", func(t *testing.T) {
		t.Parallel()
		for name, got := range map[string]string{
			"id":        must(Sign(vectorSecret, vectorMsgID+"x", time.Unix(vectorTimestamp, 0), []byte(vectorPayload))),
			"timestamp": must(Sign(vectorSecret, vectorMsgID, time.Unix(vectorTimestamp+1, 0), []byte(vectorPayload))),
			"body":      must(Sign(vectorSecret, vectorMsgID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload+" "))),
			"secret":    must(Sign(NewSecret(), vectorMsgID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload))),
		} {
			if got == vectorSignature {
				t.Errorf("changing the %s kept the signature", name)
			}
		}
	})
}

func TestSignAll(t *testing.T) {
	t.Parallel()
	other := NewSecret()
	ts := time.Unix(vectorTimestamp, 0)
	got, err := SignAll([]string{vectorSecret, "", other}, vectorMsgID, ts, []byte(vectorPayload))
	if err != nil {
		t.Fatal(err)
	}
	want := vectorSignature + " " + must(Sign(other, vectorMsgID, ts, []byte(vectorPayload)))
	if got != want {
		t.Fatalf("SignAll=%q, want %q", got, want)
	}

	t.Run("no secret", func(t *testing.T) {
		t.Parallel()
		if _, err := SignAll([]string{"", " "}, vectorMsgID, ts, nil); err == nil {
			t.Fatal("SignAll with no secret succeeded")
		}
	})
	t.Run("a bad secret", func(t *testing.T) {
		t.Parallel()
		if _, err := SignAll([]string{vectorSecret, "whsec_!!"}, vectorMsgID, ts, nil); err == nil {
			t.Fatal("SignAll with a bad secret succeeded")
		}
	})
	t.Run("no message id", func(t *testing.T) {
		t.Parallel()
		if _, err := Sign(vectorSecret, "", ts, nil); err == nil {
			t.Fatal("Sign with no message id succeeded")
		}
	})
}

func must(s string, err error) string {
	if err != nil {
		panic(err)
	}
	return s
}
