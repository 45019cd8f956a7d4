// Package release publishes the tested app image, signs and attests it with
// cosign, and verifies it: the delivery half of the pipeline.
package release

import (
	"crypto/rand"
	"encoding/hex"

	"dagger/devsecops/internal/dagger"
)

// Env is what every release container needs: the tool images and how to
// reach the registry.
type Env struct {
	Dag         *dagger.Client
	CosignImage string
	CraneImage  string
	// Registry, when set, is a registry service bound as RegistryHost.
	Registry     *dagger.Service
	RegistryHost string
	// DockerConfig is a docker config.json with the registry credentials.
	DockerConfig *dagger.Secret
	// Conn: plain HTTP for the in-pipeline registry.
	Conn Conn
}

const dockerConfigDir = "/run/devsecops/docker"

// tool starts a container from image with the registry reachable and the
// credentials mounted. Every registry command runs with a fresh nonce: the
// registry changes between identical commands (a tag is moved, a signature
// added), so a cached result would be a wrong one.
func (e Env) tool(image string) *dagger.Container {
	ctr := e.Dag.Container().From(image).
		WithUser("0:0").
		WithoutEntrypoint().
		WithEnvVariable("HOME", "/root").
		WithEnvVariable("DEVSECOPS_NONCE", nonce())
	if e.Registry != nil {
		ctr = ctr.WithServiceBinding(e.RegistryHost, e.Registry)
	}
	if e.DockerConfig != nil {
		ctr = ctr.WithMountedSecret(dockerConfigDir+"/config.json", e.DockerConfig).
			WithEnvVariable("DOCKER_CONFIG", dockerConfigDir)
	}
	return ctr
}

func (e Env) cosign() *dagger.Container { return e.tool(e.CosignImage) }
func (e Env) crane() *dagger.Container  { return e.tool(e.CraneImage) }

func (e Env) craneFlags() []string {
	if e.Conn.Insecure {
		return []string{"--insecure"}
	}
	return nil
}

func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
