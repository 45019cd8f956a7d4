// A DevSecOps delivery pipeline for the weather app in app/: every security
// check from source to signed image, runnable the same way on a laptop, in
// GitHub Actions and ad hoc. The logic lives in ci/; this file maps Dagger
// arguments onto it.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"dagger/devsecops/ci/pins"
	"dagger/devsecops/ci/policy"
	"dagger/devsecops/ci/release"
	"dagger/devsecops/ci/scanners"
	"dagger/devsecops/ci/stages"
	"dagger/devsecops/ci/version"
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
	// DeployerImage has terraform and ci/cmd/deployer on PATH; empty: built
	// from the source (see ci/stages/deploy.go).
	DeployerImage string
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
	// Image with terraform 1.8.5 and the deployer (ci/cmd/deployer) on
	// PATH. Default: built from the source on the pinned golang and
	// hashicorp/terraform images.
	// +optional
	deployerImage string,
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
		DeployerImage:        deployerImage,
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

func scanReportOf(gate *stages.Gate) *ScanReport {
	failure := ""
	if err := gate.Err(); err != nil {
		failure = err.Error()
	}
	return &ScanReport{Passed: gate.Verdict.Passed, Summary: gate.Summary, Failure: failure, Files: gate.Reports}
}

type gateError struct{ msg string }

func (e *gateError) Error() string { return e.msg }

// Runs every shift-left check (Bandit, dependency audit, Gitleaks over tree
// and history, Trivy on IaC and Dockerfiles) concurrently and judges the
// findings against the policy.
//
// Judged again on every call (the tools' runs stay cached): allowlist
// entries expire by date, which a cached verdict would not notice.
//
// +cache="session"
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
	return scanReportOf(gate), nil
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

// --- build and test stages ---

// Runs the app image as a service against the stub upstream (a second
// service), then the integration suite (HTTP and headless Chromium) from a
// separate test container bound to it. Returns the JUnit XML report; fails
// naming each failing test. With API keys it also runs the live smoke test
// against the real providers, else the report lists it as skipped.
//
//	dagger call test export --path=junit.xml
//	dagger call test --upstream-mode=error contents
//	dagger call test --weather-api-key=env:WEATHER_API_KEY --location-api-key=env:LOCATION_API_KEY
//
// +cache="never"
func (m *Devsecops) Test(
	ctx context.Context,
	// The stub upstream's mode: ok, or error (every upstream call fails; the
	// suite then checks the app's outage page instead of forecasts).
	// +default="ok"
	upstreamMode string,
	// Visual Crossing key for the live smoke test.
	// +optional
	weatherApiKey *dagger.Secret,
	// Abstract API key for the live smoke test.
	// +optional
	locationApiKey *dagger.Secret,
	// Git revision recorded in the image.
	// +optional
	revision string,
) (*dagger.File, error) {
	image, err := m.Build(ctx, revision, "")
	if err != nil {
		return nil, err
	}
	res, err := m.runTests(ctx, image, upstreamMode, weatherApiKey, locationApiKey)
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	return res.JUnit, nil
}

func (m *Devsecops) runTests(ctx context.Context, image *dagger.Container, mode string, weatherKey, locationKey *dagger.Secret) (*stages.TestResult, error) {
	res, err := stages.Test(ctx, dag, stages.TestOptions{
		App: image, Source: m.Source, PythonImage: m.PythonImage,
		RunnerImage: m.TestRunnerImage, RunnerHasBrowser: m.TestRunnerHasBrowser, Wheelhouse: m.Wheelhouse,
		UpstreamMode: mode, WeatherKey: weatherKey, LocationKey: locationKey,
	})
	if err != nil {
		return nil, err
	}
	// Shown in the call's progress output; the report has it too.
	fmt.Fprintf(os.Stderr, "tests: %d run, %d failed, %d skipped; %s\n",
		res.Counts.Tests, len(res.Counts.Failing), res.Counts.Skipped, res.Live)
	return res, nil
}

// PipelineRun is a finished pipeline: its reports, and whether it passed.
type PipelineRun struct {
	// True when no gating stage failed (skipped stages do not fail it).
	Passed bool
	// pipeline.md: the stage table with status, duration and reasons.
	Summary string
	// Internal: the failure text (every failed stage), empty when passed.
	Failure string
	// Every report: scan/, image-scan/, sbom.cdx.json, junit.xml,
	// pipeline.md, pipeline.json.
	Files *dagger.Directory
}

