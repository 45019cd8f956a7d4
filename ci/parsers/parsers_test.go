package parsers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/findings"
)

func recorded(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func rules(fs []findings.Finding) []string {
	out := make([]string, 0, len(fs))
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestBanditRecorded(t *testing.T) {
	fs, err := Bandit(recorded(t, "bandit-findings.json"))
	require.NoError(t, err)
	assert.Subset(t, rules(fs), []string{"B404", "B602", "B201", "B104"}, "shell=True, debug=True and 0.0.0.0 must all be reported")
	for _, f := range fs {
		assert.Equal(t, "bandit", f.Tool)
		assert.Equal(t, "app/main.py", f.File)
		assert.Positive(t, f.Line)
		assert.Len(t, f.Fingerprint, 16)
	}
	var shell findings.Finding
	for _, f := range fs {
		if f.Rule == "B602" {
			shell = f
		}
	}
	assert.Equal(t, findings.High, shell.Severity)

	clean, err := Bandit(recorded(t, "bandit-clean.json"))
	require.NoError(t, err)
	assert.Empty(t, clean)
}

func TestBanditUnparseableFileIsAnError(t *testing.T) {
	_, err := Bandit(recorded(t, "bandit-syntax-error.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "app/bad.py")
	assert.Contains(t, err.Error(), "bandit")
}

func TestGitleaksRecorded(t *testing.T) {
	fs, err := Gitleaks(recorded(t, "gitleaks-git-history.json"))
	require.NoError(t, err)
	require.Len(t, fs, 2)
	assert.Equal(t, []string{"aws-access-token", "generic-api-key"}, rules(fs))
	assert.Contains(t, fs[0].Message, "git history")
	assert.Equal(t, findings.High, fs[0].Severity)
	assert.NotContains(t, fs[0].Message, "AKIA", "reports are redacted")

	clean, err := Gitleaks(recorded(t, "gitleaks-dir-clean.json"))
	require.NoError(t, err)
	assert.Empty(t, clean)
}

func TestSafetyRecorded(t *testing.T) {
	fs, err := Safety(recorded(t, "safety-vulnerable.json"), "app/requirements.txt")
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, "CVE-2024-22195", fs[0].Rule)
	assert.Equal(t, findings.High, fs[0].Severity, "unrated advisories count as high")
	assert.Contains(t, fs[0].Message, "jinja2 3.1.2")
	assert.Equal(t, "app/requirements.txt", fs[0].File)

	clean, err := Safety(recorded(t, "safety-clean.json"), "app/requirements.txt")
	require.NoError(t, err)
	assert.Empty(t, clean)
}

func TestPipAuditUnreachableAdvisoryServiceFailsLoudly(t *testing.T) {
	_, err := PipAudit(recorded(t, "pip-audit-unreachable.json"), "app/requirements.txt")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "could not audit")
	assert.Contains(t, err.Error(), "jinja2")
}

func TestPipAuditVulnerable(t *testing.T) {
	fs, err := PipAudit(recorded(t, "pip-audit-vulnerable.documented-shape.json"), "app/requirements.txt")
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, "GHSA-h5c8-rqwp-cp95", fs[0].Rule)
	assert.Contains(t, fs[0].Message, "fixed in 3.1.3")
}

func TestTrivyRecorded(t *testing.T) {
	files, _ := filepath.Glob("testdata/trivy-*.json")
	if len(files) == 0 {
		t.Fatal("no recorded trivy reports in testdata")
	}
	fs, err := Trivy(recorded(t, "trivy-config-findings.json"))
	require.NoError(t, err)
	var sshOpen bool
	for _, f := range fs {
		if f.File == "terraform/sg.tf" && f.Severity >= findings.High {
			sshOpen = true
		}
	}
	assert.True(t, sshOpen, "the security group open to the world must be a high finding: %v", fs)
}

func TestTrivyImageVulnerability(t *testing.T) {
	fs, err := Trivy(recorded(t, "trivy-image-vulnerable.json"))
	require.NoError(t, err)
	require.NotEmpty(t, fs)
	assert.Contains(t, rules(fs), "CVE-2099-0001")
}

// Every parser must refuse what is not its tool's report, naming the tool.
func TestMalformedReports(t *testing.T) {
	parsers := map[string]func([]byte) ([]findings.Finding, error){
		"bandit":    Bandit,
		"gitleaks":  Gitleaks,
		"trivy":     Trivy,
		"safety":    func(b []byte) ([]findings.Finding, error) { return Safety(b, "r.txt") },
		"pip-audit": func(b []byte) ([]findings.Finding, error) { return PipAudit(b, "r.txt") },
	}
	cases := map[string]string{
		"empty":         "",
		"whitespace":    "  \n",
		"not json":      "Traceback (most recent call last):",
		"truncated":     `{"results": [{"filename": "a.py"`,
		"wrong shape":   `{"something": "else"}`,
		"trailing data": `[] []`,
		"null":          `null`,
	}
	for tool, parse := range parsers {
		for name, input := range cases {
			t.Run(tool+"/"+name, func(t *testing.T) {
				fs, err := parse([]byte(input))
				require.Error(t, err, "got findings %v", fs)
				assert.Contains(t, err.Error(), tool)
				var te *findings.ToolError
				assert.ErrorAs(t, err, &te)
			})
		}
	}
}

func TestTruncatedRecordingsAreErrors(t *testing.T) {
	for _, name := range []string{"bandit-findings.json", "gitleaks-git-history.json", "safety-vulnerable.json"} {
		data := recorded(t, name)
		for _, cut := range []int{1, len(data) / 3, len(data) / 2, len(data) - 2} {
			_, err1 := Bandit(data[:cut])
			_, err2 := Gitleaks(data[:cut])
			_, err3 := Safety(data[:cut], "r.txt")
			assert.True(t, err1 != nil && err2 != nil && err3 != nil, "%s cut at %d parsed without error", name, cut)
		}
	}
}

func TestFingerprintIgnoresLineShift(t *testing.T) {
	data := recorded(t, "bandit-findings.json")
	var raw map[string]any
	require.NoError(t, json.Unmarshal(data, &raw))
	for _, r := range raw["results"].([]any) {
		res := r.(map[string]any)
		res["line_number"] = res["line_number"].(float64) + 10
	}
	shifted, _ := json.Marshal(raw)
	a, err := Bandit(data)
	require.NoError(t, err)
	b, err := Bandit(shifted)
	require.NoError(t, err)
	for i := range a {
		assert.Equal(t, a[i].Fingerprint, b[i].Fingerprint)
		assert.NotEqual(t, a[i].Line, b[i].Line)
	}
}
