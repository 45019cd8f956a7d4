// Package tfrunner finds a pinned Terraform and drives it through the deploy
// steps (init, validate, plan, policy check, apply, outputs) with
// terraform-exec, turning a held state lock into an actionable error.
package tfrunner

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/hc-install/fs"
	"github.com/hashicorp/hc-install/product"
	"github.com/hashicorp/hc-install/releases"
)

// FindOptions says where to look for Terraform and where to install it.
type FindOptions struct {
	// CacheDir is searched after PATH, and a downloaded release is installed
	// under CacheDir/terraform_<version>/. Empty means the user cache dir
	// (e.g. ~/.cache/devsecops/terraform).
	CacheDir string
	// ReleasesURL replaces https://releases.hashicorp.com (a mirror with the
	// same layout). Checksums are verified against HashiCorp's signing key
	// either way.
	ReleasesURL string
	// InstallTimeout bounds the download; zero means hc-install's default.
	InstallTimeout time.Duration
}

// Find returns the path of Terraform at exactly version v: a binary already
// on PATH or in the cache if one reports that version, else the official
// release downloaded into the cache after checksum and signature checks.
func Find(ctx context.Context, v string, opts FindOptions) (string, error) {
	want, err := version.NewVersion(v)
	if err != nil {
		return "", fmt.Errorf("tfrunner: %q is not a Terraform version: pin an exact version like 1.8.5: %w", v, err)
	}
	cache := opts.CacheDir
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		cache = filepath.Join(base, "devsecops", "terraform")
	}
	installDir := filepath.Join(cache, "terraform_"+want.String())

	local := &fs.ExactVersion{Product: product.Terraform, Version: want, ExtraPaths: []string{cache, installDir}}
	path, localErr := local.Find(ctx)
	if localErr == nil {
		return path, nil
	}

	if err := os.MkdirAll(installDir, 0o755); err != nil {
		return "", fmt.Errorf("tfrunner: creating Terraform cache dir %s: %w", installDir, err)
	}
	rel := &releases.ExactVersion{Product: product.Terraform, Version: want, InstallDir: installDir,
		ApiBaseURL: opts.ReleasesURL, Timeout: opts.InstallTimeout}
	path, installErr := rel.Install(ctx)
	if installErr == nil {
		return path, nil
	}
	from := opts.ReleasesURL
	if from == "" {
		from = "https://releases.hashicorp.com"
	}
	return "", fmt.Errorf("tfrunner: terraform %s is not on PATH or in %s (%v), and downloading it from %s failed (%v): put terraform %s on PATH or in %s, or allow access to %s",
		want, cache, localErr, from, installErr, want, cache, from)
}
