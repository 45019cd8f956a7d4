package cosign

import (
	"fmt"
	"strings"
)

// Failure kinds of a verification, so callers (and tests) can tell an
// unsigned image from a wrong key or a moved tag.
type FailureKind string

const (
	Unsigned    FailureKind = "unsigned"
	WrongKey    FailureKind = "wrong-signature"
	Retagged    FailureKind = "retagged"
	Unattested  FailureKind = "unattested"
	OtherFailed FailureKind = "error"
)

// VerifyError is a failed verification with a message a user can act on.
type VerifyError struct {
	Kind   FailureKind
	Ref    string
	Msg    string
	Detail string // cosign's own words
}

func (e *VerifyError) Error() string {
	s := "verify " + e.Ref + ": " + e.Msg
	if e.Detail != "" {
		s += "\ncosign said: " + e.Detail
	}
	return s
}

// Classify turns cosign's failure output into a VerifyError.
func Classify(ref, digestRef, attType, stderr string) *VerifyError {
	detail := lastLines(stderr, 3)
	low := strings.ToLower(stderr)
	what := "signature"
	if attType != "" {
		what = attType + " attestation"
	}
	switch {
	case strings.Contains(low, "no signatures found"), strings.Contains(low, "no attestations found"),
		strings.Contains(low, "manifest_unknown"), strings.Contains(low, "manifest unknown"):
		if attType != "" {
			return &VerifyError{Kind: Unattested, Ref: ref, Detail: detail, Msg: fmt.Sprintf(
				"%s has no %s: sign and attest it with this pipeline's sign stage", digestRef, what)}
		}
		return &VerifyError{Kind: Unsigned, Ref: ref, Detail: detail, Msg: fmt.Sprintf(
			"%s is not signed: no cosign signature exists for this digest (an image pushed or re-tagged outside the pipeline has none)", digestRef)}
	case strings.Contains(low, "invalid signature"), strings.Contains(low, "verification error"),
		strings.Contains(low, "no matching signatures"), strings.Contains(low, "no matching attestations"),
		strings.Contains(low, "none of the expected identities matched"), strings.Contains(low, "expected oidc issuer"):
		return &VerifyError{Kind: WrongKey, Ref: ref, Detail: detail, Msg: fmt.Sprintf(
			"the %s of %s does not match the given key or identity: it was signed by someone else, or the wrong public key was given", what, digestRef)}
	}
	return &VerifyError{Kind: OtherFailed, Ref: ref, Detail: detail, Msg: fmt.Sprintf("cosign could not verify the %s of %s", what, digestRef)}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
