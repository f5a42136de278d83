// Package lever is the client for Lever's Data API v1: its wire types, OAuth
// token handling, rate limiting, and verification of Lever's webhooks.
//
// A Client talks to one Lever account, authenticated by an API key or an
// OAuth token source:
//
//	c, err := lever.New(lever.Config{
//		Environment: lever.Production,
//		TokenSource: lever.NewTokenSource(oauthCfg, storedToken, saveToken),
//		Limiter:     sharedLimiter, // one budget per connection, across replicas
//	})
//	opp, err := c.GetOpportunity(ctx, id, "stage", "applications")
//	for o, err := range c.ListOpportunities(ctx, lever.ListOpportunitiesParams{Tags: []string{"Acme"}}) { … }
//
// # Retries and uncertain writes
//
// Every HTTP attempt first waits on the Limiter. Reads (GET) are retried on
// 429, 500, 502, 503, 504 and transport errors, with exponential backoff and
// jitter, honouring Retry-After. Lever accepts no idempotency key, so a write
// (POST, PUT, DELETE) is retried only when Lever certainly did not apply it:
// a 429, or a failure before a connection was made. Any other failure after
// the request may have left — a timeout, a reset, a 5xx — is returned as an
// error matching ErrUncertain, and the caller must find out from Lever's
// state whether the write landed before trying again.
//
// # Errors
//
// Lever's error answers are *Error values. They match the sentinels
// ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited
// and ErrServer by HTTP status; a 401 and a refused token refresh also match
// ErrConnectionBroken (the account must be connected again).
//
// # Webhooks
//
// ParseEvent decodes a delivery and Event.VerifySignature checks it: Lever
// signs token+triggeredAt with the webhook's signature token (HMAC-SHA256,
// hex), inside the JSON body rather than in a header.
package lever
