// A DevSecOps delivery pipeline for the weather app in app/: every security
// check from source to signed image, runnable the same way on a laptop, in
// GitHub Actions and ad hoc. The logic lives in ci/; this file maps Dagger
// arguments onto it.
package main

import (
	"context"

	"dagger/devsecops/ci/pins"
	"dagger/devsecops/ci/policy"
	"dagger/devsecops/ci/scanners"
	"dagger/devsecops/ci/stages"
	"dagger/devsecops/internal/dagger"
)

type Devsecops struct {
	// The project: app/, terraform/, the policy file and .git for history scans.
	Source *dagger.Directory
	// Wheels for every pip install in the pipeline, for machines without PyPI.
	Wheelhouse    *dagger.Directory
	PythonImage   string
	TrivyImage    string
	GitleaksImage string
	CosignImage   string
	// CraneImage pushes images to registries (see ci/release).
	CraneImage    string
	RegistryImage string
	// TestRunnerImage runs the integration suite (needs python3, chromium, chromedriver).
	TestRunnerImage string
	// TestRunnerHasBrowser is true when TestRunnerImage was given: it is then
	// expected to ship Chromium and chromedriver already.
	TestRunnerHasBrowser bool
}

func New(
	// The repository to check and ship.
	// +defaultPath="/"
	// +ignore=["**/__pycache__", "**/.pytest_cache", "**/.ruff_cache", "**/.venv", "reports", "**/.terraform", "**/*.tfstate", "**/*.tfstate.backup", "app/wheels/*.whl"]
	source *dagger.Directory,
	// A directory of wheels (made with scripts/wheelhouse) to install Python
	// tools and the app from, instead of PyPI.
	// +optional
	wheelhouse *dagger.Directory,
	// Python image for Bandit, the dependency audit and the app build.
	// +optional
	pythonImage string,
	// Trivy image.
	// +optional
	trivyImage string,
	// Gitleaks image (must contain git).
	// +optional
	gitleaksImage string,
	// Cosign image.
	// +optional
	cosignImage string,
	// Crane image, which pushes the app image to the registry.
	// +optional
	craneImage string,
	// OCI registry image, run as a service when no registry is given.
	// +optional
	registryImage string,
	// Image for the integration tests, with python3, python3-venv, chromium
	// and chromium-driver installed. Default: the Python image plus those
	// packages from Debian (needs network).
	// +optional
	testRunnerImage string,
) *Devsecops {
	return &Devsecops{
		Source:        source,
		Wheelhouse:    wheelhouse,
		PythonImage:   orDefault(pythonImage, pins.Python),
		TrivyImage:    orDefault(trivyImage, pins.Trivy),
		GitleaksImage: orDefault(gitleaksImage, pins.Gitleaks),
		CosignImage:   orDefault(cosignImage, pins.Cosign),
		CraneImage:    orDefault(craneImage, pins.Crane),
		RegistryImage: orDefault(registryImage, pins.Registry),

		TestRunnerImage:      orDefault(testRunnerImage, pins.TestRunner),
		TestRunnerHasBrowser: testRunnerImage != "",
	}
}

// ScanReport is the judged outcome of a scan.
type ScanReport struct {
	// True when no finding reaches the policy threshold and every tool ran.
	Passed bool
	// The Markdown summary (also in the report as summary.md).
	Summary string
	// Internal: the gate error text, empty when passed.
	Failure string
	// findings.json, findings.sarif, summary.md and each tool's raw report.
	Files *dagger.Directory
}

// The reports folder: dagger call scan report export --path=reports/
func (r *ScanReport) Report() *dagger.Directory { return r.Files }

// Prints the summary; fails exactly when the policy fails.
func (r *ScanReport) Check() (string, error) {
	if r.Passed {
		return r.Summary, nil
	}
	return "", &gateError{r.Failure}
}

type gateError struct{ msg string }

func (e *gateError) Error() string { return e.msg }