// The reports folder: dagger call pipeline report export --path=reports
//
// Never cached: the engine may give two pipeline runs with equal arguments
// the same object ID, and a cached report would be an earlier run's.
//
// +cache="never"
func (r *PipelineRun) Report() *dagger.Directory { return r.Files }

// Prints pipeline.md; fails, naming each failed stage, when one did.
//
// +cache="never"
func (r *PipelineRun) Check() (string, error) {
	if r.Passed {
		return r.Summary, nil
	}
	return "", &gateError{r.Failure}
}

// The main job: scan, build, scan-image, sbom and test as a DAG (independent
// stages run concurrently), then the release stages. Every stage's report
// lands in one directory with pipeline.md, the per-stage table. Reports and
// verdict in one command (see README):
//
//	dagger -c 'r=$(pipeline); $r | report | export reports; $r | check'
//
// +cache="never"
func (m *Devsecops) Pipeline(
	ctx context.Context,
	// Policy file; defaults to .devsecops.yaml in the source, else built-in defaults.
	// +optional
	policyFile *dagger.File,
	// A local Safety advisory DB directory for air-gapped dependency audits.
	// +optional
	advisoryDb *dagger.Directory,
	// Safety API key, to audit against Safety's online DB.
	// +optional
	safetyApiKey *dagger.Secret,
	// OCI repository of Trivy's vulnerability DB, for air-gapped image scans.
	// +optional
	trivyDbRepository string,
	// A registry to reach trivyDbRepository through (bound under its host name).
	// +optional
	trivyDbRegistry *dagger.Service,
	// The Trivy DB registry speaks plain HTTP or has a self-signed certificate.
	// +optional
	trivyDbInsecure bool,
	// Use the Trivy DB already cached; never contact a registry.
	// +optional
	trivyDbSkipUpdate bool,
	// Visual Crossing key for the live smoke test.
	// +optional
	weatherApiKey *dagger.Secret,
	// Abstract API key for the live smoke test.
	// +optional
	locationApiKey *dagger.Secret,
	// Git revision recorded in the image.
	// +optional
	revision string,
	// Source repository URL recorded in the image.
	// +optional
	sourceUrl string,
	// Release: registry host (docker.io, ghcr.io, host:port). Without
	// --registry-password the image goes to a registry service inside the
	// pipeline instead, so the release path runs before anything is set up.
	// +default="docker.io"
	registry string,
	// Release: repository on the registry, e.g. me/weather-app.
	// +default="devsecops/weather-app"
	repository string,
	// +optional
	registryUsername string,
	// Registry password or access token (Docker Hub: an access token).
	// +optional
	registryPassword *dagger.Secret,
	// +optional
	insecureRegistry bool,
	// cosign private key (default: a throwaway key made for the run).
	// +optional
	cosignKey *dagger.Secret,
	// +optional
	cosignPassword *dagger.Secret,
	// Keyless signing in GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_URL.
	// +optional
	oidcRequestUrl *dagger.Secret,
	// Keyless signing in GitHub Actions: ACTIONS_ID_TOKEN_REQUEST_TOKEN.
	// +optional
	oidcRequestToken *dagger.Secret,
	// Keyless verification: e.g. ^https://github.com/OWNER/REPO/
	// +optional
	certificateIdentityRegexp string,
	// Deploy: AWS region (see deploy; the stage runs only with credentials).
	// +default="eu-west-3"
	awsRegion string,
	// +optional
	awsAccessKeyId *dagger.Secret,
	// +optional
	awsSecretAccessKey *dagger.Secret,
	// +optional
	awsSessionToken *dagger.Secret,
	// Deploy with GitHub OIDC: the token, and the role it may assume.
	// +optional
	awsWebIdentityToken *dagger.Secret,
	// +optional
	awsRoleArn string,
	// Deploy: plan and check only (pull requests).
	// +optional
	planOnly bool,
	// Deploy: SHA-256 of cosign-linux-amd64 for the instance (terraform/README.md).
	// +optional
	cosignSha256 string,
) (*PipelineRun, error) {
	p, err := m.policy(ctx, policyFile)
	if err != nil {
		return nil, err
	}
	// Written by build before the stages that need it start (the runner
	// orders them), read only by those.
	var image *dagger.Container
	gate := func(dir string, g *stages.Gate, err error) stages.StageOutput {
		if err != nil {
			return stages.StageOutput{Err: err}
		}
		return stages.StageOutput{Reports: dag.Directory().WithDirectory(dir, g.Reports), Note: verdictNote(g), Err: g.Err()}
	}
	list := []stages.Stage{
		{Name: "scan", Run: func(ctx context.Context) stages.StageOutput {
			r, err := m.Scan(ctx, policyFile, advisoryDb, safetyApiKey)
			if err != nil {
				return stages.StageOutput{Err: err}
			}
			out := stages.StageOutput{Reports: dag.Directory().WithDirectory("scan", r.Files)}
			if !r.Passed {
				out.Err = &gateError{r.Failure}
			}
			return out
		}},
		{Name: "build", Run: func(ctx context.Context) stages.StageOutput {
			ctr, err := m.Build(ctx, revision, sourceUrl)
			if err == nil {
				image, err = ctr.Sync(ctx)
			}
			return stages.StageOutput{Err: err}
		}},
		{Name: "scan-image", Needs: []string{"build"}, Run: func(ctx context.Context) stages.StageOutput {
			g, err := stages.ScanImage(ctx, dag, stages.ScanImageOptions{
				Image: image, TrivyImage: m.TrivyImage, Policy: p,
				DBRepository: trivyDbRepository, DBRegistry: trivyDbRegistry,
				Insecure: trivyDbInsecure, SkipDBUpdate: trivyDbSkipUpdate,
			})
			return gate("image-scan", g, err)
		}},
		{Name: "sbom", Needs: []string{"build"}, Run: func(ctx context.Context) stages.StageOutput {
			f, err := stages.SBOM(ctx, dag, image, m.TrivyImage)
			if err != nil {
				return stages.StageOutput{Err: err}
			}
			return stages.StageOutput{Reports: dag.Directory().WithFile(stages.SBOMPath, f)}
		}},
		{Name: "test", Needs: []string{"build"}, Run: func(ctx context.Context) stages.StageOutput {
			res, err := m.runTests(ctx, image, "ok", weatherApiKey, locationApiKey)
			if err != nil {
				return stages.StageOutput{Err: err}
			}
			out := stages.StageOutput{Err: res.Err, Note: fmt.Sprintf("%d tests, %d failed, %d skipped; %s",
				res.Counts.Tests, len(res.Counts.Failing), res.Counts.Skipped, res.Live)}
			if res.JUnit != nil {
				out.Reports = dag.Directory().WithFile("junit.xml", res.JUnit)
			}
			return out
		}},
	}
	// Release stages: publish, sign (and attest), verify; after every gate.
	rel, released := m.releaseStages([]string{"scan", "scan-image", "sbom", "test"}, func() *dagger.Container { return image },
		release.Options{
			SourceURL: sourceUrl, Revision: revision, Repository: repository, Insecure: insecureRegistry,
			Creds:                     m.creds(registryUsername, registryPassword),
			Material:                  release.SignMaterial{Key: cosignKey, Password: cosignPassword, RequestURL: oidcRequestUrl, RequestToken: oidcRequestToken},
			CertificateIdentityRegexp: certificateIdentityRegexp,
		}, registry)
	list = append(list, rel...)
	// Deploy: last, after verify (so after every gate), only with AWS credentials.
	list = append(list, m.deployStage(released, registryPassword != nil, stages.DeployOptions{
		Region: awsRegion, AccessKeyID: awsAccessKeyId, SecretAccessKey: awsSecretAccessKey, SessionToken: awsSessionToken,
		WebIdentityToken: awsWebIdentityToken, RoleARN: awsRoleArn, PlanOnly: planOnly,
	}, cosignSha256))
	run, err := stages.RunPipeline(ctx, list)
	if err != nil {
		return nil, err
	}
	files, err := stages.PipelineReports(dag, run)
	if err != nil {
		return nil, err
	}
	failure := ""
	if err := run.Err(); err != nil {
		failure = err.Error()
	}
	summary := run.Markdown()
	fmt.Fprintln(os.Stderr, summary)
	return &PipelineRun{Passed: run.Passed(), Summary: summary, Failure: failure, Files: files}, nil
}

