package release

import (
	"context"
	"fmt"

	"dagger/devsecops/ci/release/cosign"
	"dagger/devsecops/internal/dagger"
)

// SignMaterial is the secret side of signing: a key and its password, or
// (keyless) the OIDC token or GitHub's token request variables.
type SignMaterial struct {
	Key      *dagger.Secret
	Password *dagger.Secret
	// IdentityToken is an OIDC token (keyless).
	IdentityToken *dagger.Secret
	// RequestURL and RequestToken are GitHub Actions'
	// ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN (keyless).
	RequestURL, RequestToken *dagger.Secret
}

// Settings checks the material and says which kind of signing it is.
func (m SignMaterial) Settings(base Signing) (Signing, error) {
	return cosign.Material{Key: m.Key != nil, Password: m.Password != nil, IdentityToken: m.IdentityToken != nil,
		RequestURL: m.RequestURL != nil, RequestToken: m.RequestToken != nil}.Settings(base)
}

// mount adds the material to a cosign container: files in secret mounts,
// the password in a secret variable, nothing in argv or layers.
func (m SignMaterial) mount(ctr *dagger.Container) *dagger.Container {
	if m.Key != nil {
		ctr = ctr.WithMountedSecret(keyPath, m.Key)
	}
	if m.Password != nil {
		ctr = ctr.WithSecretVariable("COSIGN_PASSWORD", m.Password)
	}
	if m.IdentityToken != nil {
		ctr = ctr.WithMountedSecret(identityTokenPath, m.IdentityToken)
	}
	if m.RequestURL != nil {
		ctr = ctr.WithSecretVariable(KeylessSecretEnv[0], m.RequestURL)
	}
	if m.RequestToken != nil {
		ctr = ctr.WithSecretVariable(KeylessSecretEnv[1], m.RequestToken)
	}
	return ctr
}

// Attestation is one predicate to attest.
type Attestation struct {
	Type      string // cosign --type
	Predicate *dagger.File
}

// SignAndAttest signs digestRef and attests each predicate to it.
func SignAndAttest(ctx context.Context, e Env, s Signing, m SignMaterial, digestRef string, atts []Attestation) error {
	s, err := m.Settings(s)
	if err != nil {
		return err
	}
	argv, err := SignArgs(s, e.Conn, digestRef)
	if err != nil {
		return err
	}
	ctr := m.mount(e.cosign())
	for i, a := range atts {
		ctr = ctr.WithMountedFile(fmt.Sprintf("%s/%d.json", predicateDir, i), a.Predicate)
	}
	ctr = ctr.WithExec(argv)
	if _, err := ctr.Sync(ctx); err != nil {
		return fmt.Errorf("sign %s: %w", digestRef, err)
	}
	for i, a := range atts {
		argv, err := AttestArgs(s, e.Conn, digestRef, a.Type, fmt.Sprintf("%d.json", i))
		if err != nil {
			return err
		}
		ctr = ctr.WithExec(argv)
		if _, err := ctr.Sync(ctx); err != nil {
			return fmt.Errorf("attest %s to %s: %w", a.Type, digestRef, err)
		}
	}
	return nil
}
