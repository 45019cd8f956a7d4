package report

import (
	"fmt"
	"strings"

	"dagger/devsecops/ci/policy"
)

// maxRows keeps a GitHub job summary readable; findings.json has them all.
const maxRows = 50

// Summary renders summary.md, titled with the stage that produced it.
func Summary(title string, v policy.Verdict) string {
	var b strings.Builder
	status := "✅ passed"
	if !v.Passed {
		status = "❌ failed"
	}
	c := CountsOf(v)
	fmt.Fprintf(&b, "## %s: %s\n\n", title, status)
	fmt.Fprintf(&b, "%d finding(s), %d failing the policy, %d allowlisted. Tools: %s.\n\n",
		c.Total, c.Failing, c.Suppressed, strings.Join(v.Tools, ", "))
	if len(v.ToolErrors) > 0 {
		b.WriteString("### Tools that did not run cleanly (the gate fails on these)\n\n")
		for _, e := range v.ToolErrors {
			fmt.Fprintf(&b, "- %s\n", oneLine(e))
		}
		b.WriteString("\n")
	}
	if len(v.Expired) > 0 {
		b.WriteString("### Expired allowlist entries (no longer suppressing)\n\n")
		for _, e := range v.Expired {
			fmt.Fprintf(&b, "- %s\n", oneLine(e))
		}
		b.WriteString("\n")
	}
	if len(v.Findings) == 0 {
		return b.String()
	}
	b.WriteString("| severity | tool | rule | location | message | status |\n|---|---|---|---|---|---|\n")
	for i, f := range v.Findings {
		if i == maxRows {
			fmt.Fprintf(&b, "\n%d more in findings.json.\n", len(v.Findings)-maxRows)
			break
		}
		loc := f.File
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		st := "fails"
		switch {
		case f.Suppressed != "":
			st = "allowlisted"
		case !failing(v, f.Fingerprint):
			st = "below threshold"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | `%s` | %s | %s |\n", f.Severity, f.Tool, cell(f.Rule), cell(loc), cell(f.Message), st)
	}
	return b.String()
}

func failing(v policy.Verdict, fingerprint string) bool {
	for _, f := range v.Failing {
		if f.Fingerprint == fingerprint {
			return true
		}
	}
	return false
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cell keeps a table row intact whatever a tool put in its message.
func cell(s string) string {
	s = oneLine(s)
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "`", "'")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}