func verdictNote(g *stages.Gate) string {
	return fmt.Sprintf("%d finding(s) at or above the threshold, %d tool error(s)", len(g.Verdict.Failing), len(g.Verdict.ToolErrors))
}

// The same app packaged the seed's way (scripts/seed-image/Dockerfile: one
// stage, plain pip, root), on the same Python image; scripts/bench-pipeline
// compares its size with the pipeline's image.
func (m *Devsecops) SeedImage() *dagger.Container {
	appDir := m.Source.Directory("app").
		WithFile("Dockerfile", m.Source.File("scripts/seed-image/Dockerfile"))
	if m.Wheelhouse != nil {
		appDir = appDir.WithDirectory("wheels", m.Wheelhouse)
	}
	return appDir.DockerBuild(dagger.DirectoryDockerBuildOpts{
		BuildArgs: []dagger.BuildArg{{Name: "PYTHON_IMAGE", Value: m.PythonImage}},
	})
}

// --- end build and test stages ---

// --- image scan and SBOM ---

// Builds the app image and scans it with Trivy: OS and library
// vulnerabilities (fixed ones only unless the policy's image.ignore_unfixed
// is false), secrets and misconfigurations, judged by the policy. The
// vulnerability DB is kept in a cache volume between runs and Trivy runs
// again each day, so new advisories reach images that did not change.
//
// +cache="session"
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
	return scanReportOf(gate), nil
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

