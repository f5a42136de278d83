package engine

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"stagecoach/internal/domain"
	"stagecoach/internal/flow"
	"stagecoach/internal/store"
)

// MaxCVBytes bounds an exported CV.
const MaxCVBytes = 10 << 20

// maxCandidateID is the longest provider candidate id, in characters.
const maxCandidateID = 200

// ExportInput is a candidate a sourcing provider exports into Lever.
type ExportInput struct {
	// Connection is the Lever connection to export to; it may be left out
	// when the provider is enabled on one connection only.
	Connection          string         `json:"connection,omitempty"`
	ProviderCandidateID string         `json:"providerCandidateId"`
	Outcome             string         `json:"outcome"`
	Candidate           CandidateInput `json:"candidate"`
	CV                  *CVInput       `json:"cv,omitempty"`
	RoleID              string         `json:"roleId,omitempty"`
	Stage               string         `json:"stage,omitempty"`
	RecruiterEmail      string         `json:"recruiterEmail,omitempty"`
}

// CandidateInput is the exported candidate's profile.
type CandidateInput struct {
	Name       string         `json:"name,omitempty"`
	Emails     []string       `json:"emails,omitempty"`
	Phones     []domain.Phone `json:"phones,omitempty"`
	Links      []string       `json:"links,omitempty"`
	ProfileURL string         `json:"profileUrl,omitempty"`
	Headline   string         `json:"headline,omitempty"`
	Location   string         `json:"location,omitempty"`
}

// CVInput is a CV file, inline or by URL: PDF, DOC or DOCX.
type CVInput struct {
	Filename      string `json:"filename"`
	ContentBase64 string `json:"contentBase64,omitempty"`
	URL           string `json:"url,omitempty"`
}

// cvTypes are the CV file types accepted, by extension, with the bytes
// their content starts with.
var cvTypes = map[string]struct {
	contentType string
	magic       []byte
}{
	".pdf":  {"application/pdf", []byte("%PDF-")},
	".doc":  {"application/msword", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}},
	".docx": {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", []byte("PK\x03\x04")},
}

// CVContentType checks that a CV's content is what its name says (PDF, DOC
// or DOCX) and returns its MIME type, or says what is wrong.
func CVContentType(filename string, b []byte) (string, error) {
	t, ok := cvTypes[strings.ToLower(path.Ext(filename))]
	if !ok {
		return "", fmt.Errorf("must name a PDF, DOC or DOCX file (.pdf, .doc or .docx), got %q", filename)
	}
	if !bytes.HasPrefix(b, t.magic) {
		return "", fmt.Errorf("is not a %s file: its content does not start as one", strings.ToUpper(strings.TrimPrefix(path.Ext(filename), ".")))
	}
	return t.contentType, nil
}

func validHTTPURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// validate checks the input, naming each field that is wrong. It returns
// the decoded CV content, if given inline.
func (in *ExportInput) validate() ([]byte, error) {
	var errs []domain.FieldError
	bad := func(f, m string) { errs = append(errs, domain.FieldError{Field: f, Message: m}) }
	switch id := strings.TrimSpace(in.ProviderCandidateID); {
	case id == "":
		bad("providerCandidateId", "is required")
	case id != in.ProviderCandidateID:
		bad("providerCandidateId", "must not start or end with spaces")
	case utf8.RuneCountInString(id) > maxCandidateID:
		bad("providerCandidateId", fmt.Sprintf("must be at most %d characters", maxCandidateID))
	}
	switch in.Outcome {
	case domain.OutcomeSuccessful, domain.OutcomeUnsuccessful:
	case "":
		bad("outcome", "is required: successful or unsuccessful")
	default:
		bad("outcome", fmt.Sprintf("must be successful or unsuccessful (got %q)", in.Outcome))
	}
	c := &in.Candidate
	if in.Outcome == domain.OutcomeSuccessful && strings.TrimSpace(c.Name) == "" {
		bad("candidate.name", "is required")
	}
	for i, e := range c.Emails {
		if a, err := mail.ParseAddress(e); err != nil || a.Address != strings.TrimSpace(e) {
			bad(fmt.Sprintf("candidate.emails[%d]", i), "must be an e-mail address")
		}
	}
	for i, p := range c.Phones {
		if strings.TrimSpace(p.Value) == "" {
			bad(fmt.Sprintf("candidate.phones[%d].value", i), "is required")
		}
	}
	for i, l := range c.Links {
		if !validHTTPURL(l) {
			bad(fmt.Sprintf("candidate.links[%d]", i), "must be an http(s) URL")
		}
	}
	if c.ProfileURL != "" && !validHTTPURL(c.ProfileURL) {
		bad("candidate.profileUrl", "must be an http(s) URL")
	}
	if in.RecruiterEmail != "" {
		if _, err := mail.ParseAddress(in.RecruiterEmail); err != nil {
			bad("recruiterEmail", "must be an e-mail address")
		}
	}
	if utf8.RuneCountInString(in.Stage) > 200 {
		bad("stage", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(in.RoleID) > 200 {
		bad("roleId", "must be at most 200 characters")
	}
	var cv []byte
	if in.CV != nil {
		_, extOK := cvTypes[strings.ToLower(path.Ext(in.CV.Filename))]
		if !extOK {
			bad("cv.filename", fmt.Sprintf("must name a PDF, DOC or DOCX file (.pdf, .doc or .docx), got %q", in.CV.Filename))
		}
		switch {
		case (in.CV.ContentBase64 == "") == (in.CV.URL == ""):
			bad("cv", "give exactly one of contentBase64 and url")
		case in.CV.ContentBase64 != "":
			b, err := base64.StdEncoding.DecodeString(in.CV.ContentBase64)
			switch {
			case err != nil:
				bad("cv.contentBase64", "is not valid base64")
			case len(b) > MaxCVBytes:
				bad("cv.contentBase64", "is larger than 10 MiB")
			case len(b) == 0:
				bad("cv.contentBase64", "is empty")
			default:
				if _, err := CVContentType(in.CV.Filename, b); err != nil && extOK {
					bad("cv.contentBase64", err.Error())
				}
				cv = b
			}
		default:
			if !validHTTPURL(in.CV.URL) {
				bad("cv.url", "must be an http(s) URL")
			}
		}
	}
	if len(errs) > 0 {
		m := errs[0].Field + " " + errs[0].Message
		if len(errs) > 1 {
			m += fmt.Sprintf(" (and %d more problems)", len(errs)-1)
		}
		return nil, &domain.Error{Code: domain.EInvalid, Message: m, Fields: errs}
	}
	return cv, nil
}

// sourcingIntegration finds the enabled sourcing integration of a provider
// on the connection named (or on its only connection).
func sourcingIntegration(ctx context.Context, tx *store.Tx, p *domain.Provider, connection string) (*domain.Integration, error) {
	if !flow.Is[flow.Exporter](p.Kind) {
		return nil, domain.Errorf(domain.EForbidden, "exports are for sourcing providers; %s is a %s provider", p.Name, p.Kind)
	}
	ins, err := tx.IntegrationList(ctx, store.IntegrationFilter{ProviderID: p.ID, ConnectionID: connection, EnabledOnly: true})
	if err != nil {
		return nil, err
	}
	switch {
	case len(ins) == 1:
		return ins[0], nil
	case len(ins) == 0 && connection != "":
		return nil, &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("connection %q has no enabled integration of %s", connection, p.Name),
			Fields: []domain.FieldError{{Field: "connection", Message: "has no enabled integration of this provider"}}}
	case len(ins) == 0:
		return nil, domain.Errorf(domain.EConflict, "%s is not enabled on any Lever connection yet", p.Name)
	}
	return nil, &domain.Error{Code: domain.EInvalid, Message: fmt.Sprintf("%s is enabled on %d connections: name one in connection", p.Name, len(ins)),
		Fields: []domain.FieldError{{Field: "connection", Message: "is required when the provider is enabled on several connections"}}}
}

// pseudonymKeyName names the server key pseudonyms are derived from.
const pseudonymKeyName = "pseudonym"

// Pseudonym renders the stable pseudonym of a provider's candidate: an
// HMAC-SHA256, under a server key that never leaves stagecoach, of the
// provider id and the provider's candidate id. The same candidate always
// gets the same pseudonym; nobody without the key can tell who it is.
func Pseudonym(key []byte, providerID, candidateID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(providerID))
	m.Write([]byte{0})
	m.Write([]byte(candidateID))
	h := strings.ToUpper(hex.EncodeToString(m.Sum(nil)[:4]))
	return "Candidate " + h[:4] + "-" + h[4:]
}

