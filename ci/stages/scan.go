// Package stages assembles the pipeline's stages from the scanner, policy
// and report packages; main.go only maps Dagger arguments onto them.
package stages

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"dagger/devsecops/ci/findings"
	"dagger/devsecops/ci/policy"
	"dagger/devsecops/ci/report"
	"dagger/devsecops/ci/scanners"
	"dagger/devsecops/internal/dagger"
)

// Gate is a finished, judged scan.
type Gate struct {
	Verdict policy.Verdict
	Summary string
	// Reports holds findings.json, findings.sarif, summary.md and raw/.
	Reports *dagger.Directory
}

// LoadPolicy reads the policy file, or the defaults when there is none.
func LoadPolicy(ctx context.Context, file *dagger.File) (*policy.Policy, error) {
	if file == nil {
		return policy.Parse(nil)
	}
	text, err := file.Contents(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the policy file: %w", err)
	}
	return policy.Parse([]byte(text))
}

// Judge runs the scanners, applies the policy and renders the reports.
func Judge(ctx context.Context, dag *dagger.Client, title string, p *policy.Policy, list []scanners.Scanner) (*Gate, error) {
	results := scanners.RunAll(ctx, list)
	var all []findings.Finding
	var tools []string
	var errs []error
	raw := dag.Directory()
	timings := map[string]float64{}
	for _, r := range results {
		timings[r.Tool] += r.Duration.Seconds()
		tools = append(tools, r.Tool)
		all = append(all, r.Findings...)
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
		for name, content := range r.Raw {
			raw = raw.WithNewFile(name, content)
		}
	}
	v := p.Evaluate(all, dedupeStrings(tools), errs, time.Now())
	summary := report.Summary(title, v)
	jsonDoc, err := report.JSON(v)
	if err != nil {
		return nil, err
	}
	// Seconds per tool, for scripts/bench-scan and slow-stage hunting.
	timingsJSON, err := json.MarshalIndent(timings, "", "  ")
	if err != nil {
		return nil, err
	}
	sarifDoc, err := report.SARIF(v)
	if err != nil {
		return nil, err
	}
	dir := dag.Directory().
		WithNewFile("findings.json", string(jsonDoc)).
		WithNewFile("findings.sarif", string(sarifDoc)).
		WithNewFile("summary.md", summary).
		WithNewFile("timings.json", string(timingsJSON)).
		WithDirectory("raw", raw)
	return &Gate{Verdict: v, Summary: summary, Reports: dir}, nil
}

// Err is nil when the gate passed, else an error that carries the summary,
// so `dagger call ... check` prints what failed.
func (g *Gate) Err() error {
	if g.Verdict.Passed {
		return nil
	}
	var why []string
	if n := len(g.Verdict.Failing); n > 0 {
		why = append(why, fmt.Sprintf("%d finding(s) at or above the policy threshold", n))
	}
	if n := len(g.Verdict.ToolErrors); n > 0 {
		why = append(why, fmt.Sprintf("%d tool(s) did not run cleanly", n))
	}
	return fmt.Errorf("security gate failed: %s\n\n%s", strings.Join(why, " and "), g.Summary)
}

func dedupeStrings(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
