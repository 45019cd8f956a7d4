package tfrunner

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/backend"
	"dagger/devsecops/ci/testenv"
)

// builtTerraform is where the tool setup builds the pinned Terraform.
const builtTerraform = "/var/cache/devsecops-tools/bin/terraform"

// terraformBin finds the Terraform CLI for tests: $TERRAFORM_BIN, the built
// one, or PATH.
func terraformBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TERRAFORM_BIN"); p != "" {
		return p
	}
	if _, err := os.Stat(builtTerraform); err == nil {
		return builtTerraform
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatalf("no Terraform CLI: set TERRAFORM_BIN, build it to %s (go install github.com/hashicorp/terraform@v1.8.5), or put terraform on PATH", builtTerraform)
	}
	return p
}

func terraformVersion(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin, "version", "-json").Output()
	require.NoError(t, err)
	var v struct {
		TerraformVersion string `json:"terraform_version"`
	}
	require.NoError(t, json.Unmarshal(out, &v))
	return v.TerraformVersion
}

// copyStack copies testdata/stack into a temp dir, skipping the files named.
func copyStack(t *testing.T, skip ...string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir("testdata/stack")
	require.NoError(t, err)
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || contains(skip, e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata/stack", e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
	}
	return dst
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// stackEnv is a bootstrapped backend on moto plus what Terraform needs to use it.
type stackEnv struct {
	moto    *testenv.Moto
	backend backend.Config
	key     string
	env     map[string]string
	bin     string
}

func newStackEnv(t *testing.T, locking string) *stackEnv {
	t.Helper()
	m := testenv.SharedMoto(t)
	cfg := backend.Config{Bucket: "devsecops-tfstate-runner", Table: "devsecops-tflock", Region: "us-east-1",
		Locking: locking, Endpoint: m.URL, UsePathStyle: true, WaitTimeout: 30 * time.Second}
	awsCfg := m.DefaultAWSConfig(t, cfg.Region)
	_, err := backend.Ensure(context.Background(), awsCfg, cfg)
	require.NoError(t, err)
	// moto does not evaluate aws:SecureTransport: it treats the bootstrap's
	// deny-non-TLS statement as denying every object request, TLS or not
	// (moto/iam/access_control.py _check_conditions). AWS applies it only to
	// plain-HTTP requests, so removing it here changes nothing Terraform
	// would meet on AWS over HTTPS.
	_, err = s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true }).
		DeleteBucketPolicy(context.Background(), &s3.DeleteBucketPolicyInput{Bucket: aws.String(cfg.Bucket)})
	require.NoError(t, err)
	return &stackEnv{
		moto: m, backend: cfg, key: "devsecops/test/terraform.tfstate", bin: terraformBin(t),
		env: map[string]string{
			"AWS_ACCESS_KEY_ID":     testenv.DummyAccessKey,
			"AWS_SECRET_ACCESS_KEY": testenv.DummySecretKey,
			"AWS_SESSION_TOKEN":     "",
			"AWS_PROFILE":           "",
			"TF_CLI_CONFIG_FILE":    testenv.WriteTerraformCLIConfig(t, t.TempDir()),
			"CHECKPOINT_DISABLE":    "1",
		},
	}
}

// backendConfig is the bootstrap's settings plus what moto needs: it has
// no real account to validate credentials or look up.
func (s *stackEnv) backendConfig() map[string]string {
	c := backend.BackendConfig(s.backend, s.key)
	for k, v := range map[string]string{
		"skip_credentials_validation": "true",
		"skip_requesting_account_id":  "true",
		"skip_metadata_api_check":     "true",
		"skip_region_validation":      "true",
	} {
		c[k] = v
	}
	return c
}

// runner returns an initialised Runner for dir; Terraform's output goes to the test log.
func (s *stackEnv) runner(t *testing.T, dir string, lockTimeout time.Duration) *Runner {
	t.Helper()
	w := testWriter{t}
	r, err := New(dir, s.bin, Options{Env: s.env, LockTimeout: lockTimeout, Stdout: w, Stderr: w})
	require.NoError(t, err)
	require.NoError(t, r.Init(context.Background(), s.backendConfig()))
	return r
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
