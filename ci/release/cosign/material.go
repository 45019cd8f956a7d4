package cosign

import "fmt"

// Material says which signing secrets were given (never their values).
type Material struct {
	Key, Password, IdentityToken, RequestURL, RequestToken bool
}

// Settings checks the material and says which kind of signing it is.
func (m Material) Settings(base Signing) (Signing, error) {
	keyless := m.IdentityToken || m.RequestURL || m.RequestToken
	switch {
	case keyless && m.Key:
		return base, fmt.Errorf("sign: give a cosign key or keyless OIDC secrets, not both")
	case keyless && !m.IdentityToken && (!m.RequestURL || !m.RequestToken):
		return base, fmt.Errorf("sign: keyless signing in GitHub Actions needs both --oidc-request-url=env:ACTIONS_ID_TOKEN_REQUEST_URL and --oidc-request-token=env:ACTIONS_ID_TOKEN_REQUEST_TOKEN (the job needs permissions: id-token: write)")
	case keyless:
		base.Keyless, base.IdentityToken = true, m.IdentityToken
		return base, nil
	case !m.Key:
		return base, fmt.Errorf("sign: no signing material: pass --cosign-key=file:cosign.key and --cosign-password=env:COSIGN_PASSWORD, or the keyless OIDC secrets in GitHub Actions")
	case !m.Password:
		return base, fmt.Errorf("sign: --cosign-key needs --cosign-password (use env:COSIGN_PASSWORD; an empty password is not accepted)")
	}
	base.Keyless = false
	return base, nil
}
