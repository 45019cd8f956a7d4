package release

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dagger/devsecops/internal/dagger"
)

// SelfTestOptions configure the release round trip.
type SelfTestOptions struct {
	Images Images
	Image  *dagger.Container
	SBOM   *dagger.File
	// Creds, if set, make the registry service require them.
	Creds *Credentials
	// Material and PublicKey sign; empty: a throwaway key pair.
	Material  SignMaterial
	PublicKey *dagger.File
	Revision  string
}

// SelfTest runs the whole release path against a registry service in one
// session and checks that verification passes exactly when it should: it
// passes for the signed digest and its tags, and fails for another key, an
// unsigned image and a tag moved to a different image. It returns a report
// and what the registry holds (image, signature, attestations), for
// checking that no secret leaked into them.
func SelfTest(ctx context.Context, dag *dagger.Client, o SelfTestOptions) (*dagger.Directory, error) {
	e, host, err := NewEnv(ctx, dag, o.Images, "", o.Creds, true)
	if err != nil {
		return nil, err
	}
	repo := host + "/devsecops/weather-app"
	var report []string
	logf := func(format string, a ...any) { report = append(report, fmt.Sprintf(format, a...)) }
	fail := func(format string, a ...any) (*dagger.Directory, error) {
		msg := fmt.Sprintf(format, a...)
		return nil, fmt.Errorf("release self-test: %s\nso far:\n%s", msg, strings.Join(report, "\n"))
	}

	version := "0.0.0-selftest"
	revision := orDefault(o.Revision, "0000000000000000000000000000000000000000")
	digestRef, err := Publish(ctx, e, o.Image, repo, Tags(version, revision))
	if err != nil {
		return fail("publish: %v", err)
	}
	_, signed, _ := SplitDigestRef(digestRef)
	logf("PASS publish: %s tagged latest, %s, %s", digestRef, version, revision)
	if o.Creds != nil {
		// The registry must really require the credentials used above.
		anon := e
		anon.DockerConfig = nil
		if _, err := Digest(ctx, anon, digestRef); err == nil {
			return fail("the registry service answered without credentials: authentication was not tested")
		}
		logf("PASS registry refuses requests without credentials")
	}

	mat, pub := o.Material, o.PublicKey
	if mat == (SignMaterial{}) {
		kp, err := GenerateKeyPair(ctx, e)
		if err != nil {
			return fail("%v", err)
		}
		mat, pub = SignMaterial{Key: kp.Private, Password: kp.Password}, kp.Public
	} else if pub == nil {
		if pub, err = PublicKey(ctx, e, mat); err != nil {
			return fail("%v", err)
		}
	}
	other, err := GenerateKeyPair(ctx, e)
	if err != nil {
		return fail("%v", err)
	}
	atts, err := Predicates(dag, o.SBOM, ProvenanceInput{SourceRepo: "https://example.invalid/selftest", Revision: revision, Version: version})
	if err != nil {
		return fail("%v", err)
	}
	if err := SignAndAttest(ctx, e, Signing{}, mat, digestRef, atts); err != nil {
		return fail("%v", err)
	}
	logf("PASS sign and attest (%s, %s)", SBOMType, ProvenanceType)

	byKey := func(ref, expected string, key *dagger.File) (string, error) {
		return Verify(ctx, e, VerifyRequest{Ref: ref, ExpectedDigest: expected, PublicKey: key,
			Identity: Identity{PublicKey: true}, Attestations: []string{SBOMType, ProvenanceType}})
	}
	for _, ref := range []string{digestRef, repo + ":" + version} {
		out, err := byKey(ref, signed, pub)
		if err != nil {
			return fail("verify of the signed image %s failed: %v", ref, err)
		}
		logf("PASS verify %s: %s", ref, out)
	}
	expectFail := func(what, ref, expected string, key *dagger.File, want FailureKind) error {
		_, err := byKey(ref, expected, key)
		var ve *VerifyError
		if !errors.As(err, &ve) {
			return fmt.Errorf("%s: verify of %s should have failed as %s, got %v", what, ref, want, err)
		}
		if ve.Kind != want {
			return fmt.Errorf("%s: verify of %s failed as %s, want %s: %v", what, ref, ve.Kind, want, ve)
		}
		logf("PASS %s: verify of %s refused (%s): %s", what, ref, ve.Kind, ve.Msg)
		return nil
	}
	if err := expectFail("another key", digestRef, "", other.Public, WrongKey); err != nil {
		return fail("%v", err)
	}

	// A different image pushed under a new tag and over "latest".
	tampered := o.Image.WithNewFile("/etc/devsecops-tampered", nonce())
	tamperedRef, err := Publish(ctx, e, tampered, repo, []string{"unsigned", "latest"})
	if err != nil {
		return fail("push the unsigned image: %v", err)
	}
	logf("pushed a different image %s as unsigned and latest", tamperedRef)
	checks := []struct {
		what, ref, expected string
		want                FailureKind
	}{
		{"unsigned tag", repo + ":unsigned", "", Unsigned},
		{"re-tagged latest, signed digest known", repo + ":latest", signed, Retagged},
		{"re-tagged latest, by tag only", repo + ":latest", "", Unsigned},
	}
	for _, c := range checks {
		if err := expectFail(c.what, c.ref, c.expected, pub, c.want); err != nil {
			return fail("%v", err)
		}
	}

	// What the registry now holds, for leak checks by the caller.
	hex := strings.TrimPrefix(signed, "sha256:")
	pulled := e.crane().WithMountedDirectory("/out", dag.Directory())
	for name, ref := range map[string]string{
		"image.tar":        digestRef,
		"signature.tar":    repo + ":sha256-" + hex + ".sig",
		"attestations.tar": repo + ":sha256-" + hex + ".att",
	} {
		pulled = pulled.WithExec(append(append([]string{"crane", "pull"}, e.craneFlags()...), ref, "/out/"+name))
	}
	out := pulled.Directory("/out").
		WithFile("cosign.pub", pub).
		WithNewFile("report.txt", strings.Join(report, "\n")+"\n")
	if _, err := out.Sync(ctx); err != nil {
		return fail("pull what the registry holds: %v", err)
	}
	return out, nil
}
