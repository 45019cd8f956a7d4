package scanners

import (
	"context"
	"errors"
	"path"

	"dagger/devsecops/ci/findings"
	"dagger/devsecops/ci/parsers"
	"dagger/devsecops/internal/dagger"
)

// Dependencies audits every app/requirements*.txt against an advisory source,
// chosen in this order:
//  1. AdvisoryDB, a local Safety DB directory (air-gapped, no key needed);
//  2. SafetyKey, Safety's online DB with an API key (as the seed pipeline did);
//  3. pip-audit against PyPI's advisory data (online, no key).
//
// When the chosen source cannot be reached the audit fails: an unaudited
// dependency is not a clean one.
type Dependencies struct {
	Dag        *dagger.Client
	Python     Python
	Source     *dagger.Directory
	AdvisoryDB *dagger.Directory // optional
	SafetyKey  *dagger.Secret    // optional
}

func (d Dependencies) Name() string {
	if d.AdvisoryDB != nil || d.SafetyKey != nil {
		return parsers.SafetyTool
	}
	return parsers.PipAuditTool
}

func (d Dependencies) Run(ctx context.Context) Result {
	files, err := d.Source.Glob(ctx, "app/requirements*.txt")
	if err != nil {
		return failed(d.Name(), findings.Errorf(d.Name(), "listing requirements files: %v", err))
	}
	if len(files) == 0 {
		return failed(d.Name(), findings.Errorf(d.Name(), "no app/requirements*.txt to audit"))
	}
	var ctr *dagger.Container
	if d.Name() == parsers.SafetyTool {
		ctr = d.Python.ToolContainer(d.Dag, "safety", "safety", "setuptools")
	} else {
		ctr = d.Python.ToolContainer(d.Dag, "pip-audit", "pip-audit")
	}
	ctr = ctr.WithMountedDirectory("/src", d.Source).WithWorkdir("/src").
		WithEnvVariable(advisoryDayVar, advisoryDay())
	switch {
	case d.AdvisoryDB != nil:
		ctr = ctr.WithMountedDirectory("/advisory-db", d.AdvisoryDB)
	case d.SafetyKey != nil:
		// An environment variable, not an argument: arguments show up in logs.
		ctr = ctr.WithSecretVariable("SAFETY_API_KEY", d.SafetyKey)
	}

	if err := ready(ctx, d.Name(), ctr); err != nil {
		return failed(d.Name(), err)
	}
	res := Result{Tool: d.Name(), Raw: map[string]string{}, Findings: []findings.Finding{}}
	var errs []error
	for _, file := range files {
		fs, raw, err := d.audit(ctx, ctr, file)
		if raw != "" {
			res.Raw[d.Name()+"-"+path.Base(file)+".json"] = raw
		}
		res.Findings = append(res.Findings, fs...)
		if err != nil {
			errs = append(errs, err)
		}
	}
	res.Err = errors.Join(errs...)
	return res
}

func (d Dependencies) audit(ctx context.Context, ctr *dagger.Container, file string) ([]findings.Finding, string, error) {
	if d.Name() == parsers.SafetyTool {
		args := []string{"safety", "check", "-r", file, "--output", "json"}
		if d.AdvisoryDB != nil {
			args = append(args, "--db", "/advisory-db")
		}
		// Safety exits 64 when it finds vulnerabilities.
		_, out, err := exec(ctx, d.Name(), ctr, args, "", 64)
		if err != nil {
			return nil, "", err
		}
		fs, err := parsers.Safety([]byte(out), file)
		return fs, out, err
	}
	// Requirements are fully pinned (pip-compile), so no resolution is needed;
	// resolving would need a package index inside the container.
	_, out, err := exec(ctx, d.Name(), ctr,
		[]string{"pip-audit", "-r", file, "--no-deps", "--disable-pip", "-f", "json", "-o", "/tmp/pip-audit.json", "--progress-spinner", "off"},
		"/tmp/pip-audit.json", 1)
	if err != nil {
		return nil, "", err
	}
	fs, err := parsers.PipAudit([]byte(out), file)
	return fs, out, err
}
