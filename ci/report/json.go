// Package report renders a policy verdict as findings.json, findings.sarif
// and summary.md: one for machines, one for code scanning, one for people.
package report

import (
	"encoding/json"

	"dagger/devsecops/ci/findings"
	"dagger/devsecops/ci/policy"
)

// Counts are what a dashboard or a badge needs without reading every finding.
type Counts struct {
	Total      int            `json:"total"`
	Failing    int            `json:"failing"`
	Suppressed int            `json:"suppressed"`
	BySeverity map[string]int `json:"by_severity"`
	ByTool     map[string]int `json:"by_tool"`
}

type jsonReport struct {
	Passed     bool               `json:"passed"`
	Findings   []findings.Finding `json:"findings"`
	Counts     Counts             `json:"counts"`
	ToolErrors []string           `json:"tool_errors"`
	Expired    []string           `json:"expired_allowlist"`
	Tools      []string           `json:"tools"`
}

// CountsOf tallies a verdict.
func CountsOf(v policy.Verdict) Counts {
	c := Counts{BySeverity: map[string]int{}, ByTool: map[string]int{}}
	for _, t := range v.Tools {
		c.ByTool[t] = 0
	}
	for _, f := range v.Findings {
		c.Total++
		c.BySeverity[f.Severity.String()]++
		c.ByTool[f.Tool]++
		if f.Suppressed != "" {
			c.Suppressed++
		}
	}
	c.Failing = len(v.Failing)
	return c
}

// JSON renders findings.json.
func JSON(v policy.Verdict) ([]byte, error) {
	r := jsonReport{
		Passed: v.Passed, Findings: v.Findings, Counts: CountsOf(v),
		ToolErrors: nonNil(v.ToolErrors), Expired: nonNil(v.Expired), Tools: nonNil(v.Tools),
	}
	return json.MarshalIndent(r, "", "  ")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
