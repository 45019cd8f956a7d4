package release

import (
	"context"

	"golang.org/x/crypto/bcrypt"

	"dagger/devsecops/internal/dagger"
)

// LocalRegistryHost is the hostname of the in-pipeline registry service.
const (
	LocalRegistryHost = "registry"
	LocalRegistryPort = 5000
)

// Credentials log in to a registry.
type Credentials struct {
	Username string
	Password *dagger.Secret
}

// LocalRegistry runs image (the upstream registry image, or Debian's
// docker-registry package) as a service on :5000. With creds it requires
// them (htpasswd), so the push path is tested with real authentication.
func LocalRegistry(ctx context.Context, dag *dagger.Client, image string, creds *Credentials) (*dagger.Service, error) {
	ctr := dag.Container().From(image).
		WithUser("0:0").
		WithoutEntrypoint().
		WithExposedPort(LocalRegistryPort)
	if creds != nil {
		pw, err := creds.Password.Plaintext(ctx)
		if err != nil {
			return nil, err
		}
		hash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
		if err != nil {
			return nil, err
		}
		htpasswd := dag.SetSecret("registry-htpasswd-"+nonce(), creds.Username+":"+string(hash)+"\n")
		ctr = ctr.WithMountedSecret("/run/devsecops/htpasswd", htpasswd).
			WithEnvVariable("REGISTRY_AUTH", "htpasswd").
			WithEnvVariable("REGISTRY_AUTH_HTPASSWD_REALM", "devsecops").
			WithEnvVariable("REGISTRY_AUTH_HTPASSWD_PATH", "/run/devsecops/htpasswd")
	}
	// Debian names the binary docker-registry; upstream v3 moved its config.
	return ctr.AsService(dagger.ContainerAsServiceOpts{Args: []string{"sh", "-c",
		"if command -v docker-registry >/dev/null; then exec docker-registry serve /etc/docker/registry/config.yml; " +
			"else exec registry serve /etc/distribution/config.yml; fi"}}), nil
}

// DockerConfig turns credentials into a config.json secret (nil without
// credentials). The password is read only to build another secret.
func DockerConfig(ctx context.Context, dag *dagger.Client, registry string, creds *Credentials) (*dagger.Secret, error) {
	if creds == nil || creds.Password == nil {
		return nil, nil
	}
	pw, err := creds.Password.Plaintext(ctx)
	if err != nil {
		return nil, err
	}
	b, err := DockerConfigJSON(registry, creds.Username, pw)
	if err != nil {
		return nil, err
	}
	return dag.SetSecret("registry-docker-config-"+nonce(), string(b)), nil
}
