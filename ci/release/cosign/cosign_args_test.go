package cosign

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

const ref = "docker.io/me/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestKeylessSignWithGitHubActionsOIDC(t *testing.T) {
	s, err := Material{RequestURL: true, RequestToken: true}.Settings(Signing{})
	if err != nil {
		t.Fatal(err)
	}
	argv, err := SignArgs(s, Conn{}, ref)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cosign", "sign", "--yes", "--fulcio-url=https://fulcio.sigstore.dev",
		"--rekor-url=https://rekor.sigstore.dev", "--tlog-upload=true", "--oidc-provider=github-actions", ref}
	assertArgv(t, argv, want)
	if KeylessSecretEnv[0] != "ACTIONS_ID_TOKEN_REQUEST_URL" || KeylessSecretEnv[1] != "ACTIONS_ID_TOKEN_REQUEST_TOKEN" {
		t.Fatalf("cosign's github-actions provider reads ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, got %v", KeylessSecretEnv)
	}
}

func TestKeylessSignWithTokenFileAndOwnSigstore(t *testing.T) {
	s, err := Material{IdentityToken: true}.Settings(Signing{FulcioURL: "https://fulcio.internal", RekorURL: "https://rekor.internal"})
	if err != nil {
		t.Fatal(err)
	}
	argv, _ := AttestArgs(s, Conn{}, ref, SBOMType, "0.json")
	want := []string{"cosign", "attest", "--yes", "--fulcio-url=https://fulcio.internal", "--rekor-url=https://rekor.internal",
		"--tlog-upload=true", "--identity-token=" + IdentityTokenPath, "--type=cyclonedx", "--predicate=" + PredicateDir + "/0.json", ref}
	assertArgv(t, argv, want)
}

func TestKeyBasedOfflineSign(t *testing.T) {
	s, err := Material{Key: true, Password: true}.Settings(Signing{})
	if err != nil {
		t.Fatal(err)
	}
	argv, _ := SignArgs(s, Conn{Insecure: true}, ref)
	want := []string{"cosign", "sign", "--yes", "--key=" + KeyPath, "--tlog-upload=false",
		"--allow-insecure-registry", "--allow-http-registry", ref}
	assertArgv(t, argv, want)
}

func TestKeylessVerify(t *testing.T) {
	id := Identity{CertificateIdentityRegexp: "^https://github.com/org/repo/", CertificateOIDCIssuer: GitHubActionsIssuer}
	argv, err := VerifyAttestationArgs(id, Conn{}, ref, ProvenanceType)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cosign", "verify-attestation", "--type=slsaprovenance1",
		"--certificate-identity-regexp=^https://github.com/org/repo/",
		"--certificate-oidc-issuer=https://token.actions.githubusercontent.com", ref}
	assertArgv(t, argv, want)
}

func TestKeyVerifyIgnoresTlogOnlyWhenNotRequired(t *testing.T) {
	argv, _ := VerifyArgs(Identity{PublicKey: true}, Conn{}, ref)
	assertArgv(t, argv, []string{"cosign", "verify", "--output=json", "--key=" + PubKeyPath, "--insecure-ignore-tlog=true", ref})
	argv, _ = VerifyArgs(Identity{PublicKey: true, TransparencyLog: true}, Conn{}, ref)
	assertArgv(t, argv, []string{"cosign", "verify", "--output=json", "--key=" + PubKeyPath, "--rekor-url=https://rekor.sigstore.dev", ref})
}

func TestRejectsTagsAndBadMaterial(t *testing.T) {
	if _, err := SignArgs(Signing{}, Conn{}, "docker.io/me/app:latest"); err == nil || !strings.Contains(err.Error(), "not a digest reference") {
		t.Errorf("signing a tag: err = %v", err)
	}
	cases := map[string]Material{
		"no signing material":          {},
		"needs --cosign-password":      {Key: true},
		"not both":                     {Key: true, Password: true, RequestURL: true, RequestToken: true},
		"ACTIONS_ID_TOKEN_REQUEST_URL": {RequestToken: true},
	}
	for want, m := range cases {
		if _, err := m.Settings(Signing{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: err = %v, want %q", m, err, want)
		}
	}
	for want, id := range map[string]Identity{
		"nothing to verify against": {},
		"--certificate-oidc-issuer": {CertificateIdentityRegexp: "x"},
		"not both":                  {PublicKey: true, CertificateIdentity: "x"},
	} {
		if _, err := VerifyArgs(id, Conn{}, ref); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: err = %v, want %q", id, err, want)
		}
	}
}

