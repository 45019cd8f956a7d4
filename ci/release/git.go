package release

import (
	"context"
	"fmt"
	"strings"

	"dagger/devsecops/ci/version"
	"dagger/devsecops/internal/dagger"
)

// gitScript prints the last tag on one line, then every commit message
// since it (all history without a tag), NUL-separated. safe.directory:
// the mounted repository belongs to another user than the container's.
const gitScript = `set -e
git config --global --add safe.directory '*'
git -C /src rev-parse --git-dir >/dev/null 2>&1 || { echo "NO_GIT"; exit 0; }
if tag=$(git -C /src describe --tags --abbrev=0 2>/dev/null); then
  echo "$tag"; git -C /src log --format=%B%x00 "$tag"..HEAD
else
  echo; git -C /src log --format=%B%x00
fi`

// CommitsSinceTag returns the last tag ("" if none) and the commit
// messages since it, read from source's .git with gitImage (which has git).
func CommitsSinceTag(ctx context.Context, dag *dagger.Client, gitImage string, source *dagger.Directory) (string, []string, error) {
	out, err := dag.Container().From(gitImage).
		WithUser("0:0").
		WithoutEntrypoint().
		WithMountedDirectory("/src", source).
		WithExec([]string{"sh", "-c", gitScript}).
		Stdout(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("read the git history: %w", err)
	}
	tag, log, _ := strings.Cut(out, "\n")
	if tag == "NO_GIT" {
		return "", nil, fmt.Errorf("the source has no .git, so the bump cannot be derived from commit messages: pass --bump=patch|minor|major")
	}
	return strings.TrimSpace(tag), version.SplitLog(log), nil
}

// Revision is the source's HEAD commit, or "" without .git.
func Revision(ctx context.Context, dag *dagger.Client, gitImage string, source *dagger.Directory) (string, error) {
	out, err := dag.Container().From(gitImage).
		WithUser("0:0").
		WithoutEntrypoint().
		WithMountedDirectory("/src", source).
		WithExec([]string{"sh", "-c", "git config --global --add safe.directory '*'; git -C /src rev-parse HEAD 2>/dev/null || true"}).
		Stdout(ctx)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(out), nil
}
