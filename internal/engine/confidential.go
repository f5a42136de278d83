package engine

import (
	"errors"
	"iter"

	"stagecoach/internal/ats"
	"stagecoach/internal/domain"
	"stagecoach/internal/leverscope"
)

// Lever's lists of postings and opportunities leave confidential records
// out unless asked with confidentiality=all, and asking is refused (403)
// for a credential without confidential access: an OAuth grant without
// confidential:access:admin, or an API key created without it (access Lever
// only grants when the key is created).

// mayAskConfidential reports whether asking c's Lever account for
// confidential records can succeed: false for an OAuth grant whose scopes
// are known and lack confidential access; true otherwise (an API key says
// so only by answering).
func mayAskConfidential(c *domain.Connection) bool {
	if c.AuthKind == "oauth" && len(c.Credentials.Scopes) > 0 {
		return leverscope.Covers(c.Credentials.Scopes, leverscope.Confidential)
	}
	return true
}

// withConfidential runs list asking for every record, confidential ones too,
// when c may see confidential ones, and again without them when the ATS
// refuses that before giving any record. hidden, when not nil, is set to
// whether confidential records were left out.
func withConfidential[T any](c *domain.Connection, hidden *bool, list func(confidential bool) iter.Seq2[*T, error]) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		if hidden != nil {
			*hidden = true
		}
		if mayAskConfidential(c) {
			n := 0
			refused := false
			for v, err := range list(true) {
				if err != nil && n == 0 && errors.Is(err, ats.ErrForbidden) {
					refused = true
					break
				}
				n++
				if !yield(v, err) {
					if hidden != nil {
						*hidden = false
					}
					return
				}
				if err != nil {
					return
				}
			}
			if !refused {
				if hidden != nil {
					*hidden = false
				}
				return
			}
		}
		for v, err := range list(false) {
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// confidentiality is Lever's list parameter for confidential records:
// "all" to include them.
func confidentiality(confidential bool) string {
	if confidential {
		return "all"
	}
	return ""
}
