// Package parsers turns each scanner's native JSON into findings.Finding.
// Every parser is strict: empty, truncated or wrongly shaped output is an
// error naming the tool, so a broken run can never look like a clean one.
package parsers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"

	"dagger/devsecops/ci/findings"
)

// decode reads exactly one JSON value of the given shape from data.
func decode(tool string, data []byte, into any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return findings.Errorf(tool, "produced no output (did it crash before writing its report?)")
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(into); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return findings.Errorf(tool, "report is truncated: %v", err)
		}
		return findings.Errorf(tool, "report is not the expected JSON: %v (first bytes: %q)", err, head(trimmed))
	}
	if dec.More() {
		return findings.Errorf(tool, "report has trailing data after the JSON document")
	}
	return nil
}

func head(b []byte) string {
	const n = 80
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// missing reports a required top-level key that the tool always writes.
func missing(tool, key string) error {
	return findings.Errorf(tool, "report has no %q field: not a %s JSON report", key, tool)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
