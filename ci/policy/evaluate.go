package policy

import (
	"fmt"
	"sort"
	"time"

	"dagger/devsecops/ci/findings"
)

// Verdict is the outcome of applying a policy to one scan.
type Verdict struct {
	Passed   bool
	Findings []findings.Finding // all of them, suppressed ones marked
	// Failing are the findings that make the gate fail.
	Failing []findings.Finding
	// Expired are allowlist entries past their date; they no longer suppress.
	Expired []string
	// ToolErrors are tools that crashed or whose report could not be read.
	ToolErrors []string
	// Tools are the tools that ran, for the report's runs even when clean.
	Tools []string
}

// Evaluate applies p to the findings as of now. toolErrors fail the gate
// whatever the findings say.
func (p *Policy) Evaluate(all []findings.Finding, tools []string, toolErrors []error, now time.Time) Verdict {
	v := Verdict{Tools: append([]string(nil), tools...)}
	today := now.UTC().Truncate(24 * time.Hour)
	for _, e := range p.Allowlist {
		if e.expiry.Before(today) {
			v.Expired = append(v.Expired, fmt.Sprintf("%s expired on %s (reason was: %s)", e.describe(), e.Expires, e.Reason))
		}
	}
	for _, f := range all {
		for i := range p.Allowlist {
			e := &p.Allowlist[i]
			if e.matches(f) && !e.expiry.Before(today) {
				f.Suppressed = fmt.Sprintf("allowlisted until %s: %s", e.Expires, e.Reason)
				break
			}
		}
		if f.Suppressed == "" && f.Severity >= p.Threshold(f.Tool) {
			v.Failing = append(v.Failing, f)
		}
		v.Findings = append(v.Findings, f)
	}
	for _, err := range toolErrors {
		v.ToolErrors = append(v.ToolErrors, err.Error())
	}
	sortFindings(v.Findings)
	sortFindings(v.Failing)
	sort.Strings(v.Tools)
	v.Passed = len(v.Failing) == 0 && len(v.ToolErrors) == 0
	if v.Findings == nil {
		v.Findings = []findings.Finding{}
	}
	return v
}

// Most severe first, then by place, so reports read top-down and diff cleanly.
func sortFindings(fs []findings.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Tool != b.Tool {
			return a.Tool < b.Tool
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Fingerprint < b.Fingerprint
	})
}
