package cosign

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// DockerConfigJSON is a docker config.json that logs in to registry, as
// crane and cosign read it.
func DockerConfigJSON(registry, username, password string) ([]byte, error) {
	if username == "" {
		return nil, fmt.Errorf("registry %s: a password was given without a username: pass --registry-username", registry)
	}
	key := registry
	if IsDockerHub(registry) {
		// go-containerregistry's keychain looks Docker Hub up by this key.
		key = "https://index.docker.io/v1/"
	}
	auth := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
	return json.Marshal(map[string]any{"auths": map[string]any{key: map[string]string{"auth": auth}}})
}

// IsDockerHub says whether registry names Docker Hub.
func IsDockerHub(registry string) bool {
	switch strings.TrimSuffix(strings.ToLower(registry), "/") {
	case "", "docker.io", "index.docker.io", "registry-1.docker.io":
		return true
	}
	return false
}
