package scanners

import (
	"context"

	"dagger/devsecops/ci/findings"
	"dagger/devsecops/ci/parsers"
	"dagger/devsecops/internal/dagger"
)

// Gitleaks looks for secrets in the working tree and, when .git is present,
// in every commit: a key deleted in a later commit is still leaked.
type Gitleaks struct {
	Dag    *dagger.Client
	Image  string
	Source *dagger.Directory
}

func (Gitleaks) Name() string { return parsers.GitleaksTool }

func (g Gitleaks) Run(ctx context.Context) Result {
	ctr := sourceContainer(g.Dag, g.Image, g.Source)
	res := Result{Tool: g.Name(), Raw: map[string]string{}, Findings: []findings.Finding{}}
	// --exit-code 0: leaks are judged by the policy; any non-zero exit is a crash.
	common := []string{"--redact", "--no-banner", "--exit-code", "0", "--report-format", "json"}

	_, dirReport, err := exec(ctx, g.Name(), ctr,
		append([]string{"gitleaks", "dir", ".", "--report-path", "/tmp/gitleaks-dir.json"}, common...), "/tmp/gitleaks-dir.json")
	if err != nil {
		return failed(g.Name(), err)
	}
	res.Raw["gitleaks-dir.json"] = dirReport
	dirFindings, err := parsers.Gitleaks([]byte(dirReport))
	if err != nil {
		return failed(g.Name(), err)
	}
	res.Findings = append(res.Findings, dirFindings...)

	hasGit, err := g.Source.Exists(ctx, ".git")
	if err != nil {
		return failed(g.Name(), findings.Errorf(g.Name(), "checking for .git: %v", err))
	}
	if !hasGit {
		res.Raw["gitleaks-git.txt"] = "no .git in the source: history not scanned\n"
		return res
	}
	gitDir, err := g.Source.Exists(ctx, ".git", dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeDirectoryType})
	if err != nil {
		return failed(g.Name(), findings.Errorf(g.Name(), "checking for .git: %v", err))
	}
	if !gitDir {
		// A worktree or submodule: .git points outside the source, so the
		// history is not in the container. Saying so beats a silent pass.
		res.Err = findings.Errorf(g.Name(), ".git is a file (a git worktree or submodule), so the history cannot be scanned: run the scan from a regular clone")
		return res
	}
	// The mounted repository belongs to another uid; git refuses it otherwise.
	ctr = ctr.WithExec([]string{"git", "config", "--global", "--add", "safe.directory", "*"})
	_, gitReport, err := exec(ctx, g.Name(), ctr,
		append([]string{"gitleaks", "git", ".", "--report-path", "/tmp/gitleaks-git.json"}, common...), "/tmp/gitleaks-git.json")
	if err != nil {
		return Result{Tool: g.Name(), Findings: res.Findings, Raw: res.Raw, Err: err}
	}
	res.Raw["gitleaks-git.json"] = gitReport
	gitFindings, err := parsers.Gitleaks([]byte(gitReport))
	res.Findings = append(res.Findings, dedupe(dirFindings, gitFindings)...)
	res.Err = err
	return res
}

// dedupe drops history findings that are the same secret still in the tree.
func dedupe(tree, history []findings.Finding) []findings.Finding {
	inTree := map[string]bool{}
	for _, f := range tree {
		inTree[f.Rule+"\x00"+f.File] = true
	}
	var out []findings.Finding
	for _, f := range history {
		if !inTree[f.Rule+"\x00"+f.File] {
			out = append(out, f)
		}
	}
	return out
}
