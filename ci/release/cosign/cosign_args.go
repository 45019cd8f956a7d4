// Package cosign builds cosign command lines and reads their results,
// without running anything: the parts of the release that unit tests cover.
package cosign

import (
	"fmt"
	"strings"
)

// Paths inside the cosign container. Key material is mounted there as
// Dagger secrets (tmpfs, never a layer) and only its path reaches argv.
const (
	KeyPath           = "/run/devsecops/cosign/cosign.key"
	PubKeyPath        = "/run/devsecops/cosign/cosign.pub"
	IdentityTokenPath = "/run/devsecops/oidc/token"
	PredicateDir      = "/run/devsecops/predicates"
)

// Sigstore's public-good instance, used by keyless signing.
const (
	DefaultFulcioURL    = "https://fulcio.sigstore.dev"
	DefaultRekorURL     = "https://rekor.sigstore.dev"
	GitHubActionsIssuer = "https://token.actions.githubusercontent.com"
)

// Predicate types attested to every release, with the cosign --type names.
const (
	SBOMType       = "cyclonedx"
	ProvenanceType = "slsaprovenance1"
)

// Signing says how cosign signs: with a key, or keyless through Fulcio.
type Signing struct {
	// Keyless uses a short-lived Fulcio certificate for the workflow's OIDC
	// identity instead of a key. The signature goes to Rekor.
	Keyless bool
	// IdentityToken: keyless with an OIDC token mounted as a file (cosign
	// reads --identity-token as a token or a path to one). Otherwise cosign
	// fetches the token itself from GitHub Actions (--oidc-provider), which
	// needs ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN in its environment.
	IdentityToken bool
	FulcioURL     string
	RekorURL      string
	// TransparencyLog uploads key-based signatures to RekorURL too. Off by
	// default: the key is the trust root, and offline there is no Rekor.
	TransparencyLog bool
}

// Registry connection flags shared by every cosign command.
type Conn struct {
	// Insecure allows plain HTTP and self-signed TLS (the in-pipeline registry).
	Insecure bool
}

func (c Conn) flags() []string {
	if !c.Insecure {
		return nil
	}
	return []string{"--allow-insecure-registry", "--allow-http-registry"}
}

func (s Signing) rekorURL() string {
	if s.RekorURL != "" {
		return s.RekorURL
	}
	return DefaultRekorURL
}

func (s Signing) fulcioURL() string {
	if s.FulcioURL != "" {
		return s.FulcioURL
	}
	return DefaultFulcioURL
}

// signFlags are the flags common to `cosign sign` and `cosign attest`.
func (s Signing) signFlags() []string {
	args := []string{"--yes"}
	if s.Keyless {
		args = append(args, "--fulcio-url="+s.fulcioURL(), "--rekor-url="+s.rekorURL(), "--tlog-upload=true")
		if s.IdentityToken {
			args = append(args, "--identity-token="+IdentityTokenPath)
		} else {
			args = append(args, "--oidc-provider=github-actions")
		}
		return args
	}
	args = append(args, "--key="+KeyPath)
	if s.TransparencyLog {
		return append(args, "--rekor-url="+s.rekorURL(), "--tlog-upload=true")
	}
	return append(args, "--tlog-upload=false")
}

// SignArgs is the argv that signs digestRef.
func SignArgs(s Signing, c Conn, digestRef string) ([]string, error) {
	if err := requireDigest(digestRef); err != nil {
		return nil, err
	}
	args := append([]string{"cosign", "sign"}, s.signFlags()...)
	args = append(args, c.flags()...)
	return append(args, digestRef), nil
}

// AttestArgs is the argv that attests the predicate file (a base name in
// PredicateDir) of type predType to digestRef.
func AttestArgs(s Signing, c Conn, digestRef, predType, predicateFile string) ([]string, error) {
	if err := requireDigest(digestRef); err != nil {
		return nil, err
	}
	args := append([]string{"cosign", "attest"}, s.signFlags()...)
	args = append(args, "--type="+predType, "--predicate="+PredicateDir+"/"+predicateFile)
	args = append(args, c.flags()...)
	return append(args, digestRef), nil
}

// Identity is what a signature must be traced to: a public key, or a
// keyless certificate identity.
type Identity struct {
	// PublicKey: verify against the key mounted at PubKeyPath.
	PublicKey bool
	// Keyless: the certificate's subject (exact, or a regexp) and issuer.
	CertificateIdentity       string
	CertificateIdentityRegexp string
	CertificateOIDCIssuer     string
	RekorURL                  string
	// TransparencyLog requires a Rekor entry for key-based signatures.
	TransparencyLog bool
}

// Validate says what is missing from an Identity.
func (id Identity) Validate() error {
	keyless := id.CertificateIdentity != "" || id.CertificateIdentityRegexp != ""
	switch {
	case id.PublicKey && keyless:
		return fmt.Errorf("give either a public key or a certificate identity, not both")
	case !id.PublicKey && !keyless:
		return fmt.Errorf("nothing to verify against: give --public-key (key-based signing) or --certificate-identity-regexp with --certificate-oidc-issuer (keyless signing in GitHub Actions)")
	case keyless && id.CertificateOIDCIssuer == "":
		return fmt.Errorf("keyless verification needs --certificate-oidc-issuer (GitHub Actions: %s)", GitHubActionsIssuer)
	}
	return nil
}

func (id Identity) flags() []string {
	if id.PublicKey {
		args := []string{"--key=" + PubKeyPath}
		if id.TransparencyLog {
			rekor := id.RekorURL
			if rekor == "" {
				rekor = DefaultRekorURL
			}
			return append(args, "--rekor-url="+rekor)
		}
		return append(args, "--insecure-ignore-tlog=true")
	}
	var args []string
	if id.CertificateIdentity != "" {
		args = append(args, "--certificate-identity="+id.CertificateIdentity)
	} else {
		args = append(args, "--certificate-identity-regexp="+id.CertificateIdentityRegexp)
	}
	args = append(args, "--certificate-oidc-issuer="+id.CertificateOIDCIssuer)
	if id.RekorURL != "" {
		args = append(args, "--rekor-url="+id.RekorURL)
	}
	return args
}

// VerifyArgs is the argv that verifies digestRef's signature.
func VerifyArgs(id Identity, c Conn, digestRef string) ([]string, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	if err := requireDigest(digestRef); err != nil {
		return nil, err
	}
	args := append([]string{"cosign", "verify", "--output=json"}, id.flags()...)
	args = append(args, c.flags()...)
	return append(args, digestRef), nil
}

// VerifyAttestationArgs is the argv that verifies digestRef's attestation
// of predType.
func VerifyAttestationArgs(id Identity, c Conn, digestRef, predType string) ([]string, error) {
	if err := id.Validate(); err != nil {
		return nil, err
	}
	if err := requireDigest(digestRef); err != nil {
		return nil, err
	}
	args := append([]string{"cosign", "verify-attestation", "--type=" + predType}, id.flags()...)
	args = append(args, c.flags()...)
	return append(args, digestRef), nil
}

// KeylessSecretEnv names the environment variables cosign's github-actions
// OIDC provider reads; they are passed as Dagger secrets.
var KeylessSecretEnv = []string{"ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"}

// Signing by digest, never by tag: a tag can move between push and sign.
func requireDigest(ref string) error {
	if !strings.Contains(ref, "@sha256:") {
		return fmt.Errorf("%q is not a digest reference (repo@sha256:…): sign and verify the digest that publish returned, not a tag", ref)
	}
	return nil
}