// --- release stages ---

// VersionBump is the next release version.
type VersionBump struct {
	// The new version, e.g. 1.3.0.
	Version string
	// The version app/VERSION held.
	Previous string
	// patch, minor or major.
	Bump string
	// Why: "requested", or the commit that called for the bump.
	Reason string
	// The last tag the commits were read from ("" when there is none).
	SinceTag string
	// app/VERSION with the new version, for the caller to commit (with a
	// subject starting "chore(release):", which the next bump ignores).
	File *dagger.File
}

// Computes the next version from app/VERSION: bumped as asked, or as the
// conventional commits since the last tag call for (feat: minor, fix and
// others: patch, "!" or BREAKING CHANGE: major; "chore(release):" commits
// are ignored). dagger call version --bump=minor file export --path=app/VERSION
func (m *Devsecops) Version(
	ctx context.Context,
	// patch, minor or major; empty: derived from commit messages.
	// +optional
	bump string,
) (*VersionBump, error) {
	contents, err := m.Source.File("app/VERSION").Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("read app/VERSION: %w", err)
	}
	b, tag, commits := version.None, "", []string(nil)
	if bump != "" {
		if b, err = version.ParseBump(bump); err != nil {
			return nil, err
		}
	} else if _, err := version.Parse(contents); err != nil {
		return nil, err // before reading history: the file is the problem
	} else if tag, commits, err = release.CommitsSinceTag(ctx, dag, m.GitleaksImage, m.Source); err != nil {
		return nil, err
	}
	r, err := version.Next(contents, b, commits)
	if err != nil {
		return nil, err
	}
	return &VersionBump{
		Version: r.Next, Previous: r.Previous, Bump: r.Bump.String(), Reason: r.Reason, SinceTag: tag,
		File: dag.Directory().WithNewFile("VERSION", r.Next+"\n").File("VERSION"),
	}, nil
}

// Pushes the image (default: built from the source) under each tag
// (default: latest, app/VERSION and the git SHA) and prints the pushed
// digest reference registry/repo@sha256:….
// dagger call publish --repository=me/weather-app --registry-username=me --registry-password=env:DOCKERHUB_TOKEN
func (m *Devsecops) Publish(
	ctx context.Context,
	// Repository on the registry, e.g. me/weather-app.
	repository string,
	// +optional
	image *dagger.Container,
	// Registry host: docker.io, ghcr.io, host:port.
	// +default="docker.io"
	registry string,
	// +optional
	registryUsername string,
	// Registry password or access token.
	// +optional
	registryPassword *dagger.Secret,
	// The registry speaks plain HTTP or has a self-signed certificate.
	// +optional
	insecureRegistry bool,
	// +optional
	tags []string,
	// Git revision (default: the source's HEAD).
	// +optional
	revision string,
) (string, error) {
	if err := release.RequireWriteCreds(registry, m.creds(registryUsername, registryPassword)); err != nil {
		return "", err
	}
	e, host, err := release.NewEnv(ctx, dag, m.releaseImages(), registry, m.creds(registryUsername, registryPassword), insecureRegistry)
	if err != nil {
		return "", err
	}
	rev, ver, err := m.revisionAndVersion(ctx, revision)
	if err != nil {
		return "", err
	}
	if image == nil {
		if image, err = m.Build(ctx, rev, ""); err != nil {
			return "", err
		}
	}
	if len(tags) == 0 {
		tags = release.Tags(ver, rev)
	}
	return release.Publish(ctx, e, image, host+"/"+repository, tags)
}