// Runs every shift-left check (Bandit, dependency audit, Gitleaks over tree
// and history, Trivy on IaC and Dockerfiles) concurrently and judges the
// findings against the policy.
func (m *Devsecops) Scan(
	ctx context.Context,
	// Policy file; defaults to .devsecops.yaml in the source, else built-in defaults.
	// +optional
	policyFile *dagger.File,
	// A local Safety advisory DB directory (insecure.json, insecure_full.json)
	// for air-gapped audits; no key needed.
	// +optional
	advisoryDb *dagger.Directory,
	// Safety API key, to audit against Safety's online DB (as the seed did).
	// +optional
	safetyApiKey *dagger.Secret,
) (*ScanReport, error) {
	p, err := m.policy(ctx, policyFile)
	if err != nil {
		return nil, err
	}
	py := scanners.Python{Image: m.PythonImage, Wheelhouse: m.Wheelhouse}
	gate, err := stages.Judge(ctx, dag, "scan", p, []scanners.Scanner{
		scanners.Bandit{Dag: dag, Python: py, Source: m.Source},
		scanners.Dependencies{Dag: dag, Python: py, Source: m.Source, AdvisoryDB: advisoryDb, SafetyKey: safetyApiKey},
		scanners.Gitleaks{Dag: dag, Image: m.GitleaksImage, Source: m.Source},
		scanners.TrivyConfig{Dag: dag, Image: m.TrivyImage, Source: m.Source},
	})
	if err != nil {
		return nil, err
	}
	failure := ""
	if err := gate.Err(); err != nil {
		failure = err.Error()
	}
	return &ScanReport{Passed: gate.Verdict.Passed, Summary: gate.Summary, Failure: failure, Files: gate.Reports}, nil
}

// Builds app/Dockerfile into the app image. Export it with
// dagger call build export --path=app.tar
func (m *Devsecops) Build(
	ctx context.Context,
	// Git revision recorded in the image label and /version.
	// +optional
	revision string,
	// Source repository URL recorded in the image label.
	// +optional
	sourceUrl string,
) (*dagger.Container, error) {
	return stages.Build(ctx, dag, stages.BuildOptions{
		Source: m.Source, Wheelhouse: m.Wheelhouse, PythonImage: m.PythonImage,
		Revision: revision, SourceURL: sourceUrl,
	})
}

// --- image scan and SBOM ---

// Builds the app image and scans it with Trivy: OS and library
// vulnerabilities (fixed ones only unless the policy's image.ignore_unfixed
// is false), secrets and misconfigurations, judged by the policy. The
// vulnerability DB is kept in a cache volume between runs.
func (m *Devsecops) ScanImage(
	ctx context.Context,
	// Policy file; defaults to .devsecops.yaml in the source, else built-in defaults.
	// +optional
	policyFile *dagger.File,
	// OCI repository to pull the vulnerability DB from instead of Trivy's
	// defaults, e.g. a mirror for air-gapped runs: registry.internal:5000/trivy-db:2
	// +optional
	dbRepository string,
	// A registry to reach the DB repository through, bound under the
	// repository's host name (from the CLI: tcp://localhost:5000).
	// +optional
	dbRegistry *dagger.Service,
	// The DB registry speaks plain HTTP or has a self-signed certificate.
	// +optional
	insecureRegistry bool,
	// Use the DB already cached; never contact a registry.
	// +optional
	skipDbUpdate bool,
	// Git revision recorded in the image label.
	// +optional
	revision string,
) (*ScanReport, error) {
	p, err := m.policy(ctx, policyFile)
	if err != nil {
		return nil, err
	}
	image, err := m.Build(ctx, revision, "")
	if err != nil {
		return nil, err
	}
	gate, err := stages.ScanImage(ctx, dag, stages.ScanImageOptions{
		Image: image, TrivyImage: m.TrivyImage, Policy: p,
		DBRepository: dbRepository, DBRegistry: dbRegistry,
		Insecure: insecureRegistry, SkipDBUpdate: skipDbUpdate,
	})
	if err != nil {
		return nil, err
	}
	failure := ""
	if err := gate.Err(); err != nil {
		failure = err.Error()
	}
	return &ScanReport{Passed: gate.Verdict.Passed, Summary: gate.Summary, Failure: failure, Files: gate.Reports}, nil
}

// A CycloneDX JSON SBOM of the app image (OS packages and Python libraries):
// dagger call sbom export --path=sbom.cdx.json
func (m *Devsecops) Sbom(
	ctx context.Context,
	// Git revision recorded in the image label.
	// +optional
	revision string,
) (*dagger.File, error) {
	image, err := m.Build(ctx, revision, "")
	if err != nil {
		return nil, err
	}
	return stages.SBOM(ctx, dag, image, m.TrivyImage)
}

// --- end image scan and SBOM ---

func (m *Devsecops) policy(ctx context.Context, file *dagger.File) (*policy.Policy, error) {
	if file == nil {
		exists, err := m.Source.Exists(ctx, policy.DefaultFileName)
		if err != nil {
			return nil, err
		}
		if exists {
			file = m.Source.File(policy.DefaultFileName)
		}
	}
	return stages.LoadPolicy(ctx, file)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
