package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/testenv"
)

// The image scan, end to end: Trivy pulls a vulnerability DB made by the
// test (trivy-db's own writer, see ci/trivydb) from an OCI registry reached
// through a Dagger service, and the gate fails or passes on what it holds.
func TestScanImage(t *testing.T) {
	bash := sbomChecks(t)

	installed := debVersion(bash)
	reg := startTrivyDBRegistry(t, map[string][]string{
		// Fixed in a later revision than the image has: must fail.
		"trivy-db-vuln:2": {"CVE-2099-0001:" + bash.srcName + ":" + installed + "+fix1:CRITICAL"},
		// Advisories, but none applies: fixed before the installed version,
		// or for a package the image does not have.
		"trivy-db-clean:2": {
			"CVE-2099-0002:" + bash.srcName + ":0.1-1:CRITICAL",
			"CVE-2099-0003:no-such-package-in-image:1.0-1:CRITICAL",
		},
		// No fix yet: ignored by default (ignore_unfixed), fails when the policy says so.
		"trivy-db-unfixed:2": {"CVE-2099-0004:" + bash.srcName + "::HIGH"},
	})
	scan := func(repo string, args ...string) []string {
		return append([]string{"scan-image",
			"--db-repository=" + reg.repo(repo), "--db-registry=tcp://localhost:" + reg.port, "--insecure-registry"}, args...)
	}

	t.Run("advisory in the DB fails the gate", func(t *testing.T) {
		t.Parallel()
		out := t.TempDir()
		res := testenv.DaggerCall(t, nil, append(scan("trivy-db-vuln:2", "--revision=e2e-1"), "report", "export", "--path="+out)...)
		require.NoError(t, res.Err, res.Output())
		doc := readFindings(t, out)
		assert.False(t, doc.Passed)
		assert.Empty(t, doc.ToolErrors)
		var found bool
		for _, f := range doc.Findings {
			if f.Tool == "trivy" && f.Rule == "CVE-2099-0001" {
				found = true
				assert.Equal(t, "critical", f.Severity)
				assert.Contains(t, f.Message, "bash "+bash.version)
				assert.Empty(t, f.Suppressed)
			}
		}
		assert.True(t, found, "CVE-2099-0001 must be in findings.json: %+v", doc.Findings)
		for _, file := range []string{"summary.md", "findings.sarif", "raw/trivy-image.json"} {
			b, err := os.ReadFile(filepath.Join(out, file))
			require.NoError(t, err)
			assert.Contains(t, string(b), "CVE-2099-0001", file)
		}
		assert.Equal(t, 1, reg.blobGets("trivy-db-vuln"), "the DB is pulled once from the registry:\n%s", reg.log())

		// Another image (new revision label) is scanned again, against the
		// DB in the cache volume: check fails and nothing is pulled again.
		res = testenv.DaggerCall(t, nil, append(scan("trivy-db-vuln:2", "--revision=e2e-2"), "check")...)
		require.Error(t, res.Err, "check must exit non-zero when the image has a fixable critical vulnerability")
		assert.Contains(t, res.Output(), "security gate failed")
		assert.Contains(t, res.Output(), "CVE-2099-0001")
		assert.Equal(t, 1, reg.blobGets("trivy-db-vuln"), "a second run must re-use the cached DB:\n%s", reg.log())
	})

	t.Run("no applicable advisory passes", func(t *testing.T) {
		t.Parallel()
		res := testenv.DaggerCall(t, nil, append(scan("trivy-db-clean:2"), "check")...)
		require.NoError(t, res.Err, res.Output())
		assert.Contains(t, res.Stdout, "scan-image: ✅ passed")
		assert.NotContains(t, res.Stdout, "CVE-2099-000")
		assert.Equal(t, 1, reg.blobGets("trivy-db-clean"), "the pass must come from the served DB:\n%s", reg.log())
	})

	t.Run("a DB that cannot be pulled is a tool error that says what to do", func(t *testing.T) {
		t.Parallel()
		res := testenv.DaggerCall(t, nil, append(scan("no-such-db:2"), "check")...)
		require.Error(t, res.Err, "no DB must never pass the gate")
		assert.Contains(t, res.Output(), "did not run cleanly")
		assert.Contains(t, res.Output(), "could not get its vulnerability DB")
		assert.Contains(t, res.Output(), "--skip-db-update")
	})

	t.Run("unfixed advisory follows image.ignore_unfixed", func(t *testing.T) {
		t.Parallel()
		res := testenv.DaggerCall(t, nil, append(scan("trivy-db-unfixed:2"), "check")...)
		require.NoError(t, res.Err, "unfixed vulnerabilities are ignored by default: %s", res.Output())
		assert.NotContains(t, res.Stdout, "CVE-2099-0004")

		policy := filepath.Join(t.TempDir(), "policy.yaml")
		require.NoError(t, os.WriteFile(policy, []byte("image:\n  ignore_unfixed: false\n"), 0o644))
		res = testenv.DaggerCall(t, nil, append(scan("trivy-db-unfixed:2", "--policy-file="+policy), "check")...)
		require.Error(t, res.Err, "with ignore_unfixed: false an unfixed HIGH fails")
		assert.Contains(t, res.Output(), "CVE-2099-0004")
	})
}

