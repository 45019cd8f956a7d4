package parsers

import (
	"dagger/devsecops/ci/findings"
)

const GitleaksTool = "gitleaks"

type gitleaksLeak struct {
	RuleID      string `json:"RuleID"`
	Description string `json:"Description"`
	StartLine   int    `json:"StartLine"`
	Match       string `json:"Match"`
	File        string `json:"File"`
	Commit      string `json:"Commit"`
}

// Gitleaks parses `gitleaks git|dir --report-format json`. Every leak is high
// severity: a committed secret must be rotated whatever its kind. Reports are
// expected to be made with --redact, so Match holds no secret.
func Gitleaks(data []byte) ([]findings.Finding, error) {
	var leaks *[]gitleaksLeak
	if err := decode(GitleaksTool, data, &leaks); err != nil {
		return nil, err
	}
	if leaks == nil {
		return nil, findings.Errorf(GitleaksTool, "report is null, expected a JSON array")
	}
	out := make([]findings.Finding, 0, len(*leaks))
	for _, l := range *leaks {
		if l.RuleID == "" || l.File == "" {
			return nil, findings.Errorf(GitleaksTool, "leak without RuleID or File")
		}
		msg := l.Description
		if l.Commit != "" {
			msg += " (in git history, commit " + shortCommit(l.Commit) + ": rotate the secret, deleting the file is not enough)"
		}
		out = append(out, findings.Finding{
			Tool:        GitleaksTool,
			Rule:        l.RuleID,
			Severity:    findings.High,
			File:        l.File,
			Line:        l.StartLine,
			Message:     msg,
			Fingerprint: findings.Fingerprint(GitleaksTool, l.RuleID, l.File, l.Commit+"\x00"+l.Match),
		})
	}
	return out, nil
}
