package parsers

import (
	"strings"

	"dagger/devsecops/ci/findings"
)

const BanditTool = "bandit"

type banditReport struct {
	Results *[]struct {
		Filename   string `json:"filename"`
		LineNumber int    `json:"line_number"`
		TestID     string `json:"test_id"`
		TestName   string `json:"test_name"`
		Severity   string `json:"issue_severity"`
		Confidence string `json:"issue_confidence"`
		Text       string `json:"issue_text"`
		Code       string `json:"code"`
	} `json:"results"`
	Errors []struct {
		Filename string `json:"filename"`
		Reason   string `json:"reason"`
	} `json:"errors"`
}

// Bandit parses `bandit -f json`. Files Bandit could not parse come back as
// an error alongside the findings: a skipped file is unscanned code.
func Bandit(data []byte) ([]findings.Finding, error) {
	var r banditReport
	if err := decode(BanditTool, data, &r); err != nil {
		return nil, err
	}
	if r.Results == nil {
		return nil, missing(BanditTool, "results")
	}
	out := make([]findings.Finding, 0, len(*r.Results))
	for _, res := range *r.Results {
		if res.TestID == "" || res.Filename == "" {
			return nil, findings.Errorf(BanditTool, "result without test_id or filename")
		}
		sev, err := findings.ParseSeverity(res.Severity)
		if err != nil {
			return nil, findings.Errorf(BanditTool, "%s in %s: %v", res.TestID, res.Filename, err)
		}
		out = append(out, findings.Finding{
			Tool:        BanditTool,
			Rule:        res.TestID,
			Severity:    sev,
			File:        res.Filename,
			Line:        res.LineNumber,
			Message:     res.Text + " (" + res.TestName + ", confidence " + strings.ToLower(res.Confidence) + ")",
			Fingerprint: findings.Fingerprint(BanditTool, res.TestID, res.Filename, codeWithoutLineNumbers(res.Code)),
		})
	}
	if len(r.Errors) > 0 {
		var reasons []string
		for _, e := range r.Errors {
			reasons = append(reasons, e.Filename+": "+e.Reason)
		}
		return out, findings.Errorf(BanditTool, "could not scan %d file(s): %s", len(r.Errors), strings.Join(reasons, "; "))
	}
	return out, nil
}

// Bandit prefixes each code line with its number; drop them so the
// fingerprint does not move when lines above change.
func codeWithoutLineNumbers(code string) string {
	var b strings.Builder
	for _, line := range strings.Split(code, "\n") {
		line = strings.TrimLeft(line, "0123456789")
		b.WriteString(strings.TrimSpace(line))
		b.WriteByte('\n')
	}
	return b.String()
}
