// Package pipeline runs named stages as a DAG: each stage starts once the
// stages it needs have passed, independent ones run concurrently, and every
// stage ends up in a table with its status, duration and reason. R is what a
// stage hands back for the report (a *dagger.Directory in the module); the
// package itself does not use Dagger, so it is unit-tested on the host.
package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Stage is one named step of the pipeline. Stages run as soon as every stage
// they need has passed, so independent stages run concurrently. Adding a
// stage is one more entry in the list given to RunStages.
type Stage[R any] struct {
	Name  string
	Needs []string
	// Skip, when set, lists the stage as skipped with this reason, unrun
	// (a stage that needs credentials nobody gave, or is not built yet).
	Skip string
	// Advisory stages are reported, but their failure does not fail the
	// pipeline (nor skip the stages that need them).
	Advisory bool
	Run      func(ctx context.Context) Output[R]
}

// Output is what a stage hands back.
type Output[R any] struct {
	// Reports for the pipeline's report; kept when the stage fails: a failed
	// gate's report is the one people need.
	Reports R
	// Note is one line for the stage table (counts, what was skipped inside).
	Note string
	Err  error
}

// Status is a stage's outcome.
type Status string

const (
	Passed  Status = "passed"
	Failed  Status = "failed"
	Skipped Status = "skipped"
)

// StageResult is one finished (or skipped) stage.
type StageResult[R any] struct {
	Name     string
	Status   Status
	Advisory bool
	// Reason: why it was skipped, or the first line of why it failed.
	Reason   string
	Note     string
	Duration time.Duration
	Err      error
	Reports  R
}

// Result is the outcome of all stages, in the order given.
type Result[R any] struct {
	Stages []StageResult[R]
	Wall   time.Duration
}

// Run runs the stages as a DAG and waits for all of them. A stage whose
// need failed or was skipped is skipped, naming that need. The error is only
// for a malformed graph; stage failures are in the results.
func Run[R any](ctx context.Context, list []Stage[R]) (*Result[R], error) {
	if err := validate(list); err != nil {
		return nil, err
	}
	start := time.Now()
	results := make([]StageResult[R], len(list))
	done := make(map[string]chan struct{}, len(list))
	index := make(map[string]int, len(list))
	for i, s := range list {
		done[s.Name] = make(chan struct{})
		index[s.Name] = i
	}
	var wg sync.WaitGroup
	for i, s := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[s.Name])
			var blocked []string
			for _, need := range s.Needs {
				<-done[need]
				// Closing done[need] happened after results[...] was written.
				r := results[index[need]]
				if r.Status != Passed && !(r.Status == Failed && r.Advisory) {
					blocked = append(blocked, fmt.Sprintf("%s %s", need, r.Status))
				}
			}
			res := StageResult[R]{Name: s.Name, Advisory: s.Advisory}
			switch {
			case len(blocked) > 0:
				res.Status, res.Reason = Skipped, "needs "+strings.Join(blocked, ", ")
			case s.Skip != "":
				res.Status, res.Reason = Skipped, s.Skip
			default:
				t0 := time.Now()
				out := runOne(ctx, s)
				res.Duration = time.Since(t0)
				res.Reports, res.Note, res.Err = out.Reports, out.Note, out.Err
				res.Status = Passed
				if out.Err != nil {
					res.Status, res.Reason = Failed, firstLine(out.Err.Error())
				}
			}
			results[i] = res
		}()
	}
	wg.Wait()
	return &Result[R]{Stages: results, Wall: time.Since(start)}, nil
}

// runOne turns a panicking stage into a failed one, so the others still report.
func runOne[R any](ctx context.Context, s Stage[R]) (out Output[R]) {
	defer func() {
		if p := recover(); p != nil {
			out = Output[R]{Err: fmt.Errorf("stage %s panicked: %v", s.Name, p)}
		}
	}()
	if s.Run == nil {
		return Output[R]{Err: fmt.Errorf("stage %s has nothing to run", s.Name)}
	}
	return s.Run(ctx)
}

func validate[R any](list []Stage[R]) error {
	names := map[string]int{}
	for i, s := range list {
		if s.Name == "" {
			return fmt.Errorf("pipeline: stage %d has no name", i+1)
		}
		if _, dup := names[s.Name]; dup {
			return fmt.Errorf("pipeline: two stages are named %q", s.Name)
		}
		names[s.Name] = i
	}
	for _, s := range list {
		for _, n := range s.Needs {
			if _, ok := names[n]; !ok {
				return fmt.Errorf("pipeline: stage %q needs %q, which is not a stage", s.Name, n)
			}
		}
	}
	// Depth-first search for a cycle, which would deadlock the runner.
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(string, []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("pipeline: stages depend on each other in a cycle: %s", strings.Join(append(path, n), " -> "))
		case 2:
			return nil
		}
		state[n] = 1
		for _, need := range list[names[n]].Needs {
			if err := visit(need, append(path, n)); err != nil {
				return err
			}
		}
		state[n] = 2
		return nil
	}
	for _, s := range list {
		if err := visit(s.Name, nil); err != nil {
			return err
		}
	}
	return nil
}

