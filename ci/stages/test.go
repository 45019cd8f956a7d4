package stages

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"dagger/devsecops/ci/junit"
	"dagger/devsecops/internal/dagger"
)

// TestOptions are the inputs of the integration test stage.
type TestOptions struct {
	App    *dagger.Container // the built app image
	Source *dagger.Directory // the repository (app/tests, requirements)
	// PythonImage runs the stub upstream (stdlib only).
	PythonImage string
	// RunnerImage runs the suite; RunnerHasBrowser says it already has
	// chromium and chromium-driver, else they are installed with apt-get.
	RunnerImage      string
	RunnerHasBrowser bool
	Wheelhouse       *dagger.Directory // optional: offline pip installs
	// UpstreamMode is the stub's STUB_MODE: "ok" (suite expects a working
	// upstream) or "error" (every upstream call fails; the suite checks the
	// outage page with EXPECT_UPSTREAM=down).
	UpstreamMode string
	// Keys for the live smoke test against the real providers; both optional.
	WeatherKey, LocationKey *dagger.Secret
}

// TestResult is a finished test run. JUnit is set whenever pytest wrote a
// report, including when tests failed.
type TestResult struct {
	JUnit  *dagger.File
	Counts junit.Counts
	// Live says whether the live smoke test ran, and if not, why.
	Live string
	// Err is set when a test failed or the suite could not run; it names the
	// failing tests.
	Err error
}

const (
	stubPort = 8081
	appPort  = 8080
	// appHost is the app service's host name. Not "app": that is a top-level
	// domain on Chromium's HSTS preload list, so the browser would only ever
	// try https://app:8080 and fail with ERR_SSL_PROTOCOL_ERROR.
	appHost = "weather-app"
	venv    = "/opt/venv"
)

