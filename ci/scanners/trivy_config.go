package scanners

import (
	"context"

	"dagger/devsecops/ci/parsers"
	"dagger/devsecops/internal/dagger"
)

// TrivyConfig checks Terraform and Dockerfiles with Trivy's embedded
// misconfiguration checks; --skip-check-update keeps it offline-capable.
type TrivyConfig struct {
	Dag    *dagger.Client
	Image  string
	Source *dagger.Directory
}

func (TrivyConfig) Name() string { return parsers.TrivyTool }

func (t TrivyConfig) Run(ctx context.Context) Result {
	ctr := sourceContainer(t.Dag, t.Image, t.Source).
		WithMountedCache("/root/.cache/trivy", t.Dag.CacheVolume("devsecops-trivy-cache"))
	_, report, err := exec(ctx, t.Name(), ctr, []string{
		"trivy", "config", "--quiet", "--skip-check-update", "--cache-dir", "/root/.cache/trivy",
		"--format", "json", "--output", "/tmp/trivy-config.json", "--exit-code", "0",
		// Test fixtures hold deliberately broken configurations.
		"--skip-dirs", "**/testdata", "--skip-dirs", "**/.terraform",
		".",
	}, "/tmp/trivy-config.json")
	if err != nil {
		return failed(t.Name(), err)
	}
	fs, err := parsers.Trivy([]byte(report))
	return Result{Tool: t.Name(), Findings: fs, Err: err, Raw: map[string]string{"trivy-config.json": report}}
}