// Export records a candidate a sourcing provider exports and enqueues the
// work that makes (or updates) its Lever opportunity, in one transaction.
// Exporting the same provider candidate again updates the record: it never
// makes a second opportunity. It reports whether the export is new.
func (e *Engine) Export(ctx context.Context, p *domain.Provider, in ExportInput) (*domain.Export, bool, error) {
	cv, err := in.validate()
	if err != nil {
		return nil, false, err
	}
	if in.CV != nil && in.CV.URL != "" {
		if err := e.checkFetchURL("cv.url", in.CV.URL); err != nil {
			return nil, false, err
		}
	}
	var out *domain.Export
	var created bool
	err = e.db.InTx(ctx, func(tx *store.Tx) error {
		integ, err := sourcingIntegration(ctx, tx, p, in.Connection)
		if err != nil {
			return err
		}
		s, err := e.integrationSettings(integ, p)
		if err != nil {
			return err
		}
		pseudonymous := in.Outcome == domain.OutcomeUnsuccessful
		if pseudonymous && exportPolicy(s) != ExportAll {
			return &domain.Error{Code: domain.EInvalid,
				Message: fmt.Sprintf("outcome unsuccessful: the integration exports only successful candidates (exportPolicy %q); nothing was exported", exportPolicy(s)),
				Fields:  []domain.FieldError{{Field: "outcome", Message: "unsuccessful candidates are not exported by this integration"}}}
		}
		x := &domain.Export{
			ID: domain.NewID("exp"), IntegrationID: integ.ID, ConnectionID: integ.ConnectionID, ProviderID: p.ID,
			ProviderCandidateID: in.ProviderCandidateID, Status: domain.ExportPending, Outcome: in.Outcome,
			RoleID: in.RoleID, ProviderStage: in.Stage, RecruiterEmail: strings.TrimSpace(in.RecruiterEmail),
		}
		if pseudonymous {
			// Nothing that names the person is kept: not even in this
			// transaction's rows.
			key, err := e.pseudonymKey(ctx, tx)
			if err != nil {
				return err
			}
			x.Pseudonym = Pseudonym(key, p.ID, in.ProviderCandidateID)
		} else {
			x.Profile = profileOf(in.Candidate)
			if in.CV != nil {
				x.CV, x.CVName, x.CVURL = cv, cvFileName(in.CV.Filename), in.CV.URL
			}
		}
		inserted, err := tx.ExportInsert(ctx, x)
		if err != nil {
			return err
		}
		if !inserted {
			if x, err = e.exportUpdate(ctx, tx, integ, x); err != nil {
				return err
			}
		}
		created, out = inserted, x
		return e.enqueueExportSync(ctx, tx, x)
	})
	if err == nil {
		e.q.Notify()
	}
	return out, created, err
}

// exportUpdate applies a repeated export of a candidate to the stored one.
func (e *Engine) exportUpdate(ctx context.Context, tx *store.Tx, integ *domain.Integration, in *domain.Export) (*domain.Export, error) {
	x, err := tx.ExportByCandidate(ctx, integ.ID, in.ProviderCandidateID)
	if err != nil {
		return nil, err
	}
	if x.Status == domain.ExportDeleted {
		return nil, domain.Errorf(domain.EConflict, "candidate %q was exported as %s, whose opportunity was deleted in Lever; its data was purged and it is not exported again", x.ProviderCandidateID, x.ID)
	}
	if x.Outcome != in.Outcome {
		return nil, &domain.Error{Code: domain.EConflict,
			Message: fmt.Sprintf("candidate %q was exported as %s; an export's outcome cannot change", x.ProviderCandidateID, x.Outcome),
			Fields:  []domain.FieldError{{Field: "outcome", Message: "differs from the first export of this candidate"}}}
	}
	if x.Pseudonym == "" {
		x.Profile = in.Profile
		if len(in.CV) > 0 || in.CVURL != "" {
			x.CV, x.CVName, x.CVURL = in.CV, in.CVName, in.CVURL
		}
	}
	if in.RoleID != "" {
		x.RoleID = in.RoleID
	}
	if in.RecruiterEmail != "" {
		x.RecruiterEmail = in.RecruiterEmail
	}
	if in.ProviderStage != "" && in.ProviderStage != x.ProviderStage {
		x.ProviderStage = in.ProviderStage
		x.StageVersion++
	}
	if x.Status == domain.ExportFailed {
		// Try again: the operator may have fixed the settings.
		x.Status, x.LastError = domain.ExportPending, ""
		if x.OpportunityID != "" {
			x.Status = domain.ExportExported
		}
	}
	return x, tx.ExportUpdate(ctx, x)
}

