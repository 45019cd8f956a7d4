package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/findings"
	"dagger/devsecops/ci/policy"
)

func verdict(t *testing.T) policy.Verdict {
	t.Helper()
	fs := []findings.Finding{
		{Tool: "bandit", Rule: "B602", Severity: findings.High, File: "app/main.py", Line: 9, Message: "shell | pipe `tick`", Fingerprint: "aaaaaaaaaaaaaaaa"},
		{Tool: "trivy", Rule: "AVD-AWS-0107", Severity: findings.Critical, File: "terraform/sg.tf", Line: 3, Message: "open", Fingerprint: "bbbbbbbbbbbbbbbb"},
		{Tool: "bandit", Rule: "B404", Severity: findings.Low, File: "app/main.py", Line: 1, Message: "import", Fingerprint: "cccccccccccccccc"},
	}
	p, err := policy.Parse([]byte("allowlist:\n  - fingerprint: bbbbbbbbbbbbbbbb\n    reason: demo\n    expires: 2099-01-01\n"))
	require.NoError(t, err)
	return p.Evaluate(fs, []string{"bandit", "trivy", "gitleaks"}, []error{findings.Errorf("safety", "no advisory source")}, time.Now())
}

func TestJSONShape(t *testing.T) {
	b, err := JSON(verdict(t))
	require.NoError(t, err)
	var doc struct {
		Passed   bool             `json:"passed"`
		Findings []map[string]any `json:"findings"`
		Counts   Counts           `json:"counts"`
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	assert.False(t, doc.Passed)
	require.Len(t, doc.Findings, 3)
	for _, key := range []string{"tool", "rule", "severity", "file", "line", "message", "fingerprint"} {
		assert.Contains(t, doc.Findings[0], key)
	}
	assert.Equal(t, "critical", doc.Findings[0]["severity"], "most severe first")
	assert.Equal(t, 3, doc.Counts.Total)
	assert.Equal(t, 1, doc.Counts.Failing)
	assert.Equal(t, 1, doc.Counts.Suppressed)
	assert.Equal(t, 0, doc.Counts.ByTool["gitleaks"], "a clean tool is still listed")
}

func TestSARIFIsValid(t *testing.T) {
	b, err := SARIF(verdict(t))
	require.NoError(t, err)

	schemaDoc, err := os.Open("testdata/sarif-schema-2.1.0.json")
	require.NoError(t, err)
	defer schemaDoc.Close()
	schemaJSON, err := jsonschema.UnmarshalJSON(schemaDoc)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("sarif.json", schemaJSON))
	schema, err := c.Compile("sarif.json")
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	require.NoError(t, err)
	require.NoError(t, schema.Validate(inst))

	var doc struct {
		Runs []struct {
			Tool    struct{ Driver struct{ Name string } }
			Results []struct {
				RuleID       string
				Level        string
				Suppressions []any
			}
		}
	}
	require.NoError(t, json.Unmarshal(b, &doc))
	var names []string
	for _, r := range doc.Runs {
		names = append(names, r.Tool.Driver.Name)
	}
	assert.Equal(t, []string{"bandit", "gitleaks", "trivy"}, names, "one run per tool, clean ones included")
	assert.Len(t, doc.Runs[0].Results, 2)
	assert.Equal(t, "error", doc.Runs[0].Results[0].Level)
	assert.Len(t, doc.Runs[2].Results[0].Suppressions, 1, "allowlisted finding carries a suppression")
}

func TestSummaryTable(t *testing.T) {
	s := Summary("scan", verdict(t))
	assert.Contains(t, s, "## scan: ❌ failed")
	assert.Contains(t, s, "safety: no advisory source")
	assert.Contains(t, s, "| high | bandit | B602 | `app/main.py:9` |")
	assert.Contains(t, s, "allowlisted")
	assert.Contains(t, s, "below threshold")
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "| high | bandit") {
			assert.Equal(t, 7, strings.Count(line, " | ")+2, "a pipe in a message must not split the row: %s", line)
		}
	}
}
