// Package findings is the one model every scanner's output is turned into,
// so that policy, SARIF and the summary never need to know which tool spoke.
package findings

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Severity is ordered: a policy threshold compares with >=.
type Severity int

const (
	Unknown Severity = iota
	Info
	Low
	Medium
	High
	Critical
)

var severityNames = []string{"unknown", "info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity accepts any tool's spelling ("HIGH", "High", "warning", ...).
func ParseSeverity(raw string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(raw)) {
	case "critical":
		return Critical, nil
	case "high", "error":
		return High, nil
	case "medium", "moderate", "warning":
		return Medium, nil
	case "low", "note":
		return Low, nil
	case "info", "informational", "none":
		return Info, nil
	case "unknown", "":
		return Unknown, nil
	}
	return Unknown, fmt.Errorf("unknown severity %q (want one of %s)", raw, strings.Join(severityNames[1:], ", "))
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// Finding is one problem reported by one tool.
type Finding struct {
	Tool        string   `json:"tool"`
	Rule        string   `json:"rule"`
	Severity    Severity `json:"severity"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
	Message     string   `json:"message"`
	Fingerprint string   `json:"fingerprint"`
	// Suppressed is set by the policy: why this finding does not count.
	Suppressed string `json:"suppressed,omitempty"`
}

// Fingerprint identifies a finding across runs. Line numbers are left out on
// purpose: an allowlist entry must survive an unrelated edit above the finding.
// key is whatever the tool offers that pins the exact instance (code snippet,
// package version, commit).
func Fingerprint(tool, rule, file, key string) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{tool, rule, file, strings.TrimSpace(key)}, "\x00")))
	return hex.EncodeToString(sum[:8])
}

// ToolError says a tool could not run or its output could not be read. It is
// never the same as "no findings": the gate fails on it.
type ToolError struct {
	Tool string
	Err  error
}

func (e *ToolError) Error() string { return e.Tool + ": " + e.Err.Error() }
func (e *ToolError) Unwrap() error { return e.Err }

// Errorf builds a ToolError naming the tool.
func Errorf(tool, format string, args ...any) error {
	return &ToolError{Tool: tool, Err: fmt.Errorf(format, args...)}
}