// Signs a pushed digest with cosign and attests its SBOM and a provenance
// statement (source repository, revision, builder) to it. Key-based:
// --cosign-key=file:cosign.key --cosign-password=env:COSIGN_PASSWORD.
// Keyless (GitHub Actions only): --oidc-request-url=env:ACTIONS_ID_TOKEN_REQUEST_URL
// --oidc-request-token=env:ACTIONS_ID_TOKEN_REQUEST_TOKEN.
func (m *Devsecops) Sign(
	ctx context.Context,
	// The digest reference publish printed (repo@sha256:…).
	digestRef string,
	// +optional
	cosignKey *dagger.Secret,
	// +optional
	cosignPassword *dagger.Secret,
	// GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_URL (keyless).
	// +optional
	oidcRequestUrl *dagger.Secret,
	// GitHub Actions' ACTIONS_ID_TOKEN_REQUEST_TOKEN (keyless).
	// +optional
	oidcRequestToken *dagger.Secret,
	// An OIDC identity token instead of the two above (keyless).
	// +optional
	identityToken *dagger.Secret,
	// +optional
	fulcioUrl string,
	// +optional
	rekorUrl string,
	// Also record key-based signatures in Rekor (keyless always does).
	// +optional
	transparencyLog bool,
	// CycloneDX SBOM to attest (default: made from the image built from the source).
	// +optional
	sbom *dagger.File,
	// Source repository URL for the provenance statement.
	// +optional
	sourceUrl string,
	// Git revision (default: the source's HEAD).
	// +optional
	revision string,
	// +optional
	registryUsername string,
	// +optional
	registryPassword *dagger.Secret,
	// +optional
	insecureRegistry bool,
) (string, error) {
	if err := release.RequireWriteCreds(registryHost(digestRef), m.creds(registryUsername, registryPassword)); err != nil {
		return "", err
	}
	e, _, err := release.NewEnv(ctx, dag, m.releaseImages(), registryHost(digestRef), m.creds(registryUsername, registryPassword), insecureRegistry)
	if err != nil {
		return "", err
	}
	rev, ver, err := m.revisionAndVersion(ctx, revision)
	if err != nil {
		return "", err
	}
	if sbom == nil {
		image, err := m.Build(ctx, rev, sourceUrl)
		if err != nil {
			return "", err
		}
		if sbom, err = stages.SBOM(ctx, dag, image, m.TrivyImage); err != nil {
			return "", err
		}
	}
	atts, err := release.Predicates(dag, sbom, release.ProvenanceInput{SourceRepo: sourceUrl, Revision: rev, Version: ver})
	if err != nil {
		return "", err
	}
	mat := release.SignMaterial{Key: cosignKey, Password: cosignPassword, IdentityToken: identityToken, RequestURL: oidcRequestUrl, RequestToken: oidcRequestToken}
	s := release.Signing{FulcioURL: fulcioUrl, RekorURL: rekorUrl, TransparencyLog: transparencyLog}
	if err := release.SignAndAttest(ctx, e, s, mat, digestRef, atts); err != nil {
		return "", err
	}
	return "signed and attested " + digestRef + " (" + release.SBOMType + ", " + release.ProvenanceType + ")", nil
}

// Verifies the signature and the SBOM and provenance attestations of an
// image (tag or digest) against a public key or a keyless identity. Fails
// for unsigned, wrongly signed and re-tagged images; the deploy gate.
func (m *Devsecops) Verify(
	ctx context.Context,
	// Tag or digest reference.
	ref string,
	// The digest that was signed: a tag that now points elsewhere fails.
	// +optional
	expectedDigest string,
	// cosign.pub (key-based signing).
	// +optional
	publicKey *dagger.File,
	// Keyless: the exact certificate identity, e.g.
	// https://github.com/org/repo/.github/workflows/ci.yml@refs/heads/main
	// +optional
	certificateIdentity string,
	// Keyless: a regexp for it, e.g. ^https://github.com/org/repo/
	// +optional
	certificateIdentityRegexp string,
	// +default="https://token.actions.githubusercontent.com"
	certificateOidcIssuer string,
	// Check only the signature.
	// +optional
	skipAttestations bool,
	// Require a Rekor entry for key-based signatures.
	// +optional
	transparencyLog bool,
	// +optional
	rekorUrl string,
	// +optional
	registryUsername string,
	// +optional
	registryPassword *dagger.Secret,
	// +optional
	insecureRegistry bool,
) (string, error) {
	e, _, err := release.NewEnv(ctx, dag, m.releaseImages(), registryHost(ref), m.creds(registryUsername, registryPassword), insecureRegistry)
	if err != nil {
		return "", err
	}
	id := release.Identity{PublicKey: publicKey != nil, TransparencyLog: transparencyLog, RekorURL: rekorUrl}
	if publicKey == nil {
		id.CertificateIdentity, id.CertificateIdentityRegexp, id.CertificateOIDCIssuer = certificateIdentity, certificateIdentityRegexp, certificateOidcIssuer
	}
	req := release.VerifyRequest{Ref: ref, ExpectedDigest: expectedDigest, PublicKey: publicKey, Identity: id}
	if !skipAttestations {
		req.Attestations = []string{release.SBOMType, release.ProvenanceType}
	}
	return release.Verify(ctx, e, req)
}

