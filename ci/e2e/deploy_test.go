package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/testenv"
)

// TestDeploy runs `dagger call deploy` against moto (the AWS emulator, a
// host service) with the provider-free test configuration, and an image
// signed and attested by the test in a registry on the host: the verify gate,
// the container wiring, the secrets and the backend config, end to end.
func TestDeploy(t *testing.T) {
	m, err := testenv.StartMoto(nil)
	require.NoError(t, err)
	t.Cleanup(m.Stop)
	motoPort := m.URL[strings.LastIndex(m.URL, ":")+1:]
	reg := hostRegistry(t)
	signed, unsigned, pubKey := signedImage(t, reg)
	tfDir := deployConfig(t)

	// Distinctive dummy credentials: moto takes any; the test greps for them.
	secrets := map[string]string{
		"access key id":     "AKIAE2E" + strings.ToUpper(randomHex(t)[:13]),
		"secret access key": "e2e-secret-" + randomHex(t),
		"session token":     "e2e-token-" + randomHex(t),
	}
	t.Setenv("DEVSECOPS_E2E_AWS_KEY_ID", secrets["access key id"])
	t.Setenv("DEVSECOPS_E2E_AWS_SECRET", secrets["secret access key"])
	t.Setenv("DEVSECOPS_E2E_AWS_TOKEN", secrets["session token"])
	// The ref names the registry by the alias it is bound under in the
	// containers; the test pushed and signed it through localhost.
	deploy := func(ref, out string, extra ...string) testenv.DaggerResult {
		args := append([]string{"deploy", "--digest-ref=" + ref, "--public-key=" + pubKey,
			"--aws-region=us-east-1",
			"--aws-access-key-id=env:DEVSECOPS_E2E_AWS_KEY_ID", "--aws-secret-access-key=env:DEVSECOPS_E2E_AWS_SECRET",
			"--aws-session-token=env:DEVSECOPS_E2E_AWS_TOKEN",
			"--aws-endpoint=tcp://localhost:" + motoPort, "--terraform-dir=" + tfDir,
			"--registry-service=tcp://localhost:" + reg.port, "--insecure-registry",
			"--app-version=9.9.9"}, extra...)
		return testenv.DaggerCall(t, nil, append(args, "export", "--path="+out)...)
	}
	awsCfg := m.DefaultAWSConfig(t, "us-east-1")
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true })
	var outputs []string
	check := func(res testenv.DaggerResult, dirs ...string) {
		outputs = append(outputs, res.Output())
		for _, d := range dirs {
			filepath.Walk(d, func(p string, info os.FileInfo, err error) error {
				if err == nil && !info.IsDir() {
					b, _ := os.ReadFile(p)
					outputs = append(outputs, string(b))
				}
				return nil
			})
		}
	}

	t.Run("unsigned image is refused before AWS is touched", func(t *testing.T) {
		res := deploy(unsigned, t.TempDir())
		check(res)
		require.Error(t, res.Err, res.Output())
		assert.Contains(t, res.Output(), "deploy refused: the image did not verify")
		list, err := s3c.ListBuckets(context.Background(), &s3.ListBucketsInput{})
		require.NoError(t, err)
		assert.Empty(t, list.Buckets, "nothing may be created for an unverified image")
	})

	state := func() string {
		obj, err := s3c.GetObject(context.Background(), &s3.GetObjectInput{
			Bucket: aws.String("devsecops-tfstate-" + testenv.DefaultAccount), Key: aws.String("devsecops/terraform.tfstate")})
		require.NoError(t, err, "the state object is not in the backend bucket")
		defer obj.Body.Close()
		b, _ := io.ReadAll(obj.Body)
		return string(b)
	}

	t.Run("signed image is deployed", func(t *testing.T) {
		out := t.TempDir()
		res := deploy(signed, out)
		check(res, out)
		require.NoError(t, res.Err, res.Output())
		var outs map[string]any
		b, err := os.ReadFile(filepath.Join(out, "outputs.json"))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &outs))
		assert.Equal(t, signed, outs["image"], "the digest reached Terraform as var.image")
		assert.Equal(t, "9.9.9", outs["app_version"])
		assert.Equal(t, "hello from a", outs["a"])
		v, _ := os.ReadFile(filepath.Join(out, "verify.txt"))
		assert.Contains(t, string(v), "signature by public key; attestations: cyclonedx, slsaprovenance1")
		sum, _ := os.ReadFile(filepath.Join(out, "plan-summary.txt"))
		assert.Contains(t, string(sum), "Plan: 1 to create")
		assert.Contains(t, state(), `"hello from a"`)
	})

	t.Run("second deploy changes nothing", func(t *testing.T) {
		out := t.TempDir()
		res := deploy(signed, out)
		check(res, out)
		require.NoError(t, res.Err, res.Output())
		sum, _ := os.ReadFile(filepath.Join(out, "plan-summary.txt"))
		assert.Contains(t, string(sum), "No changes.")
		assert.Contains(t, res.Output(), "nothing to apply")
	})

	t.Run("plan only applies nothing", func(t *testing.T) {
		out := t.TempDir()
		res := deploy(signed, out, "--plan-only", "--vars=greeting=changed")
		check(res, out)
		require.NoError(t, res.Err, res.Output())
		sum, _ := os.ReadFile(filepath.Join(out, "plan-summary.txt"))
		assert.Contains(t, string(sum), "update terraform_data.a")
		assert.NoFileExists(t, filepath.Join(out, "outputs.json"))
		assert.NotContains(t, state(), "changed from a")
	})

	for name, s := range secrets {
		for i, o := range outputs {
			assert.NotContains(t, o, s, "%s in dagger output or exported file #%d", name, i)
		}
	}
}

