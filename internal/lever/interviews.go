package lever

import (
	"context"
	"encoding/json"
	"iter"
)

// Interview is one interview of a panel.
type Interview struct {
	ID               string        `json:"id"`
	Panel            string        `json:"panel"`
	Subject          string        `json:"subject"`
	Note             string        `json:"note"`
	Interviewers     []Interviewer `json:"interviewers"`
	Timezone         string        `json:"timezone"`
	Date             Millis        `json:"date"`     // start
	Duration         int           `json:"duration"` // minutes
	Location         string        `json:"location"`
	FeedbackTemplate string        `json:"feedbackTemplate"`
	FeedbackForms    []string      `json:"feedbackForms"`
	FeedbackReminder string        `json:"feedbackReminder"` // once, daily, frequently, none
	User             string        `json:"user"`             // creator
	Stage            string        `json:"stage"`
	Postings         []string      `json:"postings"`
	CreatedAt        Millis        `json:"createdAt"`
	CanceledAt       Millis        `json:"canceledAt"`
}

// UnmarshalJSON tolerates expanded references and a quoted duration.
func (i *Interview) UnmarshalJSON(b []byte) error {
	type plain Interview
	aux := struct {
		*plain
		Panel         idString  `json:"panel"`
		User          idString  `json:"user"`
		Stage         idString  `json:"stage"`
		FeedbackForms idList    `json:"feedbackForms"`
		Postings      idList    `json:"postings"`
		Duration      flexInt64 `json:"duration"`
	}{plain: (*plain)(i)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	i.Panel, i.User, i.Stage = string(aux.Panel), string(aux.User), string(aux.Stage)
	i.FeedbackForms, i.Postings = aux.FeedbackForms, aux.Postings
	i.Duration = int(aux.Duration)
	return nil
}

// Interviewer is a user on an interview.
type Interviewer struct {
	ID               string `json:"id"`
	Email            string `json:"email"`
	Name             string `json:"name"`
	FeedbackTemplate string `json:"feedbackTemplate"`
}

// Panel is a set of interviews scheduled together.
type Panel struct {
	ID                string      `json:"id"`
	Applications      []string    `json:"applications"`
	Timezone          string      `json:"timezone"`
	Start             Millis      `json:"start"`
	End               Millis      `json:"end"`
	FeedbackReminder  string      `json:"feedbackReminder"`
	User              string      `json:"user"`
	Stage             string      `json:"stage"`
	Note              string      `json:"note"`
	ExternallyManaged bool        `json:"externallyManaged"` // created through the API; only these can be changed through it
	ExternalURL       string      `json:"externalUrl"`
	Interviews        []Interview `json:"interviews"`
	CreatedAt         Millis      `json:"createdAt"`
	CanceledAt        Millis      `json:"canceledAt"`
}

// UnmarshalJSON tolerates expanded references.
func (p *Panel) UnmarshalJSON(b []byte) error {
	type plain Panel
	aux := struct {
		*plain
		Applications idList   `json:"applications"`
		User         idString `json:"user"`
		Stage        idString `json:"stage"`
	}{plain: (*plain)(p)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	p.Applications, p.User, p.Stage = aux.Applications, string(aux.User), string(aux.Stage)
	return nil
}

// ListInterviews iterates over an opportunity's interviews.
func (c *Client) ListInterviews(ctx context.Context, oppID string) iter.Seq2[*Interview, error] {
	if err := needID("list interviews", "opportunity id", oppID); err != nil {
		return failed[Interview](err)
	}
	return list[Interview](ctx, c, "/opportunities/:id/interviews", "/opportunities/"+seg(oppID)+"/interviews", nil, 0)
}

// GetInterview fetches one interview of an opportunity.
func (c *Client) GetInterview(ctx context.Context, oppID, id string) (*Interview, error) {
	const op = "get interview"
	if err := needID(op, "opportunity id", oppID); err != nil {
		return nil, err
	}
	if err := needID(op, "interview id", id); err != nil {
		return nil, err
	}
	var i Interview
	if err := c.getJSON(ctx, "/opportunities/:id/interviews/:interview",
		"/opportunities/"+seg(oppID)+"/interviews/"+seg(id), nil, &i); err != nil {
		return nil, err
	}
	return &i, nil
}

// ListPanels iterates over an opportunity's interview panels.
func (c *Client) ListPanels(ctx context.Context, oppID string) iter.Seq2[*Panel, error] {
	if err := needID("list panels", "opportunity id", oppID); err != nil {
		return failed[Panel](err)
	}
	return list[Panel](ctx, c, "/opportunities/:id/panels", "/opportunities/"+seg(oppID)+"/panels", nil, 0)
}
