package release

import (
	"context"
	"fmt"
	"strings"

	"dagger/devsecops/internal/dagger"
)

// VerifyRequest is one verification.
type VerifyRequest struct {
	// Ref is a tag or digest reference.
	Ref string
	// ExpectedDigest, if set, is the digest that was signed: a tag that now
	// resolves elsewhere fails before any signature is looked at.
	ExpectedDigest string
	Identity       Identity
	// PublicKey for Identity.PublicKey.
	PublicKey *dagger.File
	// Attestations are the predicate types that must verify too.
	Attestations []string
}

// Verify checks the signature and attestations of req.Ref's digest and
// returns a summary, or a *VerifyError.
func Verify(ctx context.Context, e Env, req VerifyRequest) (string, error) {
	if err := req.Identity.Validate(); err != nil {
		return "", err
	}
	if req.Identity.PublicKey && req.PublicKey == nil {
		return "", fmt.Errorf("verify: no public key file given")
	}
	digestRef := req.Ref
	if _, _, ok := SplitDigestRef(req.Ref); !ok {
		d, err := Digest(ctx, e, req.Ref)
		if err != nil {
			return "", &VerifyError{Kind: OtherFailed, Ref: req.Ref, Msg: "the tag could not be resolved (does it exist? are the registry and credentials right?)", Detail: err.Error()}
		}
		digestRef = Repository(req.Ref) + "@" + d
	}
	_, digest, _ := SplitDigestRef(digestRef)
	if req.ExpectedDigest != "" && digest != req.ExpectedDigest {
		return "", &VerifyError{Kind: Retagged, Ref: req.Ref, Msg: fmt.Sprintf(
			"tag %s now points to %s, which is not the signed digest %s: the tag was moved or the image replaced; refusing it", req.Ref, digest, req.ExpectedDigest)}
	}
	ctr := e.cosign()
	if req.PublicKey != nil {
		ctr = ctr.WithMountedFile(pubKeyPath, req.PublicKey)
	}
	argv, err := VerifyArgs(req.Identity, e.Conn, digestRef)
	if err != nil {
		return "", err
	}
	if err := runVerify(ctx, ctr, argv, req.Ref, digestRef, ""); err != nil {
		return "", err
	}
	for _, t := range req.Attestations {
		argv, err := VerifyAttestationArgs(req.Identity, e.Conn, digestRef, t)
		if err != nil {
			return "", err
		}
		if err := runVerify(ctx, ctr, argv, req.Ref, digestRef, t); err != nil {
			return "", err
		}
	}
	how := "public key"
	if !req.Identity.PublicKey {
		how = "certificate identity " + req.Identity.CertificateIdentity + req.Identity.CertificateIdentityRegexp
	}
	s := fmt.Sprintf("verified %s: signature by %s", digestRef, how)
	if len(req.Attestations) > 0 {
		s += "; attestations: " + strings.Join(req.Attestations, ", ")
	}
	return s, nil
}

func runVerify(ctx context.Context, ctr *dagger.Container, argv []string, ref, digestRef, attType string) error {
	done := ctr.WithExec(argv, dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	code, err := done.ExitCode(ctx)
	if err != nil {
		return fmt.Errorf("verify %s: cosign did not run: %w", ref, err)
	}
	if code == 0 {
		return nil
	}
	stderr, _ := done.Stderr(ctx)
	return Classify(ref, digestRef, attType, stderr)
}
