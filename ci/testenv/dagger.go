package testenv

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// RepoRoot is the repository root (where dagger.json is).
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// OfflineFlags are the constructor flags that select the offline image
// stand-ins (.ci/offline-images writes them), or none on a machine with
// registry access. DEVSECOPS_FLAGS overrides the file.
func OfflineFlags(t testing.TB) []string {
	t.Helper()
	if v, ok := os.LookupEnv("DEVSECOPS_FLAGS"); ok {
		return strings.Fields(v)
	}
	b, err := os.ReadFile(filepath.Join(RepoRoot(t), ".offline", "flags"))
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}

// Wheelhouse is the wheel folder for containers without PyPI
// (DEVSECOPS_WHEELHOUSE, made by scripts/wheelhouse), or "" to use PyPI.
func Wheelhouse() string { return os.Getenv("DEVSECOPS_WHEELHOUSE") }

// DaggerResult is one finished `dagger call`.
type DaggerResult struct {
	Stdout, Stderr string
	Err            error
}

// Output is everything the user saw.
func (r DaggerResult) Output() string { return r.Stdout + "\n" + r.Stderr }

// DaggerCall runs `dagger call` on the module in the repository root with the
// constructor flags for this machine, then args. Extra constructor flags
// (like --source) go in ctorArgs. It needs a running engine: CI starts one
// with dagger-offline; without one the test fails, it does not skip.
func DaggerCall(t testing.TB, ctorArgs []string, args ...string) DaggerResult {
	t.Helper()
	if _, err := exec.LookPath("dagger"); err != nil {
		t.Fatalf("dagger CLI not on PATH: run eval \"$(../shared/dagger-offline/dagger-offline up)\" first (.ci/run does)")
	}
	full := []string{"call", "--progress=plain", "-m", RepoRoot(t)}
	full = append(full, OfflineFlags(t)...)
	if wh := Wheelhouse(); wh != "" {
		full = append(full, "--wheelhouse="+wh)
	}
	full = append(full, ctorArgs...)
	full = append(full, args...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "dagger", full...)
	cmd.Dir = RepoRoot(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("dagger %s: err=%v", strings.Join(full, " "), err)
	return DaggerResult{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}