// Test runs the app image as a service against the stub upstream (another
// service) and the integration suite, HTTP and headless Chromium, from a
// separate container; then the live smoke test when keys are given.
func Test(ctx context.Context, dag *dagger.Client, o TestOptions) (*TestResult, error) {
	expect, err := expectUpstream(o.UpstreamMode)
	if err != nil {
		return nil, err
	}
	// Fresh per run: a new secret key, and a nonce that keeps the engine from
	// answering a test run from its cache.
	nonce, err := randomHex(8)
	if err != nil {
		return nil, err
	}
	key, err := randomHex(32)
	if err != nil {
		return nil, err
	}
	secretKey := dag.SetSecret("app-secret-key-"+nonce, key)

	stub := dag.Container().From(o.PythonImage).
		WithFile("/stub/stub_upstream.py", o.Source.File("app/tests/stub_upstream.py")).
		WithEnvVariable("STUB_MODE", o.UpstreamMode).
		WithEnvVariable("RUN_ID", nonce).
		WithExposedPort(stubPort).
		AsService(dagger.ContainerAsServiceOpts{Args: []string{
			"python3", "/stub/stub_upstream.py", "--host", "0.0.0.0", "--port", fmt.Sprint(stubPort),
		}})

	stubURL := fmt.Sprintf("http://stub:%d", stubPort)
	app := o.App.
		WithServiceBinding("stub", stub).
		WithSecretVariable("SECRET_KEY", secretKey).
		WithEnvVariable("UPSTREAM_TIMEOUT", "3")
	for _, v := range []string{"OPEN_METEO_URL", "OPEN_METEO_GEOCODING_URL", "IPGEO_URL", "VISUALCROSSING_URL", "ABSTRACT_URL"} {
		app = app.WithEnvVariable(v, stubURL)
	}
	// The image's own CMD (python3 -m weather) runs, as in production.
	appSvc := app.WithExposedPort(appPort).AsService(dagger.ContainerAsServiceOpts{UseEntrypoint: true})

	runner := TestRunner(dag, o.Source, o.RunnerImage, o.RunnerHasBrowser, o.Wheelhouse).
		WithEnvVariable("RUN_ID", nonce)

	suite := runner.
		WithServiceBinding(appHost, appSvc).
		WithEnvVariable("APP_BASE_URL", fmt.Sprintf("http://%s:%d", appHost, appPort)).
		WithEnvVariable("EXPECT_UPSTREAM", expect).
		WithEnvVariable("APP_WAIT_SECONDS", "60").
		WithExec([]string{venv + "/bin/python", "-m", "pytest", "tests/integration",
			"-p", "no:cacheprovider", "--tb=short", "-o", "junit_suite_name=integration",
			"--junitxml=/out/integration.xml"},
			dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	res := &TestResult{}
	var integration []byte
	var integrationErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		integration, integrationErr = pytestOutcome(ctx, suite, "integration suite", "/out/integration.xml")
	}()

	// The live tests skip themselves without keys; running them anyway puts
	// the skip and its reason into the report.
	live := runner
	var keys []string
	if o.WeatherKey != nil {
		live = live.WithSecretVariable("WEATHER_API_KEY", o.WeatherKey)
		keys = append(keys, "weather")
	}
	if o.LocationKey != nil {
		live = live.WithSecretVariable("LOCATION_API_KEY", o.LocationKey)
		keys = append(keys, "location")
	}
	if len(keys) == 0 {
		res.Live = "live smoke test against the real providers: skipped (no --weather-api-key / --location-api-key secrets given)"
	} else {
		res.Live = "live smoke test against the real providers: ran with the " + strings.Join(keys, " and ") + " key"
	}
	live = live.WithExec([]string{venv + "/bin/python", "-m", "pytest", "tests/live",
		"-p", "no:cacheprovider", "--tb=short", "-o", "junit_suite_name=live", "--junitxml=/out/live.xml"},
		dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	liveDoc, liveErr := pytestOutcome(ctx, live, "live smoke test", "/out/live.xml")
	<-done

	var docs [][]byte
	for _, d := range [][]byte{integration, liveDoc} {
		if d != nil {
			docs = append(docs, d)
		}
	}
	if len(docs) > 0 {
		merged, err := junit.Merge(docs...)
		if err != nil {
			return nil, err
		}
		res.Counts, _ = junit.Parse(merged)
		res.JUnit = dag.Directory().WithNewFile("junit.xml", string(merged)).File("junit.xml")
	}
	res.Err = errors.Join(integrationErr, liveErr)
	return res, nil
}

// TestRunner is the container the suites run in: python, a venv with the
// app's runtime and test requirements, chromium and chromedriver, and app/
// as the working directory.
func TestRunner(dag *dagger.Client, src *dagger.Directory, image string, hasBrowser bool, wheelhouse *dagger.Directory) *dagger.Container {
	ctr := dag.Container().From(image).WithUser("root")
	if !hasBrowser {
		ctr = ctr.WithMountedCache("/var/cache/apt/archives", dag.CacheVolume("devsecops-apt-archives")).
			WithExec([]string{"sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver"})
	}
	// Requirements first, sources later: a code change keeps the venv layer.
	reqs := dag.Directory().
		WithFile("requirements.txt", src.File("app/requirements.txt")).
		WithFile("requirements-dev.txt", src.File("app/requirements-dev.txt"))
	install := []string{venv + "/bin/pip", "install", "--disable-pip-version-check", "-q",
		"-r", "/reqs/requirements.txt", "-r", "/reqs/requirements-dev.txt"}
	ctr = ctr.
		WithMountedCache("/root/.cache/pip", dag.CacheVolume("devsecops-pip")).
		WithMountedDirectory("/reqs", reqs).
		WithExec([]string{"python3", "-m", "venv", venv})
	if wheelhouse != nil {
		ctr = ctr.WithMountedDirectory("/wheels", wheelhouse).
			WithExec(append(install, "--no-index", "--find-links=/wheels")).
			WithoutMount("/wheels")
	} else {
		ctr = ctr.WithExec(install)
	}
	return ctr.WithoutMount("/reqs").
		WithDirectory("/src/app", src.Directory("app"), dagger.ContainerWithDirectoryOpts{Exclude: []string{"wheels/", "data/"}}).
		WithWorkdir("/src/app").
		WithEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
}

// pytestOutcome runs the pytest exec and reads its JUnit report. The error
// names the failing tests, or explains why pytest did not report at all.
func pytestOutcome(ctx context.Context, ran *dagger.Container, what, reportPath string) ([]byte, error) {
	code, err := ran.ExitCode(ctx)
	if err != nil {
		var execErr *dagger.ExecError
		if errors.As(err, &execErr) {
			return nil, fmt.Errorf("%s: setting up the test container failed (%s exited %d): %s",
				what, strings.Join(execErr.Cmd, " "), execErr.ExitCode, tail(execErr.Stdout+"\n"+execErr.Stderr, 1500))
		}
		return nil, fmt.Errorf("%s: could not run: %w", what, err)
	}
	stdout, _ := ran.Stdout(ctx)
	stderr, _ := ran.Stderr(ctx)
	output := stdout + "\n" + stderr
	doc, readErr := ran.File(reportPath).Contents(ctx)
	if readErr != nil {
		return nil, fmt.Errorf("%s: pytest exited %d and wrote no JUnit report; its output ends:\n%s", what, code, tail(output, 3000))
	}
	counts, err := junit.Parse([]byte(doc))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	switch {
	case code == 0:
		return []byte(doc), nil
	case len(counts.Failing) > 0:
		return []byte(doc), fmt.Errorf("%s: %d of %d test(s) failed:\n  - %s\n\npytest output ends:\n%s",
			what, len(counts.Failing), counts.Tests, strings.Join(counts.Failing, "\n  - "), tail(output, 3000))
	default:
		return []byte(doc), fmt.Errorf("%s: pytest exited %d (no test failed: collection or usage error); its output ends:\n%s",
			what, code, tail(output, 3000))
	}
}

func expectUpstream(mode string) (string, error) {
	switch mode {
	case "ok":
		return "ok", nil
	case "error":
		return "down", nil
	}
	return "", fmt.Errorf("upstream mode %q is not supported: use ok (stub answers) or error (stub fails every call, the suite checks the outage page)", mode)
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("reading random bytes: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}
