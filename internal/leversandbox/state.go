package leversandbox

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// stateVersion is written into the state file; a file with another version
// is refused rather than half-read.
const stateVersion = 1

// state is the whole account: everything the API serves, the credentials it
// accepts and the webhooks it fires. It is guarded by Sandbox.mu and saved as
// one JSON document.
type state struct {
	Version   int    `json:"version"`
	Seed      string `json:"seed"`
	AccountID string `json:"accountId"`
	// JWTSecret signs the JWT-shaped access tokens.
	JWTSecret string `json:"jwtSecret"`

	APIKeys        []*apiKey        `json:"apiKeys"`
	Users          map[string]*user `json:"users"`
	Stages         []*stage         `json:"stages"`
	ArchiveReasons []*archiveReason `json:"archiveReasons"`
	// Tags and Sources are the texts known to the account, in order of first
	// use; Lever creates them implicitly.
	Tags    []string `json:"tags"`
	Sources []string `json:"sources"`

	Postings          map[string]*posting          `json:"postings"`
	Contacts          map[string]*contact          `json:"contacts"`
	Opportunities     map[string]*opportunity      `json:"opportunities"`
	Applications      map[string]*application      `json:"applications"`
	Notes             map[string]*note             `json:"notes"`
	Files             map[string]*file             `json:"files"`
	Resumes           map[string]*resume           `json:"resumes"`
	FormTemplates     map[string]*formTemplate     `json:"formTemplates"`
	Forms             map[string]*profileForm      `json:"forms"`
	FeedbackTemplates map[string]*feedbackTemplate `json:"feedbackTemplates"`
	Feedback          map[string]*feedback         `json:"feedback"`
	Panels            map[string]*panel            `json:"panels"`

	Webhooks map[string]*webhook `json:"webhooks"`
	// WebhookGroups says, per event, whether the Super Admin switched its
	// group on. A disabled group delivers nothing.
	WebhookGroups map[string]bool `json:"webhookGroups"`
	// WebhookTokens is the signing token of each event group, generated in
	// the settings page; webhooks added there are signed with it.
	WebhookTokens map[string]string `json:"webhookTokens"`
	// Authorizations are the approved OAuth apps, by client id.
	Authorizations map[string]*appAuthorization `json:"authorizations"`

	OAuthClients  map[string]*oauthClient  `json:"oauthClients"`
	AuthCodes     map[string]*authCode     `json:"authCodes"`
	AccessTokens  map[string]*accessToken  `json:"accessTokens"`
	RefreshTokens map[string]*refreshToken `json:"refreshTokens"`
}

func newState() *state {
	return &state{
		Version:           stateVersion,
		AccountID:         seedID("account"),
		JWTSecret:         randomHex(32),
		Users:             map[string]*user{},
		Postings:          map[string]*posting{},
		Contacts:          map[string]*contact{},
		Opportunities:     map[string]*opportunity{},
		Applications:      map[string]*application{},
		Notes:             map[string]*note{},
		Files:             map[string]*file{},
		Resumes:           map[string]*resume{},
		FormTemplates:     map[string]*formTemplate{},
		Forms:             map[string]*profileForm{},
		FeedbackTemplates: map[string]*feedbackTemplate{},
		Feedback:          map[string]*feedback{},
		Panels:            map[string]*panel{},
		Webhooks:          map[string]*webhook{},
		WebhookGroups:     map[string]bool{},
		WebhookTokens:     map[string]string{},
		Authorizations:    map[string]*appAuthorization{},
		OAuthClients:      map[string]*oauthClient{},
		AuthCodes:         map[string]*authCode{},
		AccessTokens:      map[string]*accessToken{},
		RefreshTokens:     map[string]*refreshToken{},
	}
}

// fillMaps makes every map non-nil after decoding a state file written by an
// older build that lacked some of them.
func (st *state) fillMaps() {
	fresh := newState()
	if st.Users == nil {
		st.Users = fresh.Users
	}
	if st.Postings == nil {
		st.Postings = fresh.Postings
	}
	if st.Contacts == nil {
		st.Contacts = fresh.Contacts
	}
	if st.Opportunities == nil {
		st.Opportunities = fresh.Opportunities
	}
	if st.Applications == nil {
		st.Applications = fresh.Applications
	}
	if st.Notes == nil {
		st.Notes = fresh.Notes
	}
	if st.Files == nil {
		st.Files = fresh.Files
	}
	if st.Resumes == nil {
		st.Resumes = fresh.Resumes
	}
	if st.FormTemplates == nil {
		st.FormTemplates = fresh.FormTemplates
	}
	if st.Forms == nil {
		st.Forms = fresh.Forms
	}
	if st.FeedbackTemplates == nil {
		st.FeedbackTemplates = fresh.FeedbackTemplates
	}
	if st.Feedback == nil {
		st.Feedback = fresh.Feedback
	}
	if st.Panels == nil {
		st.Panels = fresh.Panels
	}
	if st.Webhooks == nil {
		st.Webhooks = fresh.Webhooks
	}
	if st.WebhookGroups == nil {
		st.WebhookGroups = fresh.WebhookGroups
	}
	if st.WebhookTokens == nil {
		st.WebhookTokens = fresh.WebhookTokens
	}
	if st.Authorizations == nil {
		st.Authorizations = fresh.Authorizations
	}
	for _, k := range st.APIKeys {
		if k.ID == "" {
			k.ID = seedID("api-key:" + k.Name)
		}
	}
	if st.OAuthClients == nil {
		st.OAuthClients = fresh.OAuthClients
	}
	if st.AuthCodes == nil {
		st.AuthCodes = fresh.AuthCodes
	}
	if st.AccessTokens == nil {
		st.AccessTokens = fresh.AccessTokens
	}
	if st.RefreshTokens == nil {
		st.RefreshTokens = fresh.RefreshTokens
	}
	if st.JWTSecret == "" {
		st.JWTSecret = fresh.JWTSecret
	}
}

// loadState reads the state file at path; (nil, nil) when it does not exist.
func loadState(path string) (*state, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("decode state %s: %w", path, err)
	}
	if st.Version != stateVersion {
		return nil, fmt.Errorf("state %s has version %d, want %d", path, st.Version, stateVersion)
	}
	st.fillMaps()
	return &st, nil
}

// saveState writes st to path atomically: a temporary file in the same
// folder, synced, then renamed over the old one.
func saveState(path string, st *state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create state folder: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create temporary state file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename state: %w", err)
	}
	return nil
}

// sortedValues returns the map's values in Lever's stable list order:
// by key (usually createdAt) and then by id.
func sortedValues[T any](m map[string]*T, key func(*T) (int64, string)) []*T {
	out := make([]*T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b *T) int {
		am, aid := key(a)
		bm, bid := key(b)
		if c := cmp.Compare(am, bm); c != 0 {
			return c
		}
		return cmp.Compare(aid, bid)
	})
	return out
}

// addKnown appends the texts not yet in known, keeping order of first use.
func addKnown(known []string, texts ...string) []string {
	for _, t := range texts {
		if t != "" && !slices.Contains(known, t) {
			known = append(known, t)
		}
	}
	return known
}

// union appends to list the values it does not hold yet.
func union(list []string, values ...string) []string {
	for _, v := range values {
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// without returns list minus values; changed reports whether any went.
func without(list []string, values ...string) ([]string, bool) {
	out := make([]string, 0, len(list))
	for _, v := range list {
		if !slices.Contains(values, v) {
			out = append(out, v)
		}
	}
	return out, len(out) != len(list)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func ptr[T any](v T) *T { return &v }