type debPackage struct{ version, srcName, srcVersion, srcRelease, srcEpoch string }

// sbomChecks exports the SBOM, checks it is CycloneDX listing Flask and the
// Debian packages, and returns bash, which the test DBs then target.
func sbomChecks(t *testing.T) debPackage {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sbom.cdx.json")
	res := testenv.DaggerCall(t, nil, "sbom", "export", "--path="+path)
	require.NoError(t, res.Err, res.Output())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var bom struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
		Metadata    struct {
			Component struct{ Name, Type string }
		}
		Components []struct {
			Type, Name, Version, Purl string
			Properties                []struct{ Name, Value string }
		}
	}
	require.NoError(t, json.Unmarshal(data, &bom), "the SBOM must be JSON")
	assert.Equal(t, "CycloneDX", bom.BOMFormat)
	assert.True(t, strings.HasPrefix(bom.SpecVersion, "1."), bom.SpecVersion)
	assert.Equal(t, "container", bom.Metadata.Component.Type)

	var flask, debs int
	var bash *debPackage
	for _, c := range bom.Components {
		switch {
		case strings.HasPrefix(c.Purl, "pkg:pypi/flask@"):
			flask++
		case strings.HasPrefix(c.Purl, "pkg:deb/debian/"):
			debs++
			if c.Name == "bash" {
				p := debPackage{version: c.Version}
				for _, prop := range c.Properties {
					switch prop.Name {
					case "aquasecurity:trivy:SrcName":
						p.srcName = prop.Value
					case "aquasecurity:trivy:SrcVersion":
						p.srcVersion = prop.Value
					case "aquasecurity:trivy:SrcRelease":
						p.srcRelease = prop.Value
					case "aquasecurity:trivy:SrcEpoch":
						p.srcEpoch = prop.Value
					}
				}
				bash = &p
			}
		}
	}
	assert.Equal(t, 1, flask, "Flask must be listed once as a PyPI package")
	assert.Greater(t, debs, 50, "the Debian packages of the base image must be listed")
	require.NotNil(t, bash, "bash must be in the SBOM")
	require.NotEmpty(t, bash.srcName)
	require.NotEmpty(t, bash.srcVersion)
	return *bash
}

// debVersion is the source package's full version, as Trivy compares it.
func debVersion(p debPackage) string {
	v := p.srcVersion
	if p.srcRelease != "" {
		v += "-" + p.srcRelease
	}
	if p.srcEpoch != "" && p.srcEpoch != "0" {
		v = p.srcEpoch + ":" + v
	}
	return v
}

type dbRegistry struct {
	port string
	mu   sync.Mutex
	logs []string
}

// The host name the registry service is bound as inside the Trivy container.
const dbRegistryHost = "trivydb"

func (r *dbRegistry) repo(name string) string { return dbRegistryHost + ":" + r.port + "/" + name }

func (r *dbRegistry) log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.logs, "\n")
}

// blobGets counts downloads of repo's blobs (the DB layer) since the start.
func (r *dbRegistry) blobGets(repo string) int {
	return strings.Count(r.log(), "request GET /v2/"+repo+"/blobs/")
}

// startTrivyDBRegistry builds one Trivy DB per repository with
// ci/trivydb/cmd/make-trivy-db and serves them from an OCI registry on a
// free local port; dagger call tunnels it in with --db-registry=tcp://...
func startTrivyDBRegistry(t *testing.T, repos map[string][]string) *dbRegistry {
	t.Helper()
	tool := filepath.Join(t.TempDir(), "make-trivy-db")
	build := exec.Command("go", "build", "-o", tool, "./cmd/make-trivy-db")
	build.Dir = filepath.Join(testenv.RepoRoot(t), "ci", "trivydb")
	build.Env = append(os.Environ(), "GOWORK=off")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "building make-trivy-db: %s", out)

	serve := []string{"-serve", "127.0.0.1:0"}
	for repo, advisories := range repos {
		dir := filepath.Join(t.TempDir(), "db")
		args := []string{"-out", dir}
		for _, a := range advisories {
			args = append(args, "-advisory", a)
		}
		out, err := exec.Command(tool, args...).CombinedOutput()
		require.NoError(t, err, "make-trivy-db %v: %s", args, out)
		serve = append(serve, "-repo", repo+"="+dir)
	}

	cmd := exec.Command(tool, serve...)
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = stdin.Close() // the server exits when stdin closes
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	})

	reg := &dbRegistry{}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			reg.mu.Lock()
			reg.logs = append(reg.logs, sc.Text())
			reg.mu.Unlock()
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	require.NoError(t, err, "make-trivy-db -serve did not start: %s", reg.log())
	addr := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	_, reg.port, _ = strings.Cut(addr, ":")
	require.NotEmpty(t, reg.port, "unexpected first line %q", line)
	// The pushes are logged too, but they never GET a blob.
	return reg
}