type registry struct{ port string }

// hostRegistry runs Debian's docker-registry (dagger-offline installs it) on
// a free port, plain HTTP, storage in a temp dir.
func hostRegistry(t *testing.T) registry {
	bin, err := exec.LookPath("docker-registry")
	require.NoError(t, err, "docker-registry not on PATH: apt-get install docker-registry (dagger-offline setup does)")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cfg := filepath.Join(testenv.RepoRoot(t), ".ci", "offline", "registry-config.yml")
	cmd := exec.Command(bin, "serve", cfg)
	cmd.Env = append(os.Environ(), "REGISTRY_HTTP_ADDR=127.0.0.1:"+port,
		"REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY="+t.TempDir())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		resp, err := http.Get("http://127.0.0.1:" + port + "/v2/")
		if err == nil {
			resp.Body.Close()
			break
		}
		require.Less(t, i, 100, "docker-registry did not answer: %v", err)
		time.Sleep(100 * time.Millisecond)
	}
	return registry{port: port}
}

// signedImage pushes two one-layer images with crane, signs and attests
// (SBOM, provenance) the first with a test key, and returns both digest
// references under the alias the deploy binds the registry to, and cosign.pub.
func signedImage(t *testing.T, reg registry) (signed, unsigned, pubKey string) {
	dir := t.TempDir()
	cosignBin := hostCosign(t)
	crane := filepath.Join(filepath.Dir(cosignBin), "crane")
	if p, err := exec.LookPath("crane"); err == nil {
		crane = p
	}
	run := func(name string, args ...string) string {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=e2e")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s %v: %s", name, args, out)
		return strings.TrimSpace(string(out))
	}
	run(cosignBin, "generate-key-pair")
	push := func(tag, content string) string {
		write(t, dir, "layer/"+tag+".txt", content)
		run("tar", "czf", tag+".tgz", "-C", "layer", tag+".txt")
		ref := "localhost:" + reg.port + "/devsecops/weather-app:" + tag
		run(crane, "append", "--insecure", "-f", tag+".tgz", "-t", ref)
		return run(crane, "digest", "--insecure", ref)
	}
	sd, ud := push("signed", randomHex(t)), push("unsigned", randomHex(t))
	local := "localhost:" + reg.port + "/devsecops/weather-app@" + sd
	write(t, dir, "sbom.json", `{"bomFormat": "CycloneDX", "specVersion": "1.5"}`)
	write(t, dir, "provenance.json", `{"buildDefinition": {"buildType": "https://example.com/e2e", "externalParameters": {}}, "runDetails": {"builder": {"id": "https://example.com/e2e"}}}`)
	common := []string{"-y", "--key", "cosign.key", "--tlog-upload=false", "--allow-insecure-registry"}
	run(cosignBin, append(append([]string{"sign"}, common...), local)...)
	run(cosignBin, append(append([]string{"attest"}, common...), "--type", "cyclonedx", "--predicate", "sbom.json", local)...)
	run(cosignBin, append(append([]string{"attest"}, common...), "--type", "slsaprovenance1", "--predicate", "provenance.json", local)...)
	alias := "registry.e2e:" + reg.port + "/devsecops/weather-app@"
	return alias + sd, alias + ud, filepath.Join(dir, "cosign.pub")
}

// deployConfig is ci/tfrunner's provider-free stack plus the deploy inputs
// as outputs, so the test sees what reached Terraform.
func deployConfig(t *testing.T) string {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "ci", "tfrunner", "testdata", "stack", "main.tf"))
	require.NoError(t, err)
	write(t, dir, "main.tf", string(b)+`
variable "image" { type = string }
variable "app_version" { type = string }
output "image" { value = var.image }
output "app_version" { value = var.app_version }
`)
	return dir
}

// Misconfigured deploy calls fail before verifying or touching AWS, naming
// the flag to fix.
func TestDeployArgumentErrors(t *testing.T) {
	ref := "registry.e2e:5000/devsecops/weather-app@sha256:" + strings.Repeat("a", 64)
	pub := filepath.Join(t.TempDir(), "cosign.pub")
	write(t, filepath.Dir(pub), "cosign.pub", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
	keys := []string{"--aws-access-key-id=env:HOME", "--aws-secret-access-key=env:HOME"}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"tag instead of digest", append([]string{"--digest-ref=docker.io/me/app:latest"}, keys...), "is not a digest reference"},
		{"no credentials", []string{"--digest-ref=" + ref}, "no AWS credentials: pass --aws-access-key-id"},
		{"web identity without role", []string{"--digest-ref=" + ref, "--aws-web-identity-token=env:HOME"}, "needs --aws-role-arn"},
		{"half a key pair", []string{"--digest-ref=" + ref, "--aws-access-key-id=env:HOME"}, "go together"},
		{"real stack without cosign checksum", append([]string{"--digest-ref=" + ref}, keys...), "needs --cosign-sha-256"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"deploy", "--public-key=" + pub, "--aws-region=us-east-1"}, c.args...)
			res := testenv.DaggerCall(t, nil, args...)
			require.Error(t, res.Err, res.Output())
			assert.Contains(t, res.Output(), c.want)
		})
	}
}
