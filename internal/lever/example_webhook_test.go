package lever_test

import (
	"fmt"

	"stagecoach/internal/lever"
)

func ExampleParseEvent() {
	body := []byte(`{"event":"candidateStageChange","triggeredAt":1700000000123,` +
		`"token":"9d2f6b1c4e8a0f3b7c5d1e9a2b6c0d4f8e3a7b1c5d9e2f60",` +
		`"signature":"be5b6ea6f05d95532343e8f5d832724c7c382d5b57a8487db2b1aae56c01b604",` +
		`"data":{"opportunityId":"949f87f5-70e9-4cd4-9975-9bd3760ab810","toStageId":"919d84a1-52de-4af3-9b45-0c3ee1865d52"}}`)

	e, err := lever.ParseEvent(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	// The signing token is the webhook's configuration.signatureToken.
	if !e.VerifySignature("f3a1c9e07b2d4a6f8e5c1b0a9d7e6f5a4b3c2d1e0f9a8b7c") {
		fmt.Println("rejected")
		return
	}
	if e.IsVerification() {
		fmt.Println("test request from Lever's settings page")
		return
	}
	d, _ := e.Payload()
	fmt.Println(e.Event, e.OpportunityID(), d.ToStageID)
	// Output: candidateStageChange 949f87f5-70e9-4cd4-9975-9bd3760ab810 919d84a1-52de-4af3-9b45-0c3ee1865d52
}
