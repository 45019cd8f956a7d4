package release

import (
	"context"
	"fmt"
	"strings"

	"dagger/devsecops/ci/release/cosign"
	"dagger/devsecops/internal/dagger"
)

// Publish pushes image to repo (registry/name, no tag) under every tag and
// returns the pushed digest reference repo@sha256:….
//
// It pushes the image tarball with crane from a container rather than with
// the engine's own Publish: the engine resolves registry hosts itself and
// cannot reach a registry service bound to containers.
func Publish(ctx context.Context, e Env, image *dagger.Container, repo string, tags []string) (string, error) {
	if len(tags) == 0 {
		return "", fmt.Errorf("publish: no tags given")
	}
	for _, t := range tags {
		if !cosign.ValidTag(t) {
			return "", fmt.Errorf("publish: %q is not a valid image tag (letters, digits, _ . -; at most 128; not starting with . or -)", t)
		}
	}
	first := repo + ":" + tags[0]
	pushed := e.crane().
		WithMountedFile("/in/image.tar", image.AsTarball()).
		WithExec(append(append([]string{"crane", "push"}, e.craneFlags()...), "/in/image.tar", first))
	out, err := pushed.Stdout(ctx)
	if err != nil {
		return "", fmt.Errorf("publish: push to %s failed (check the registry address and credentials): %w", first, err)
	}
	digestRef, err := parseDigestRef(out, repo)
	if err != nil {
		return "", err
	}
	tagged := pushed
	for _, t := range tags[1:] {
		tagged = tagged.WithExec(append(append([]string{"crane", "tag"}, e.craneFlags()...), digestRef, t))
	}
	if _, err := tagged.Sync(ctx); err != nil {
		return "", fmt.Errorf("publish: tagging %s failed: %w", digestRef, err)
	}
	return digestRef, nil
}

// Digest resolves ref (a tag or digest reference) to its current digest.
func Digest(ctx context.Context, e Env, ref string) (string, error) {
	out, err := e.crane().
		WithExec(append(append([]string{"crane", "digest"}, e.craneFlags()...), ref)).
		Stdout(ctx)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", ref, err)
	}
	d := strings.TrimSpace(out)
	if !cosign.IsDigest(d) {
		return "", fmt.Errorf("resolve %s: crane printed %q, not a digest", ref, d)
	}
	return d, nil
}
