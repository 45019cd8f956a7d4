package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/junit"
	"dagger/devsecops/ci/testenv"
)

type pipelineDoc struct {
	Passed      bool    `json:"passed"`
	WallSeconds float64 `json:"wall_seconds"`
	Stages      []struct {
		Name     string  `json:"name"`
		Status   string  `json:"status"`
		Duration float64 `json:"duration_seconds"`
		Reason   string  `json:"reason"`
	} `json:"stages"`
}

func (d pipelineDoc) stage(t *testing.T, name string) (status, reason string, seconds float64) {
	t.Helper()
	for _, s := range d.Stages {
		if s.Name == name {
			return s.Status, s.Reason, s.Duration
		}
	}
	t.Fatalf("stage %s missing from pipeline.json: %+v", name, d.Stages)
	return "", "", 0
}

// The whole pipeline on this repository, with offline advisory sources made
// by the test: a Safety DB and a Trivy DB served from a registry.
func TestPipeline(t *testing.T) {
	reg := startTrivyDBRegistry(t, map[string][]string{
		"trivy-db-clean:2": {"CVE-2099-0003:no-such-package-in-image:1.0-1:CRITICAL"},
	})
	offline := func(advisoryDB string, args ...string) []string {
		return append([]string{"pipeline", "--advisory-db=" + advisoryDB,
			"--trivy-db-repository=" + reg.repo("trivy-db-clean:2"),
			"--trivy-db-registry=tcp://localhost:" + reg.port, "--trivy-db-insecure"}, args...)
	}

	t.Run("every stage runs and passes; reports in one directory", func(t *testing.T) {
		t.Parallel()
		db := safetyDB(t, "no-such-package", "1.0", "CVE-2099-0100")
		out := filepath.Join(t.TempDir(), "reports")
		res := testenv.DaggerCall(t, nil, append(offline(db), "report", "export", "--path="+out)...)
		require.NoError(t, res.Err, res.Output())
		doc := readPipeline(t, out)
		md, _ := os.ReadFile(filepath.Join(out, "pipeline.md"))
		require.True(t, doc.Passed, "pipeline.md:\n%s", md)
		for _, name := range []string{"scan", "build", "scan-image", "sbom", "test"} {
			status, reason, secs := doc.stage(t, name)
			assert.Equal(t, "passed", status, "%s: %s", name, reason)
			assert.Greater(t, secs, 0.0, "%s must record its duration", name)
		}
		// Later (release) stages either pass or say why they were skipped.
		for _, s := range doc.Stages {
			if s.Status == "skipped" {
				assert.NotEmpty(t, s.Reason, "stage %s skipped without a reason", s.Name)
			} else {
				assert.Equal(t, "passed", s.Status, "%s: %s", s.Name, s.Reason)
			}
		}
		status, reason, _ := doc.stage(t, "deploy")
		assert.Equal(t, "skipped", status)
		assert.Contains(t, reason, "no AWS credentials")
		assert.Greater(t, doc.WallSeconds, 0.0)

		for _, f := range []string{"scan/summary.md", "scan/findings.json", "scan/findings.sarif",
			"image-scan/summary.md", "image-scan/findings.json", "sbom.cdx.json", "junit.xml", "pipeline.md"} {
			assert.FileExists(t, filepath.Join(out, f))
		}
		assert.Contains(t, string(md), "| test | passed |")
		assert.Contains(t, string(md), "- **deploy** skipped: ")

		var bom struct{ BOMFormat string }
		data, err := os.ReadFile(filepath.Join(out, "sbom.cdx.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(data, &bom))
		assert.Equal(t, "CycloneDX", bom.BOMFormat)
		junitDoc, err := os.ReadFile(filepath.Join(out, "junit.xml"))
		require.NoError(t, err)
		c, err := junit.Parse(junitDoc)
		require.NoError(t, err)
		assert.Empty(t, c.Failing)
		assert.Greater(t, c.Tests-c.Skipped, 15)

		res = testenv.DaggerCall(t, nil, append(offline(db), "check")...)
		require.NoError(t, res.Err, res.Output())
		assert.Contains(t, res.Stdout, "# Pipeline: PASSED")
	})

	t.Run("a failing gate fails the pipeline by name, reports still exported", func(t *testing.T) {
		t.Parallel()
		// An advisory for every Flask release: the dependency audit must fail.
		db := safetyDB(t, "flask", "99.0", "CVE-2099-0101")
		out := filepath.Join(t.TempDir(), "reports")
		res := testenv.DaggerCall(t, nil, append(offline(db), "report", "export", "--path="+out)...)
		require.NoError(t, res.Err, "the report must export even when a stage fails:\n%s", res.Output())
		doc := readPipeline(t, out)
		assert.False(t, doc.Passed)
		status, _, _ := doc.stage(t, "scan")
		assert.Equal(t, "failed", status)
		for _, name := range []string{"build", "scan-image", "sbom", "test"} {
			status, reason, _ := doc.stage(t, name)
			assert.Equal(t, "passed", status, "%s does not depend on scan: %s", name, reason)
		}
		status, reason, _ := doc.stage(t, "publish")
		assert.Equal(t, "skipped", status)
		assert.Contains(t, reason, "scan failed", "publish must not run after a failed gate")
		summary, err := os.ReadFile(filepath.Join(out, "scan", "summary.md"))
		require.NoError(t, err, "the failed gate's own report must be exported")
		assert.Contains(t, string(summary), "CVE-2099-0101")

		res = testenv.DaggerCall(t, nil, append(offline(db), "check")...)
		require.Error(t, res.Err, "check must fail:\n%s", res.Output())
		assert.Contains(t, res.Output(), "pipeline failed in stage(s) scan")
		assert.Contains(t, res.Output(), "stage scan failed: security gate failed")
	})
}

func readPipeline(t *testing.T, dir string) pipelineDoc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "pipeline.json"))
	require.NoError(t, err, "pipeline.json must be exported")
	var doc pipelineDoc
	require.NoError(t, json.Unmarshal(data, &doc), "%s", data)
	return doc
}
