// Package outbound signs and delivers the webhooks stagecoach sends to
// providers, per the Standard Webhooks scheme (https://www.standardwebhooks.com):
//
//	webhook-id:        msg_…       (stable per message: a retry carries the same id)
//	webhook-timestamp: 1614265330  (Unix seconds of the attempt)
//	webhook-signature: v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>
//
// where the secret is "whsec_" followed by the base64 key. Several signatures,
// one per secret and separated by spaces, let a provider rotate its secret:
// stagecoach signs with the new and the previous secret until the old one is
// retired, and a receiver accepts any signature it can verify.
//
// Retry scheduling and dead-lettering belong to the caller (the delivery
// job); Deliver makes one attempt and says whether a failure is permanent.
package outbound