// Runs the whole release path against a registry service inside one
// session and checks that verification passes for the signed image and
// fails for another key, an unsigned image and a moved tag. Returns
// report.txt, cosign.pub and what the registry holds (image, signature,
// attestations). dagger call release-self-test export --path=selftest/
func (m *Devsecops) ReleaseSelfTest(
	ctx context.Context,
	// Image to release (default: built from the source).
	// +optional
	image *dagger.Container,
	// Make the registry service require these credentials.
	// +optional
	registryUsername string,
	// +optional
	registryPassword *dagger.Secret,
	// Sign with this key (default: a throwaway key).
	// +optional
	cosignKey *dagger.Secret,
	// +optional
	cosignPassword *dagger.Secret,
) (*dagger.Directory, error) {
	var err error
	if image == nil {
		if image, err = m.Build(ctx, "", ""); err != nil {
			return nil, err
		}
	}
	sbom, err := stages.SBOM(ctx, dag, image, m.TrivyImage)
	if err != nil {
		return nil, err
	}
	return release.SelfTest(ctx, dag, release.SelfTestOptions{
		Images: m.releaseImages(), Image: image, SBOM: sbom,
		Creds:    m.creds(registryUsername, registryPassword),
		Material: release.SignMaterial{Key: cosignKey, Password: cosignPassword},
	})
}

// releaseStages are the pipeline's publish, sign and verify stages. Without
// a registry password they publish to the in-pipeline registry service.
func (m *Devsecops) releaseStages(after []string, image func() *dagger.Container, o release.Options, registry string) ([]stages.Stage, func() *release.Result) {
	o.Images = m.releaseImages()
	if o.Creds != nil {
		o.Registry = registry
	}
	return stages.ReleaseStagesResult(dag, o, after, func(ctx context.Context, o *release.Options) error {
		rev, ver, err := m.revisionAndVersion(ctx, o.Revision)
		if err != nil {
			return err
		}
		o.Revision, o.Version, o.Image = rev, ver, image()
		// Same inputs as the sbom stage, so Dagger's cache returns its file.
		o.SBOM, err = stages.SBOM(ctx, dag, o.Image, m.TrivyImage)
		return err
	})
}

func (m *Devsecops) releaseImages() release.Images {
	return release.Images{Cosign: m.CosignImage, Crane: m.CraneImage, Registry: m.RegistryImage}
}

func (m *Devsecops) creds(username string, password *dagger.Secret) *release.Credentials {
	if password == nil {
		return nil
	}
	return &release.Credentials{Username: username, Password: password}
}

// revisionAndVersion defaults the revision to the source's HEAD and reads app/VERSION.
func (m *Devsecops) revisionAndVersion(ctx context.Context, revision string) (string, string, error) {
	if revision == "" {
		var err error
		if revision, err = release.Revision(ctx, dag, m.GitleaksImage, m.Source); err != nil {
			return "", "", err
		}
	}
	v, err := m.Source.File("app/VERSION").Contents(ctx)
	if err != nil {
		return "", "", fmt.Errorf("read app/VERSION: %w", err)
	}
	return revision, strings.TrimSpace(v), nil
}

// registryHost is the registry part of an image reference.
func registryHost(ref string) string {
	first, _, found := strings.Cut(ref, "/")
	if found && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first
	}
	return "docker.io"
}

// --- end release stages ---

// --- deploy ---

