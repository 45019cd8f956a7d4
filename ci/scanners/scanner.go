// Package scanners runs each security tool in its own container and turns
// its native report into findings. A tool that cannot run, or whose report
// cannot be read, yields a ToolError, never an empty result.
package scanners

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"dagger/devsecops/ci/findings"
	"dagger/devsecops/internal/dagger"
)

// Result is what one tool produced.
type Result struct {
	Tool     string
	Findings []findings.Finding
	// Raw holds each native report by file name, for the reports folder.
	Raw map[string]string
	Err error
	// Duration is the tool's wall time, including its container setup.
	Duration time.Duration
}

// Scanner is one tool run.
type Scanner interface {
	Name() string
	Run(ctx context.Context) Result
}

// RunAll runs every scanner concurrently and waits for all of them: one
// tool's failure must not hide what the others found.
func RunAll(ctx context.Context, scanners []Scanner) []Result {
	results := make([]Result, len(scanners))
	var wg sync.WaitGroup
	for i, s := range scanners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			results[i] = s.Run(ctx)
			results[i].Duration = time.Since(start)
		}()
	}
	wg.Wait()
	return results
}

// exec runs a command that writes its report to reportPath. Exit codes in
// okCodes mean "ran fine" (many tools exit non-zero when they find things);
// any other code is a tool error carrying the tail of stderr.
func exec(ctx context.Context, tool string, ctr *dagger.Container, args []string, reportPath string, okCodes ...int) (*dagger.Container, string, error) {
	ran := ctr.WithExec(args, dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	code, err := ran.ExitCode(ctx)
	if err != nil {
		return nil, "", setupError(tool, err)
	}
	ok := false
	for _, c := range append([]int{0}, okCodes...) {
		ok = ok || c == code
	}
	if !ok {
		stderr, _ := ran.Stderr(ctx)
		return nil, "", findings.Errorf(tool, "exited with code %d: %s", code, tail(stderr, 600))
	}
	if reportPath == "" {
		out, err := ran.Stdout(ctx)
		return ran, out, err
	}
	report, err := ran.File(reportPath).Contents(ctx)
	if err != nil {
		stderr, _ := ran.Stderr(ctx)
		return nil, "", findings.Errorf(tool, "wrote no report at %s: %s", reportPath, tail(stderr, 600))
	}
	return ran, report, nil
}

// sourceContainer runs a tool image on the source at /src. Root, because
// tool images often default to a user that cannot write /tmp reports or read
// every mounted file; no entrypoint, because exec gives the full command.
func sourceContainer(dag *dagger.Client, image string, source *dagger.Directory) *dagger.Container {
	return dag.Container().From(image).
		WithUser("root").
		WithoutEntrypoint().
		WithMountedDirectory("/src", source).
		WithWorkdir("/src")
}

// ready fails early, once, when a tool's container cannot be prepared.
func ready(ctx context.Context, tool string, ctr *dagger.Container) error {
	if _, err := ctr.Sync(ctx); err != nil {
		return setupError(tool, err)
	}
	return nil
}

// setupError explains a failed setup step (such as a pip install without
// network or wheelhouse) with the stderr of the step that failed.
func setupError(tool string, err error) error {
	var execErr *dagger.ExecError
	if errors.As(err, &execErr) {
		return findings.Errorf(tool, "could not be set up (%s exited %d): %s",
			strings.Join(execErr.Cmd, " "), execErr.ExitCode, tail(execErr.Stderr, 600))
	}
	return findings.Errorf(tool, "could not start: %v", err)
}

// advisoryDayVar keys the containers whose verdict depends on advisory data
// rather than on their inputs alone: a new day means a new run (and a fresh
// DB), while runs on the same day share the engine's cached result.
const advisoryDayVar = "DEVSECOPS_ADVISORY_DAY"

func advisoryDay() string { return time.Now().UTC().Format(time.DateOnly) }

func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	if s == "" {
		return "(no output on stderr)"
	}
	return s
}

func failed(tool string, err error) Result {
	return Result{Tool: tool, Err: err, Raw: map[string]string{}}
}
