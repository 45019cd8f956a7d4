package policy

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/findings"
)

var now = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

func finding(tool, rule, file string, sev findings.Severity) findings.Finding {
	return findings.Finding{Tool: tool, Rule: rule, File: file, Severity: sev, Fingerprint: findings.Fingerprint(tool, rule, file, "")}
}

func TestDefaultFailsOnHighAndCritical(t *testing.T) {
	p, err := Parse(nil)
	require.NoError(t, err)
	for sev, wantPass := range map[findings.Severity]bool{
		findings.Low: true, findings.Medium: true, findings.High: false, findings.Critical: false,
	} {
		v := p.Evaluate([]findings.Finding{finding("bandit", "B1", "a.py", sev)}, []string{"bandit"}, nil, now)
		assert.Equal(t, wantPass, v.Passed, sev.String())
	}
}

func TestPerToolThreshold(t *testing.T) {
	p, err := Parse([]byte("fail_on:\n  default: critical\n  gitleaks: low\n"))
	require.NoError(t, err)
	v := p.Evaluate([]findings.Finding{finding("bandit", "B1", "a.py", findings.High)}, nil, nil, now)
	assert.True(t, v.Passed)
	v = p.Evaluate([]findings.Finding{finding("gitleaks", "aws", "a.txt", findings.Low)}, nil, nil, now)
	assert.False(t, v.Passed)
}

func TestAllowlistSuppressesUntilExpiry(t *testing.T) {
	f := finding("trivy", "AVD-AWS-0107", "terraform/sg.tf", findings.High)
	doc := "allowlist:\n  - rule: AVD-AWS-0107\n    path: terraform/*.tf\n    reason: bastion needs it\n    expires: 2026-12-31\n" +
		"  - fingerprint: " + f.Fingerprint + "\n    reason: old\n    expires: 2026-11-28\n"
	p, err := Parse([]byte(doc))
	require.NoError(t, err)
	v := p.Evaluate([]findings.Finding{f}, nil, nil, now)
	assert.True(t, v.Passed)
	assert.Contains(t, v.Findings[0].Suppressed, "bastion needs it")
	require.Len(t, v.Expired, 1, "the expired entry is reported")
	assert.Contains(t, v.Expired[0], "2026-11-28")

	later := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	v = p.Evaluate([]findings.Finding{f}, nil, nil, later)
	assert.False(t, v.Passed, "an expired entry stops suppressing")
	assert.Len(t, v.Expired, 2)
}

func TestEntryAppliesOnItsLastDay(t *testing.T) {
	f := finding("bandit", "B105", "app/x.py", findings.High)
	p, err := Parse([]byte("allowlist:\n  - rule: B105\n    path: app/x.py\n    reason: test fixture\n    expires: 2026-11-29\n"))
	require.NoError(t, err)
	assert.True(t, p.Evaluate([]findings.Finding{f}, nil, nil, now).Passed)
}

func TestToolErrorFailsTheGate(t *testing.T) {
	p, _ := Parse(nil)
	v := p.Evaluate(nil, []string{"bandit"}, []error{findings.Errorf("bandit", "crashed")}, now)
	assert.False(t, v.Passed)
	assert.Equal(t, []string{"bandit: crashed"}, v.ToolErrors)
}

func TestBadPolicies(t *testing.T) {
	cases := map[string]string{
		"no reason":         "allowlist:\n  - rule: B1\n    path: a\n    expires: 2027-01-01\n",
		"no expiry":         "allowlist:\n  - rule: B1\n    path: a\n    reason: r\n",
		"bad date":          "allowlist:\n  - rule: B1\n    path: a\n    reason: r\n    expires: soon\n",
		"rule without path": "allowlist:\n  - rule: B1\n    reason: r\n    expires: 2027-01-01\n",
		"both":              "allowlist:\n  - rule: B1\n    path: a\n    fingerprint: ab\n    reason: r\n    expires: 2027-01-01\n",
		"unknown key":       "fail_onn:\n  default: high\n",
		"bad severity":      "fail_on:\n  default: severe\n",
		"bad glob":          "allowlist:\n  - rule: B1\n    path: '['\n    reason: r\n    expires: 2027-01-01\n",
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(doc))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "policy")
		})
	}
}

func TestIgnoreUnfixedDefaultsToTrue(t *testing.T) {
	p, _ := Parse(nil)
	assert.True(t, p.IgnoreUnfixed())
	p, err := Parse([]byte("image:\n  ignore_unfixed: false\n"))
	require.NoError(t, err)
	assert.False(t, p.IgnoreUnfixed())
}