// Deploys a signed image to AWS with Terraform, after verifying it: the
// signature and the SBOM and provenance attestations of digestRef against
// publicKey must verify, or nothing runs. Then, in the deployer container
// (terraform + ci/cmd/deployer): the state backend is bootstrapped, the
// ALB's self-signed certificate uploaded to IAM (once), the plan checked
// (no destroyed stateful resource without --allow-destroy) and applied, and
// https://<alb>/healthz and /version polled with that certificate pinned.
// Returns verify.txt, plan-summary.txt, outputs.json, smoke.txt and
// alb-certificate.pem. See ci/stages/DEPLOY.md.
//
//	dagger call deploy --digest-ref=docker.io/me/weather-app@sha256:… --public-key=cosign.pub \
//	  --aws-region=eu-west-3 --aws-access-key-id=env:AWS_ACCESS_KEY_ID \
//	  --aws-secret-access-key=env:AWS_SECRET_ACCESS_KEY --cosign-sha-256=… export --path=deploy/
//
// +cache="never"
func (m *Devsecops) Deploy(
	ctx context.Context,
	// The signed image, by digest: registry/repository@sha256:….
	digestRef string,
	// cosign.pub the image was signed with; also what the instance verifies
	// the image against before running it.
	publicKey *dagger.File,
	// AWS region to deploy into.
	awsRegion string,
	// +optional
	awsAccessKeyId *dagger.Secret,
	// +optional
	awsSecretAccessKey *dagger.Secret,
	// +optional
	awsSessionToken *dagger.Secret,
	// An OIDC token (GitHub Actions) to assume awsRoleArn with, instead of keys.
	// +optional
	awsWebIdentityToken *dagger.Secret,
	// +optional
	awsRoleArn string,
	// An AWS emulator (moto, LocalStack) for every AWS call, e.g.
	// tcp://localhost:5000; reached over plain HTTP.
	// +optional
	awsEndpoint *dagger.Service,
	// State bucket. Default: devsecops-tfstate-<account id>.
	// +optional
	stateBucket string,
	// +default="devsecops-tflock"
	lockTable string,
	// dynamodb, or s3 (Terraform >= 1.10: the image's 1.8.5 needs dynamodb).
	// +default="dynamodb"
	stateLocking string,
	// +default="devsecops/terraform.tfstate"
	stateKey string,
	// Terraform configuration. Default: terraform/ from the source.
	// +optional
	terraformDir *dagger.Directory,
	// IAM server certificate name for the ALB (uploaded self-signed when
	// absent). Default: devsecops-alb with the default configuration, none
	// with --terraform-dir.
	// +optional
	certificateName string,
	// App version /version must report. Default: app/VERSION.
	// +optional
	appVersion string,
	// SHA-256 of cosign-linux-amd64 for the instance (terraform/README.md).
	// +optional
	cosignSha256 string,
	// +default="/devsecops/weather-api-key"
	weatherApiKeyParameter string,
	// +default="/devsecops/location-api-key"
	locationApiKeyParameter string,
	// More Terraform variables, name=value (never secrets).
	// +optional
	vars []string,
	// Plan and check only (pull requests): nothing is applied.
	// +optional
	planOnly bool,
	// Allow plans that destroy or replace stateful resources.
	// +optional
	allowDestroy bool,
	// How long the smoke test waits for the new version.
	// +default="10m"
	smokeTimeout string,
	// A registry service to reach digestRef's registry through, bound under
	// its host name (from the CLI: tcp://localhost:5000).
	// +optional
	registryService *dagger.Service,
	// +optional
	registryUsername string,
	// +optional
	registryPassword *dagger.Secret,
	// The registry speaks plain HTTP or has a self-signed certificate.
	// +optional
	insecureRegistry bool,
) (*dagger.Directory, error) {
	if _, _, ok := release.SplitDigestRef(digestRef); !ok {
		return nil, fmt.Errorf("deploy: --digest-ref %q is not a digest reference (registry/repository@sha256:…): deploy exactly what was signed, never a tag", digestRef)
	}
	o := stages.DeployOptions{
		DeployerImage: m.DeployerImage, Source: m.Source, TerraformDir: terraformDir,
		Region: awsRegion, Endpoint: awsEndpoint,
		AccessKeyID: awsAccessKeyId, SecretAccessKey: awsSecretAccessKey, SessionToken: awsSessionToken,
		WebIdentityToken: awsWebIdentityToken, RoleARN: awsRoleArn,
		Bucket: stateBucket, Table: lockTable, Locking: stateLocking, Key: stateKey,
		PlanOnly: planOnly, AllowDestroy: allowDestroy, CertificateName: certificateName, SmokeTimeout: smokeTimeout,
	}
	if err := o.Validate(); err != nil { // before the (slower) verify
		return nil, err
	}
	if terraformDir == nil && cosignSha256 == "" {
		return nil, errNoCosignSha
	}
	// The gate: nothing reaches AWS unless the image verifies.
	host := registryHost(digestRef)
	e, _, err := release.NewEnv(ctx, dag, m.releaseImages(), host, m.creds(registryUsername, registryPassword), insecureRegistry)
	if err != nil {
		return nil, err
	}
	if registryService != nil {
		e.Registry, e.RegistryHost = registryService, strings.Split(host, ":")[0]
	}
	_, digest, _ := release.SplitDigestRef(digestRef)
	verified, err := release.Verify(ctx, e, release.VerifyRequest{
		Ref: digestRef, ExpectedDigest: digest, PublicKey: publicKey,
		Identity:     release.Identity{PublicKey: true},
		Attestations: []string{release.SBOMType, release.ProvenanceType},
	})
	if err != nil {
		return nil, fmt.Errorf("deploy refused: the image did not verify, nothing was deployed: %w", err)
	}
	pub, err := publicKey.Contents(ctx)
	if err != nil {
		return nil, err
	}
	if appVersion == "" {
		if _, appVersion, err = m.revisionAndVersion(ctx, "-"); err != nil {
			return nil, err
		}
	}
	o.Vars = map[string]string{
		"image": digestRef, "cosign_public_key": pub, "app_version": appVersion, "region": awsRegion,
		"weather_api_key_parameter": weatherApiKeyParameter, "location_api_key_parameter": locationApiKeyParameter,
	}
	if cosignSha256 != "" {
		o.Vars["cosign_sha256"] = cosignSha256
	}
	for _, kv := range vars {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("deploy: --vars %q is not name=value", kv)
		}
		o.Vars[k] = v
	}
	if o.TerraformDir == nil {
		o.TerraformDir = m.Source.Directory("terraform")
		if o.CertificateName == "" {
			o.CertificateName = "devsecops-alb"
		}
	}
	// The deployer's log shows in the call's progress; a failure carries it.
	res, err := stages.Deploy(ctx, dag, o)
	if err != nil {
		return nil, err
	}
	return res.Files.WithNewFile("verify.txt", verified+"\n"), nil
}

