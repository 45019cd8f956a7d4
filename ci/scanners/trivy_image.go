package scanners

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"

	"dagger/devsecops/ci/findings"
	"dagger/devsecops/ci/parsers"
	"dagger/devsecops/internal/dagger"
)

// TrivyCacheVolume holds Trivy's vulnerability DB and checks between runs,
// so a second scan downloads nothing while the DB is fresh.
const TrivyCacheVolume = "devsecops-trivy-cache"

// TrivyImage scans a built image for OS and library vulnerabilities, secrets
// and misconfigurations (in the image's files and its config). The image is
// handed over as a docker-archive tarball: no registry, no daemon.
type TrivyImage struct {
	Dag    *dagger.Client
	Image  string            // the Trivy image
	Target *dagger.Container // the image to scan
	// IgnoreUnfixed drops vulnerabilities that have no fixed version yet.
	IgnoreUnfixed bool
	// DBRepository is an OCI repository to pull the vulnerability DB from
	// instead of Trivy's defaults (a mirror for air-gapped users).
	DBRepository string
	// DBRegistry, if set, is bound under DBRepository's host name, so the DB
	// can come from a registry run as a Dagger service or tunnelled from the host.
	DBRegistry *dagger.Service
	Insecure   bool // plain-HTTP or self-signed DB registry
	// SkipDBUpdate uses the DB already in the cache volume, never the network.
	SkipDBUpdate bool
}

func (TrivyImage) Name() string { return parsers.TrivyTool }

func (t TrivyImage) Run(ctx context.Context) Result {
	ctr := t.Dag.Container().From(t.Image).
		WithUser("root").
		WithoutEntrypoint().
		WithMountedFile("/image.tar", t.Target.AsTarball()).
		WithMountedCache("/root/.cache/trivy", t.Dag.CacheVolume(t.cacheVolume())).
		WithEnvVariable(advisoryDayVar, advisoryDay())
	if t.DBRegistry != nil {
		ctr = ctr.WithServiceBinding(RegistryHost(t.DBRepository), t.DBRegistry)
	}
	_, report, err := exec(ctx, t.Name(), ctr, t.args(), "/tmp/trivy-image.json")
	if err != nil {
		if strings.Contains(err.Error(), "failed to download vulnerability DB") {
			var te *findings.ToolError
			if errors.As(err, &te) {
				err = te.Err
			}
			err = findings.Errorf(t.Name(), "could not get its vulnerability DB (%v). Without registry access, "+
				"mirror the DB and give --db-repository=<host:port>/trivy-db:2 (with --db-registry for a registry "+
				"only the CLI host reaches, --insecure-registry for plain HTTP), or --skip-db-update to use the DB "+
				"already in the cache volume", err)
		}
		return failed(t.Name(), err)
	}
	fs, err := parsers.Trivy([]byte(report))
	return Result{Tool: t.Name(), Findings: fs, Err: err, Raw: map[string]string{"trivy-image.json": report}}
}

func (t TrivyImage) args() []string {
	args := []string{
		"trivy", "image", "--quiet", "--cache-dir", "/root/.cache/trivy",
		"--input", "/image.tar",
		"--scanners", "vuln,secret,misconfig", "--image-config-scanners", "misconfig,secret",
		"--skip-check-update", "--skip-version-check",
		// The SBOM lists every package; the report keeps to findings.
		"--list-all-pkgs=false",
		"--format", "json", "--output", "/tmp/trivy-image.json", "--exit-code", "0",
	}
	if t.IgnoreUnfixed {
		args = append(args, "--ignore-unfixed")
	}
	if t.DBRepository != "" {
		args = append(args, "--db-repository", t.DBRepository)
	}
	if t.Insecure {
		args = append(args, "--insecure")
	}
	if t.SkipDBUpdate {
		args = append(args, "--skip-db-update")
	}
	return args
}

// cacheVolume keeps a DB from a custom repository apart from the default one:
// a mirror's DB must never be served to a scan that asked for the official DB.
func (t TrivyImage) cacheVolume() string {
	if t.DBRepository == "" {
		return TrivyCacheVolume
	}
	sum := sha256.Sum256([]byte(t.DBRepository))
	return TrivyCacheVolume + "-" + hex.EncodeToString(sum[:6])
}

// RegistryHost is the host name of an OCI reference such as
// "registry:5000/trivy-db:2" ("registry").
func RegistryHost(ref string) string {
	host, _, _ := strings.Cut(ref, "/")
	if i := strings.LastIndex(host, ":"); i >= 0 && !strings.HasSuffix(host, "]") {
		host = host[:i]
	}
	return host
}
