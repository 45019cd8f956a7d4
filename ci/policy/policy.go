// Package policy decides whether a set of findings passes: per-tool severity
// thresholds and an allowlist whose every entry has a reason and an expiry.
// It is read from .devsecops.yaml at the repository root.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"dagger/devsecops/ci/findings"
)

// DefaultFileName is where the pipeline looks for the policy in the source.
const DefaultFileName = ".devsecops.yaml"

// Policy is the parsed policy file. The zero value fails on high and critical.
type Policy struct {
	// FailOn maps a tool name (or "default") to the lowest severity that fails the gate.
	FailOn    map[string]findings.Severity `yaml:"fail_on"`
	Allowlist []Entry                      `yaml:"allowlist"`
	Image     ImagePolicy                  `yaml:"image"`
}

// ImagePolicy tunes the container image scan (scan-image).
type ImagePolicy struct {
	// IgnoreUnfixed skips vulnerabilities that have no fixed version yet.
	IgnoreUnfixed *bool `yaml:"ignore_unfixed"`
}

// Entry suppresses one finding (by fingerprint) or one rule in matching paths.
type Entry struct {
	Fingerprint string `yaml:"fingerprint"`
	Rule        string `yaml:"rule"`
	// Path is a path.Match pattern ("terraform/*.tf"); with Rule only.
	Path    string `yaml:"path"`
	Reason  string `yaml:"reason"`
	Expires string `yaml:"expires"` // YYYY-MM-DD, the last day the entry applies
	expiry  time.Time
}

const defaultThreshold = findings.High

// Parse reads a policy document and checks every allowlist entry, so a typo
// is an error at load time rather than a silently unsuppressed (or suppressed) finding.
func Parse(data []byte) (*Policy, error) {
	p := &Policy{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	// An empty file (io.EOF) means "all defaults".
	if err := dec.Decode(p); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("policy: %w", err)
	}
	for tool, sev := range p.FailOn {
		if sev == findings.Unknown {
			return nil, fmt.Errorf("policy: fail_on.%s: give a severity (info, low, medium, high, critical)", tool)
		}
	}
	var problems []string
	for i := range p.Allowlist {
		e := &p.Allowlist[i]
		where := fmt.Sprintf("allowlist[%d]", i)
		switch {
		case e.Fingerprint == "" && (e.Rule == "" || e.Path == ""):
			problems = append(problems, where+": needs a fingerprint, or a rule and a path")
		case e.Fingerprint != "" && (e.Rule != "" || e.Path != ""):
			problems = append(problems, where+": give a fingerprint or rule+path, not both")
		}
		if e.Path != "" {
			if _, err := path.Match(e.Path, ""); err != nil {
				problems = append(problems, fmt.Sprintf("%s: bad path pattern %q: %v", where, e.Path, err))
			}
		}
		if strings.TrimSpace(e.Reason) == "" {
			problems = append(problems, where+": needs a reason")
		}
		t, err := time.Parse(time.DateOnly, e.Expires)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: expires must be a date like 2027-01-31, got %q", where, e.Expires))
		}
		e.expiry = t
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("policy: %s", strings.Join(problems, "; "))
	}
	return p, nil
}

// Threshold is the lowest severity of tool's findings that fails the gate.
func (p *Policy) Threshold(tool string) findings.Severity {
	if s, ok := p.FailOn[tool]; ok {
		return s
	}
	if s, ok := p.FailOn["default"]; ok {
		return s
	}
	return defaultThreshold
}

// IgnoreUnfixed defaults to true, as the seed pipeline's Trivy step had it.
func (p *Policy) IgnoreUnfixed() bool {
	return p.Image.IgnoreUnfixed == nil || *p.Image.IgnoreUnfixed
}

func (e *Entry) matches(f findings.Finding) bool {
	if e.Fingerprint != "" {
		return e.Fingerprint == f.Fingerprint
	}
	ok, _ := path.Match(e.Path, f.File)
	return ok && e.Rule == f.Rule
}

func (e *Entry) describe() string {
	if e.Fingerprint != "" {
		return "fingerprint " + e.Fingerprint
	}
	return "rule " + e.Rule + " in " + e.Path
}