var errNoCosignSha = fmt.Errorf("deploy: terraform/ needs --cosign-sha-256: the SHA-256 of cosign-linux-amd64 (v2.6.5) from the release's cosign_checksums.txt, which the instance checks before running cosign")

// deployStage is the pipeline's deploy: skipped, saying why, without AWS
// credentials or when the image went to the in-pipeline registry (AWS
// cannot pull from it). The verify stage it needs is its gate.
func (m *Devsecops) deployStage(released func() *release.Result, pushed bool, o stages.DeployOptions, cosignSha256 string) stages.Stage {
	st := stages.Stage{Name: "deploy", Needs: []string{"verify"}}
	switch {
	case o.AccessKeyID == nil && o.SecretAccessKey == nil && o.WebIdentityToken == nil:
		st.Skip = "no AWS credentials given (--aws-access-key-id/--aws-secret-access-key, or --aws-web-identity-token with --aws-role-arn)"
		return st
	case !pushed && !o.PlanOnly:
		// A plan of it is still useful (pull requests); an apply is not.
		st.Skip = "the image went to the in-pipeline registry, which AWS cannot pull from: give --registry-password to publish it (or --plan-only)"
		return st
	}
	st.Run = func(ctx context.Context) stages.StageOutput {
		if cosignSha256 == "" {
			return stages.StageOutput{Err: errNoCosignSha}
		}
		r := released()
		if r == nil || r.PublicKey == nil {
			return stages.StageOutput{Err: fmt.Errorf("deploy: no key-signed release to deploy (the instance verifies the image with a public key: sign with --cosign-key)")}
		}
		pub, err := r.PublicKey.Contents(ctx)
		if err != nil {
			return stages.StageOutput{Err: err}
		}
		_, ver, err := m.revisionAndVersion(ctx, "-")
		if err != nil {
			return stages.StageOutput{Err: err}
		}
		o.DeployerImage, o.Source, o.TerraformDir, o.CertificateName = m.DeployerImage, m.Source, m.Source.Directory("terraform"), "devsecops-alb"
		o.Table, o.Locking, o.Key = "devsecops-tflock", "dynamodb", "devsecops/terraform.tfstate"
		o.Vars = map[string]string{"image": r.DigestRef, "cosign_public_key": pub, "app_version": ver, "region": o.Region,
			"weather_api_key_parameter": "/devsecops/weather-api-key", "location_api_key_parameter": "/devsecops/location-api-key"}
		if cosignSha256 != "" {
			o.Vars["cosign_sha256"] = cosignSha256
		}
		res, err := stages.Deploy(ctx, dag, o)
		out := stages.StageOutput{Err: err, Note: "deployed " + r.DigestRef}
		if o.PlanOnly {
			out.Note = "planned only (--plan-only): " + r.DigestRef
		}
		if res != nil {
			out.Reports = dag.Directory().WithDirectory("deploy", res.Files)
		}
		return out
	}
	return st
}

// --- end deploy ---

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
