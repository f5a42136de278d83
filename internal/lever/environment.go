package lever

import "strings"

// Environment says where a Lever account lives: the Data API root, the OAuth
// endpoints and the OAuth audience. Production and sandbox are separate
// deployments; credentials and ids are not interchangeable between them.
type Environment struct {
	Name         string // short label for logs and config, e.g. "production"
	APIBaseURL   string // Data API root without a trailing slash, e.g. "https://api.lever.co/v1"
	AuthorizeURL string // OAuth authorization endpoint
	TokenURL     string // OAuth token endpoint
	Audience     string // OAuth audience; Lever's value ends with a slash
}

// Production is Lever's production deployment.
var Production = Environment{
	Name:         "production",
	APIBaseURL:   "https://api.lever.co/v1",
	AuthorizeURL: "https://auth.lever.co/authorize",
	TokenURL:     "https://auth.lever.co/oauth/token",
	Audience:     "https://api.lever.co/v1/",
}

// Sandbox is Lever's hosted sandbox. Its OAuth hosts and audience are not in
// Lever's own documentation; they are the values that independent client
// code bases agree on.
var Sandbox = Environment{
	Name:         "sandbox",
	APIBaseURL:   "https://api.sandbox.lever.co/v1",
	AuthorizeURL: "https://sandbox-lever.auth0.com/authorize",
	TokenURL:     "https://sandbox-lever.auth0.com/oauth/token",
	Audience:     "https://api.sandbox.lever.co/v1/",
}

// Custom returns the environment of a Lever look-alike served at baseURL,
// such as the local sandbox ("http://127.0.0.1:8700"): the API under /v1 and
// OAuth under /oauth.
func Custom(baseURL string) Environment {
	baseURL = strings.TrimRight(baseURL, "/")
	return Environment{
		Name:         "custom",
		APIBaseURL:   baseURL + "/v1",
		AuthorizeURL: baseURL + "/oauth/authorize",
		TokenURL:     baseURL + "/oauth/token",
		Audience:     baseURL + "/v1/",
	}
}
