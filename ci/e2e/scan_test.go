package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/testenv"
)

type findingsDoc struct {
	Passed   bool `json:"passed"`
	Findings []struct {
		Tool, Rule, Severity, File, Message string
		Suppressed                          string
	} `json:"findings"`
	ToolErrors []string `json:"tool_errors"`
}

func readFindings(t *testing.T, reportDir string) findingsDoc {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(reportDir, "findings.json"))
	require.NoError(t, err)
	var doc findingsDoc
	require.NoError(t, json.Unmarshal(b, &doc))
	return doc
}

func TestScanFailsOnEveryPlantedProblem(t *testing.T) {
	t.Parallel()
	project := vulnerableProject(t)
	db := safetyDB(t, "jinja2", "3.1.3", "CVE-2024-22195")
	out := t.TempDir()

	export := testenv.DaggerCall(t, []string{"--source=" + project},
		"scan", "--advisory-db="+db, "report", "export", "--path="+out)
	require.NoError(t, export.Err, export.Output())
	doc := readFindings(t, out)
	assert.False(t, doc.Passed)
	assert.Empty(t, doc.ToolErrors, "every tool must have run")

	has := func(tool, rulePrefix, file string) bool {
		for _, f := range doc.Findings {
			if f.Tool == tool && strings.HasPrefix(f.Rule, rulePrefix) && f.File == file {
				return true
			}
		}
		return false
	}
	assert.True(t, has("bandit", "B602", "app/main.py"), "shell=True")
	assert.True(t, has("bandit", "B201", "app/main.py"), "debug=True")
	assert.True(t, has("gitleaks", "aws-access-token", "app/settings.py"), "key deleted but still in history")
	assert.True(t, has("safety", "CVE-2024-22195", "app/requirements.txt"), "vulnerable pinned dependency")
	var sshOpen bool
	for _, f := range doc.Findings {
		sshOpen = sshOpen || (f.Tool == "trivy" && f.File == "terraform/sg.tf" && (f.Severity == "high" || f.Severity == "critical"))
	}
	assert.True(t, sshOpen, "security group open to 0.0.0.0/0 on 22: %+v", doc.Findings)

	sarif, err := os.ReadFile(filepath.Join(out, "findings.sarif"))
	require.NoError(t, err)
	assert.Contains(t, string(sarif), `"version": "2.1.0"`)
	summary, err := os.ReadFile(filepath.Join(out, "summary.md"))
	require.NoError(t, err)
	assert.Contains(t, string(summary), "failed")

	check := testenv.DaggerCall(t, []string{"--source=" + project}, "scan", "--advisory-db="+db, "check")
	require.Error(t, check.Err, "check must exit non-zero when the policy fails")
	assert.Contains(t, check.Output(), "security gate failed")
	assert.Contains(t, check.Output(), "B602")

	for _, file := range []string{"findings.json", "findings.sarif", "summary.md", "raw/gitleaks-git.json"} {
		b, err := os.ReadFile(filepath.Join(out, file))
		require.NoError(t, err)
		assert.NotContains(t, string(b), fakeSecretKey, "%s must not hold the leaked secret (gitleaks runs with --redact)", file)
	}
}

func TestScanPassesOnThisRepository(t *testing.T) {
	t.Parallel()
	// An advisory DB with nothing that matches the app's pins: the audit runs
	// offline and finds nothing, as a fresh mirror would for a clean app.
	db := safetyDB(t, "a-package-the-app-does-not-use", "1.0.0", "CVE-2000-0001")
	res := testenv.DaggerCall(t, nil, "scan", "--advisory-db="+db, "check")
	require.NoError(t, res.Err, res.Output())
	assert.Contains(t, res.Stdout, "scan: ✅ passed")
}

// Not parallel: t.Setenv is how the key reaches dagger as env:NAME.
func TestScanWithoutAdvisorySourceFailsLoudly(t *testing.T) {
	// Containers here have no network: pip-audit cannot reach PyPI, and the
	// gate must say so rather than pass. The Safety key given is used for the
	// online DB, which is equally unreachable, and must never be printed.
	const key = "sk-test-9f8e7d6c5b4a3928170615"
	t.Setenv("SAFETY_API_KEY_UNDER_TEST", key)
	out := t.TempDir()
	res := testenv.DaggerCall(t, nil, "scan", "--safety-api-key=env:SAFETY_API_KEY_UNDER_TEST", "report", "export", "--path="+out)
	require.NoError(t, res.Err, res.Output())
	doc := readFindings(t, out)
	assert.False(t, doc.Passed)
	require.NotEmpty(t, doc.ToolErrors)
	assert.Contains(t, strings.Join(doc.ToolErrors, "\n"), "safety")

	assert.NotContains(t, res.Output(), key, "the Safety key leaked into the dagger output")
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if !d.IsDir() {
			b, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.NotContains(t, string(b), key, "the Safety key leaked into %s", path)
		}
		return nil
	})

	noKey := testenv.DaggerCall(t, nil, "scan", "check")
	require.Error(t, noKey.Err)
	assert.Contains(t, noKey.Output(), "pip-audit")
}
