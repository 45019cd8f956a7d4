package parsers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"dagger/devsecops/ci/findings"
)

// fuzzParser checks the parser's contract for any input: no panic, and an
// input accepted without error is valid JSON (so garbage never becomes a
// silently empty report).
func fuzzParser(f *testing.F, seeds []string, parse func([]byte) ([]findings.Finding, error)) {
	for _, s := range seeds {
		if b, err := os.ReadFile(filepath.Join("testdata", s)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(""))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := parse(data)
		if err == nil && !json.Valid(data) {
			t.Fatalf("accepted invalid JSON %q as %d findings", data, len(fs))
		}
		for _, x := range fs {
			if x.Tool == "" || x.Fingerprint == "" {
				t.Fatalf("finding without tool or fingerprint: %+v", x)
			}
		}
	})
}

func FuzzBandit(f *testing.F) {
	fuzzParser(f, []string{"bandit-findings.json", "bandit-syntax-error.json"}, Bandit)
}

func FuzzGitleaks(f *testing.F) {
	fuzzParser(f, []string{"gitleaks-git-history.json"}, Gitleaks)
}

func FuzzTrivy(f *testing.F) {
	fuzzParser(f, []string{"trivy-config-findings.json", "trivy-image-vulnerable.json"}, Trivy)
}

func FuzzSafety(f *testing.F) {
	fuzzParser(f, []string{"safety-vulnerable.json"}, func(b []byte) ([]findings.Finding, error) { return Safety(b, "r.txt") })
}

func FuzzPipAudit(f *testing.F) {
	fuzzParser(f, []string{"pip-audit-vulnerable.documented-shape.json"}, func(b []byte) ([]findings.Finding, error) { return PipAudit(b, "r.txt") })
}