// Passed is true when no gating stage failed. Skipped stages do not fail the
// pipeline: the table says why each one was skipped.
func (p *Result[R]) Passed() bool {
	for _, s := range p.Stages {
		if s.Status == Failed && !s.Advisory {
			return false
		}
	}
	return true
}

// Err names every failed gating stage with its full error, or is nil.
func (p *Result[R]) Err() error {
	var errs []error
	for _, s := range p.Stages {
		if s.Status == Failed && !s.Advisory {
			errs = append(errs, fmt.Errorf("stage %s failed: %w", s.Name, s.Err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	var names []string
	for _, s := range p.Stages {
		if s.Status == Failed && !s.Advisory {
			names = append(names, s.Name)
		}
	}
	return fmt.Errorf("pipeline failed in stage(s) %s\n\n%w", strings.Join(names, ", "), errors.Join(errs...))
}

// Longest is the longest stage's duration (0 when none ran).
func (p *Result[R]) Longest() (string, time.Duration) {
	var name string
	var d time.Duration
	for _, s := range p.Stages {
		if s.Duration > d {
			name, d = s.Name, s.Duration
		}
	}
	return name, d
}

// Markdown is pipeline.md: the verdict and one row per stage.
func (p *Result[R]) Markdown() string {
	var b strings.Builder
	verdict := "PASSED"
	if !p.Passed() {
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "# Pipeline: %s\n\n", verdict)
	fmt.Fprintf(&b, "Wall time %s", round(p.Wall))
	if name, d := p.Longest(); d > 0 {
		fmt.Fprintf(&b, "; longest stage %s (%s); wall time / longest stage = %.2f", name, round(d), p.Wall.Seconds()/d.Seconds())
	}
	b.WriteString(".\n\n| stage | status | duration | notes |\n|---|---|---:|---|\n")
	for _, s := range p.Stages {
		status := string(s.Status)
		if s.Status == Failed && s.Advisory {
			status += " (advisory)"
		}
		dur := "-"
		if s.Status != Skipped {
			dur = round(s.Duration).String()
		}
		var notes []string
		for _, n := range []string{s.Reason, s.Note} {
			if n != "" {
				notes = append(notes, n)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", s.Name, status, dur, cell(strings.Join(notes, "; ")))
	}
	var skipped []string
	for _, s := range p.Stages {
		if s.Status == Skipped {
			skipped = append(skipped, fmt.Sprintf("- **%s** skipped: %s", s.Name, s.Reason))
		}
	}
	if len(skipped) > 0 {
		b.WriteString("\n## Skipped\n\n" + strings.Join(skipped, "\n") + "\n")
	}
	for _, s := range p.Stages {
		if s.Status == Failed {
			fmt.Fprintf(&b, "\n## %s failed\n\n```\n%s\n```\n", s.Name, headLines(s.Err.Error(), 25))
		}
	}
	return b.String()
}

type stageJSON struct {
	Name            string  `json:"name"`
	Status          Status  `json:"status"`
	Advisory        bool    `json:"advisory,omitempty"`
	DurationSeconds float64 `json:"duration_seconds"`
	Reason          string  `json:"reason,omitempty"`
	Note            string  `json:"note,omitempty"`
}

// JSON is pipeline.json: the same table for scripts (benchmarks, dashboards).
func (p *Result[R]) JSON() ([]byte, error) {
	doc := struct {
		Passed      bool        `json:"passed"`
		WallSeconds float64     `json:"wall_seconds"`
		Stages      []stageJSON `json:"stages"`
	}{Passed: p.Passed(), WallSeconds: p.Wall.Seconds()}
	for _, s := range p.Stages {
		doc.Stages = append(doc.Stages, stageJSON{s.Name, s.Status, s.Advisory, s.Duration.Seconds(), s.Reason, s.Note})
	}
	return json.MarshalIndent(doc, "", "  ")
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// headLines keeps pipeline.md readable; each stage's own report has the rest.
func headLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append(lines[:n], fmt.Sprintf("... (%d more lines; see the stage's own report)", len(lines)-n))
	}
	return strings.Join(lines, "\n")
}

func cell(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}
