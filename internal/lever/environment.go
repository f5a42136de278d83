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
	// Hosts are the other API hosts (host or host:port) that serve this
	// account with the same credentials. Lever may redirect a call to one of
	// them (EU accounts to their data centre); the client follows such a
	// redirect with the Authorization header and refuses any redirect to a
	// host that is neither the API root's nor listed here.
	Hosts []string
}

// Production is Lever's production deployment.
var Production = Environment{
	Name:         "production",
	APIBaseURL:   "https://api.lever.co/v1",
	AuthorizeURL: "https://auth.lever.co/authorize",
	TokenURL:     "https://auth.lever.co/oauth/token",
	Audience:     "https://api.lever.co/v1/",
	Hosts:        []string{"api.eu.lever.co"},
}

// EU is Lever's EU data centre. Lever documents that OAuth works for EU
// accounts through the production authorization server, authorizations and
// calls being redirected to the right data centre; the EU Data API root is
// the one independent clients use, not a value Lever's reference states.
var EU = Environment{
	Name:         "eu",
	APIBaseURL:   "https://api.eu.lever.co/v1",
	AuthorizeURL: "https://auth.lever.co/authorize",
	TokenURL:     "https://auth.lever.co/oauth/token",
	Audience:     "https://api.lever.co/v1/",
	Hosts:        []string{"api.lever.co"},
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

// Environments are the named Lever deployments, by Name.
var Environments = map[string]Environment{Production.Name: Production, EU.Name: EU, Sandbox.Name: Sandbox}

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