func TestClassifyCosignErrors(t *testing.T) {
	cases := []struct {
		stderr, att string
		want        FailureKind
	}{
		{"Error: no signatures found\nmain.go:74: error during command execution: no signatures found", "", Unsigned},
		{"Error: no matching signatures: invalid signature when validating ASN.1 encoded signature", "", WrongKey},
		{"Error: no matching attestations: crypto/ecdsa: verification error", SBOMType, WrongKey},
		{"Error: none of the expected identities matched what was in the certificate", "", WrongKey},
		{"Error: no attestations found", ProvenanceType, Unattested},
		{"Error: GET https://registry:5000/v2/: dial tcp: lookup registry: no such host", "", OtherFailed},
	}
	for _, c := range cases {
		got := Classify("r:1", ref, c.att, c.stderr)
		if got.Kind != c.want {
			t.Errorf("Classify(%q) = %s, want %s", c.stderr, got.Kind, c.want)
		}
		if !strings.Contains(got.Error(), "cosign said:") {
			t.Errorf("error should quote cosign: %s", got.Error())
		}
	}
}

func TestProvenance(t *testing.T) {
	b, err := Provenance(ProvenanceInput{SourceRepo: "https://github.com/org/repo", Revision: strings.Repeat("ab", 20), Version: "1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		BuildDefinition struct {
			ExternalParameters struct {
				Source struct{ Repository, Revision string }
			}
			ResolvedDependencies []struct {
				URI    string
				Digest map[string]string
			}
		}
		RunDetails struct{ Builder struct{ ID string } }
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p.RunDetails.Builder.ID != "dagger/devsecops" || p.BuildDefinition.ExternalParameters.Source.Repository != "https://github.com/org/repo" ||
		p.BuildDefinition.ResolvedDependencies[0].Digest["gitCommit"] != strings.Repeat("ab", 20) {
		t.Fatalf("provenance = %s", b)
	}
	if _, err := Provenance(ProvenanceInput{}); err == nil || !strings.Contains(err.Error(), "--revision") {
		t.Fatalf("no revision: err = %v", err)
	}
}

func TestDockerConfig(t *testing.T) {
	for reg, key := range map[string]string{"docker.io": "https://index.docker.io/v1/", "ghcr.io": "ghcr.io", "registry:5000": "registry:5000"} {
		b, err := DockerConfigJSON(reg, "me", "s3cret")
		if err != nil {
			t.Fatal(err)
		}
		var cfg struct {
			Auths map[string]struct{ Auth string }
		}
		_ = json.Unmarshal(b, &cfg)
		got, _ := base64.StdEncoding.DecodeString(cfg.Auths[key].Auth)
		if string(got) != "me:s3cret" {
			t.Errorf("%s: config %s has no auth under %q", reg, b, key)
		}
	}
	if _, err := DockerConfigJSON("ghcr.io", "", "x"); err == nil {
		t.Error("a password without a username was accepted")
	}
}

func TestTagsAndRefs(t *testing.T) {
	assertArgv(t, Tags("1.2.3+build.1", "abc123"), []string{"latest", "1.2.3_build.1", "abc123"})
	assertArgv(t, Tags("1.2.3", ""), []string{"latest", "1.2.3"})
	for in, want := range map[string]string{
		"registry:5000/a/b:tag": "registry:5000/a/b", "registry:5000/a/b": "registry:5000/a/b",
		"me/app:1.0": "me/app", "me/app@" + strings.Split(ref, "@")[1]: "me/app",
	} {
		if got := Repository(in); got != want {
			t.Errorf("Repository(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := ParseDigestRef("pushed\n", "r/x"); err == nil {
		t.Error("ParseDigestRef accepted output without a digest")
	}
	got, _ := ParseDigestRef("registry:5000/r/x@sha256:"+strings.Repeat("0", 64)+"\n", "registry:5000/r/x")
	if got != "registry:5000/r/x@sha256:"+strings.Repeat("0", 64) {
		t.Errorf("ParseDigestRef = %q", got)
	}
}

func assertArgv(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Fatalf("argv\n got  %q\n want %q", got, want)
	}
}
