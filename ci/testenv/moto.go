// Package testenv holds helpers shared by the ci/ packages' tests: one local
// moto_server (an AWS emulator) per test binary, reset between tests.
package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// MotoInstallHint is printed when moto_server is missing.
const MotoInstallHint = `moto_server not found on PATH: install it with  pip install "moto[server]==5.2.1"  (CI installs it; set MOTO_SERVER to its path to use another)`

// Moto is a running moto_server on 127.0.0.1.
type Moto struct {
	URL string // e.g. http://127.0.0.1:41234

	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
}

var (
	sharedMu   sync.Mutex
	shared     *Moto
	sharedErr  error
	sharedOnce sync.Once
)

// SharedMoto returns the test binary's moto_server, starting it on first use,
// and resets it so each test starts from an empty AWS. Tests that use it must
// not run in parallel with each other. Call StopSharedMoto from TestMain.
func SharedMoto(t testing.TB) *Moto {
	t.Helper()
	sharedOnce.Do(func() {
		m, err := StartMoto(nil)
		sharedMu.Lock()
		shared, sharedErr = m, err
		sharedMu.Unlock()
	})
	if sharedErr != nil {
		t.Fatalf("starting moto_server: %v", sharedErr)
	}
	shared.Reset(t)
	return shared
}

// StopSharedMoto stops the moto_server SharedMoto started, if any.
func StopSharedMoto() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.Stop()
		shared = nil
	}
}

// StartMoto starts a moto_server on a free loopback port with extra
// environment variables ("K=V") and waits until it answers.
func StartMoto(env []string) (*Moto, error) {
	bin := os.Getenv("MOTO_SERVER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("moto_server"); err != nil {
			return nil, fmt.Errorf("%s", MotoInstallHint)
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("finding a free port: %w", err)
	}
	logf, err := os.CreateTemp("", "moto-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Stdout, cmd.Stderr = logf, logf
	// MOTO_ACCOUNT_ID would pin every request to one account and defeat the
	// multi-account tests, so it is dropped from the inherited environment.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MOTO_ACCOUNT_ID=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	// Own process group, killed with the test binary, so no server outlives it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	logf.Close()
	m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, logPath: logf.Name(), done: make(chan struct{})}
	go func() { cmd.Wait(); close(m.done) }()

	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(m.URL + "/moto-api/data.json")
		if err == nil {
			resp.Body.Close()
			return m, nil
		}
		select {
		case <-m.done:
			return nil, fmt.Errorf("moto_server exited at start: %s", m.logTail())
		default:
		}
		if time.Now().After(deadline) {
			m.Stop()
			return nil, fmt.Errorf("moto_server did not answer on %s within 30s: %s", m.URL, m.logTail())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop ends the server and its process group.
func (m *Moto) Stop() {
	if m == nil || m.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
		<-m.done
	}
	os.Remove(m.logPath)
}

// Reset empties every emulated service (all accounts and regions).
func (m *Moto) Reset(t testing.TB) {
	t.Helper()
	m.post(t, "/moto-api/reset", "")
}

// EnforceIAM turns IAM authorization on after the next n requests (0: at
// once): requests must then be signed by an IAM user's keys and allowed by its
// policies. It is turned off again when the test ends.
func (m *Moto) EnforceIAM(t testing.TB, n int) {
	t.Helper()
	m.post(t, "/moto-api/reset-auth", fmt.Sprint(n))
	t.Cleanup(func() { m.post(t, "/moto-api/reset-auth", "inf") })
}

func (m *Moto) post(t testing.TB, path, body string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("moto %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("moto %s: HTTP %d", path, resp.StatusCode)
	}
}

func (m *Moto) logTail() string {
	b, _ := os.ReadFile(m.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// WriteTerraformCLIConfig writes an empty Terraform CLI config in dir and
// returns its path, so tests never read the developer's ~/.terraformrc.
func WriteTerraformCLIConfig(t testing.TB, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "terraformrc")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
