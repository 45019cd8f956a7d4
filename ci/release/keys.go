package release

import (
	"context"
	"fmt"

	"dagger/devsecops/internal/dagger"
)

// KeyPair is a cosign key pair. The public key is a plain file (it is meant
// to be shared); the private key and its password stay Dagger secrets.
type KeyPair struct {
	Public   *dagger.File
	Private  *dagger.Secret
	Password *dagger.Secret
}

// GenerateKeyPair makes a throwaway cosign key pair protected by a random
// password, for a release path that runs before any key is configured.
func GenerateKeyPair(ctx context.Context, e Env) (*KeyPair, error) {
	id := nonce()
	password := e.Dag.SetSecret("cosign-throwaway-password-"+id, nonce()+nonce())
	// The nonce in the environment keeps this exec out of the cache: a
	// cached key would not match this call's fresh password.
	ctr := e.Dag.Container().From(e.CosignImage).
		WithUser("0:0").
		WithoutEntrypoint().
		WithEnvVariable("DEVSECOPS_NONCE", id).
		WithSecretVariable("COSIGN_PASSWORD", password).
		WithWorkdir("/keys").
		WithExec([]string{"cosign", "generate-key-pair"})
	priv, err := ctr.File("/keys/cosign.key").Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("generate a throwaway cosign key pair: %w", err)
	}
	pub, err := ctr.File("/keys/cosign.pub").Sync(ctx)
	if err != nil {
		return nil, err
	}
	return &KeyPair{
		Public:   pub,
		Private:  e.Dag.SetSecret("cosign-throwaway-key-"+id, priv),
		Password: password,
	}, nil
}