// ExportStage records a stage change the provider reports for one of its
// exports; the opportunity follows to the mapped Lever stage.
func (e *Engine) ExportStage(ctx context.Context, p *domain.Provider, exportID, stage string) (*domain.Export, error) {
	if strings.TrimSpace(stage) == "" {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "stage is required", Fields: []domain.FieldError{{Field: "stage", Message: "is required"}}}
	}
	if utf8.RuneCountInString(stage) > 200 {
		return nil, &domain.Error{Code: domain.EInvalid, Message: "stage must be at most 200 characters", Fields: []domain.FieldError{{Field: "stage", Message: "must be at most 200 characters"}}}
	}
	var out *domain.Export
	err := e.db.InTx(ctx, func(tx *store.Tx) error {
		x, err := tx.ExportGet(ctx, exportID)
		if err != nil || x.ProviderID != p.ID {
			if err == nil || store.IsNotFound(err) {
				return domain.Errorf(domain.ENotFound, "export %q not found", exportID)
			}
			return err
		}
		if x.Status == domain.ExportDeleted {
			return domain.Errorf(domain.EConflict, "export %s was deleted in Lever: there is no opportunity to move", x.ID)
		}
		out = x
		if stage == x.ProviderStage {
			return nil
		}
		x.ProviderStage = stage
		x.StageVersion++
		if err := tx.ExportUpdate(ctx, x); err != nil {
			return err
		}
		return e.enqueueExportSync(ctx, tx, x)
	})
	if err == nil {
		e.q.Notify()
	}
	return out, err
}

func profileOf(c CandidateInput) domain.Profile {
	p := domain.Profile{Name: strings.TrimSpace(c.Name), ProfileURL: c.ProfileURL, Headline: c.Headline, Location: c.Location, Links: c.Links}
	for _, m := range c.Emails {
		p.Emails = append(p.Emails, strings.TrimSpace(m))
	}
	for _, ph := range c.Phones {
		p.Phones = append(p.Phones, domain.Phone{Type: ph.Type, Value: strings.TrimSpace(ph.Value)})
	}
	return p
}

func cvFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = unsafeName.ReplaceAllString(name, "")
	if utf8.RuneCountInString(name) > 120 {
		ext := path.Ext(name)
		name = string([]rune(name)[:120-len(ext)]) + ext
	}
	if strings.TrimSuffix(name, path.Ext(name)) == "" {
		name = "cv" + path.Ext(name)
	}
	return name
}

// pseudonymKey returns the server key pseudonyms are derived from, made on
// first use and cached.
func (e *Engine) pseudonymKey(ctx context.Context, tx *store.Tx) ([]byte, error) {
	e.mu.Lock()
	k := e.pseudoKey
	e.mu.Unlock()
	if k != nil {
		return k, nil
	}
	k, err := tx.ServerKey(ctx, pseudonymKeyName)
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	e.pseudoKey = k
	e.mu.Unlock()
	return k, nil
}

// ExportJSON is an export as the provider API and webhooks show it. It
// carries no personal data: the provider has the profile already.
type ExportJSON struct {
	ID                  string          `json:"id"`
	ProviderCandidateID string          `json:"providerCandidateId"`
	ConnectionID        string          `json:"connectionId"`
	IntegrationID       string          `json:"integrationId"`
	Status              string          `json:"status"`
	Outcome             string          `json:"outcome"`
	Pseudonym           *string         `json:"pseudonym"`
	RoleID              *string         `json:"roleId"`
	PostingID           *string         `json:"postingId"`
	Stage               *string         `json:"stage"`
	LeverStageID        *string         `json:"leverStageId"`
	Opportunity         *OpportunityRef `json:"opportunity"`
	LastError           *string         `json:"lastError"`
	CreatedAt           time.Time       `json:"createdAt"`
	UpdatedAt           time.Time       `json:"updatedAt"`
	DeletedAt           *time.Time      `json:"deletedAt"`
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ViewExport returns the API representation of an export.
func ViewExport(x *domain.Export) ExportJSON {
	v := ExportJSON{
		ID: x.ID, ProviderCandidateID: x.ProviderCandidateID, ConnectionID: x.ConnectionID, IntegrationID: x.IntegrationID,
		Status: x.Status, Outcome: x.Outcome, Pseudonym: optString(x.Pseudonym), RoleID: optString(x.RoleID), PostingID: optString(x.PostingID),
		Stage: optString(x.ProviderStage), LeverStageID: optString(x.LeverStageID), LastError: optString(x.LastError),
		CreatedAt: x.CreatedAt, UpdatedAt: x.UpdatedAt,
	}
	if x.OpportunityID != "" {
		v.Opportunity = &OpportunityRef{ID: x.OpportunityID, URL: x.OpportunityURL, StageID: x.LeverStageID}
	}
	if !x.DeletedAt.IsZero() {
		t := x.DeletedAt
		v.DeletedAt = &t
	}
	return v
}
