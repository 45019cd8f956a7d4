package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/testenv"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.StopSharedMoto()
	os.Exit(code)
}

// withTerraform puts the built Terraform 1.8.5 first on PATH, where the
// image has it (Find checks the version, another one would not do).
func withTerraform(t *testing.T) {
	home := os.Getenv("TOOLS_HOME")
	if home == "" {
		home = "/var/cache/devsecops-tools"
	}
	t.Setenv("PATH", filepath.Join(home, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	_, err := exec.LookPath("terraform")
	require.NoError(t, err, "terraform 1.8.5 not on PATH nor in $TOOLS_HOME/bin: run .ci/install-tools")
}

func copyStack(t *testing.T) string {
	dst := t.TempDir()
	src := "../../tfrunner/testdata/stack"
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tf") {
			b, err := os.ReadFile(filepath.Join(src, e.Name()))
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644))
		}
	}
	return dst
}

func TestRunAppliesThenNoChangesThenPlanOnly(t *testing.T) {
	withTerraform(t)
	m := testenv.SharedMoto(t)
	t.Setenv("TF_CLI_CONFIG_FILE", testenv.WriteTerraformCLIConfig(t, t.TempDir()))
	t.Setenv("AWS_ACCESS_KEY_ID", testenv.DummyAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testenv.DummySecretKey)
	awsCfg := m.DefaultAWSConfig(t, "us-east-1")
	dir := copyStack(t)
	opts := func(out string) Options {
		return Options{Region: "us-east-1", Endpoint: m.URL, Table: "devsecops-tflock", Locking: "dynamodb",
			Key: "devsecops/e2e/terraform.tfstate", Dir: dir, Out: out, TerraformVersion: "1.8.5",
			Vars: map[string]string{"greeting": "bonjour"}, AWS: &awsCfg}
	}
	var log strings.Builder
	out := t.TempDir()
	require.NoError(t, Run(context.Background(), opts(out), &log), log.String())

	// The default bucket is named after the account, the state is in it.
	obj, err := s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = true }).GetObject(context.Background(),
		&s3.GetObjectInput{Bucket: aws.String("devsecops-tfstate-" + testenv.DefaultAccount), Key: aws.String("devsecops/e2e/terraform.tfstate")})
	require.NoError(t, err, log.String())
	obj.Body.Close()
	var outs map[string]string
	b, err := os.ReadFile(filepath.Join(out, OutputsFile))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &outs))
	assert.Equal(t, "bonjour from a", outs["a"], "the -var reached Terraform")
	sum, _ := os.ReadFile(filepath.Join(out, SummaryFile))
	assert.Contains(t, string(sum), "Plan: 2 to create")
	smokeTxt, _ := os.ReadFile(filepath.Join(out, SmokeFile))
	assert.Contains(t, string(smokeTxt), "skipped")

	log.Reset()
	out2 := t.TempDir()
	require.NoError(t, Run(context.Background(), opts(out2), &log), log.String())
	sum, _ = os.ReadFile(filepath.Join(out2, SummaryFile))
	assert.Contains(t, string(sum), "No changes.")
	assert.Contains(t, log.String(), "nothing to apply")

	// Plan only: a change is planned and summarised, not applied.
	log.Reset()
	out3 := t.TempDir()
	o := opts(out3)
	o.Vars = map[string]string{"greeting": "hola"}
	o.PlanOnly = true
	require.NoError(t, Run(context.Background(), o, &log), log.String())
	sum, _ = os.ReadFile(filepath.Join(out3, SummaryFile))
	assert.Contains(t, string(sum), "update terraform_data.a")
	assert.NoFileExists(t, filepath.Join(out3, OutputsFile))
	log.Reset()
	require.NoError(t, Run(context.Background(), opts(t.TempDir()), &log), log.String())
	assert.Contains(t, log.String(), "nothing to apply", "plan-only must not have applied greeting=hola")
}

func TestCertificateUploadedOnceAndPinned(t *testing.T) {
	m := testenv.SharedMoto(t)
	awsCfg := m.DefaultAWSConfig(t, "us-east-1")
	o := Options{CertificateName: "devsecops-alb-test", CertificateHost: "app.devsecops.internal"}
	first, note, err := ensureCertificate(context.Background(), awsCfg, o)
	require.NoError(t, err)
	assert.Contains(t, note, "uploaded")
	block, _ := pem.Decode(first)
	require.NotNil(t, block)
	assert.Equal(t, "CERTIFICATE", block.Type)
	assert.NotContains(t, string(first), "PRIVATE KEY")

	got, err := iam.NewFromConfig(awsCfg).GetServerCertificate(context.Background(),
		&iam.GetServerCertificateInput{ServerCertificateName: aws.String("devsecops-alb-test")})
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(string(first)), strings.TrimSpace(aws.ToString(got.ServerCertificate.CertificateBody)))

	second, note, err := ensureCertificate(context.Background(), awsCfg, o)
	require.NoError(t, err)
	assert.Contains(t, note, "reused")
	assert.Equal(t, strings.TrimSpace(string(first)), strings.TrimSpace(string(second)), "a re-run must pin the certificate the ALB already has")
}
