package scanners

import (
	"context"

	"dagger/devsecops/ci/parsers"
	"dagger/devsecops/internal/dagger"
)

// Bandit scans the app's Python code. Tests are excluded: they exercise the
// app from outside and may use asserts and subprocess on purpose.
type Bandit struct {
	Dag    *dagger.Client
	Python Python
	Source *dagger.Directory
}

func (Bandit) Name() string { return parsers.BanditTool }

func (b Bandit) Run(ctx context.Context) Result {
	ctr := b.Python.ToolContainer(b.Dag, "bandit", "bandit").
		WithMountedDirectory("/src", b.Source).
		WithWorkdir("/src")
	// Bandit exits 1 when it finds issues; both 0 and 1 mean it ran.
	_, report, err := exec(ctx, b.Name(), ctr,
		[]string{"bandit", "-r", "app", "-x", "app/tests", "-f", "json", "-o", "/tmp/bandit.json", "-q"},
		"/tmp/bandit.json", 1)
	if err != nil {
		return failed(b.Name(), err)
	}
	fs, err := parsers.Bandit([]byte(report))
	return Result{Tool: b.Name(), Findings: fs, Err: err, Raw: map[string]string{"bandit.json": report}}
}
