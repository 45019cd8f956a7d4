package tfrunner

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/hashicorp/go-version"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/backend"
)

// s3LockTerraform finds a Terraform >= 1.10 (S3-native locking) from
// $TERRAFORM_S3LOCK_BIN or PATH.
func s3LockTerraform(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("TERRAFORM_S3LOCK_BIN")
	if bin == "" {
		bin, _ = exec.LookPath("terraform")
	}
	if bin != "" {
		if v, err := version.NewVersion(terraformVersion(t, bin)); err == nil && v.GreaterThanOrEqual(version.Must(version.NewVersion("1.10.0"))) {
			return bin
		}
	}
	t.Skip("S3-native locking (use_lockfile) needs Terraform >= 1.10: set TERRAFORM_S3LOCK_BIN or put one on PATH")
	return ""
}

// TestS3NativeLocking runs the stack with use_lockfile (no lock table) and
// holds the lock the way Terraform does: a "<key>.tflock" object with its
// lock info.
func TestS3NativeLocking(t *testing.T) {
	bin := s3LockTerraform(t)
	s := newStackEnv(t, backend.LockS3)
	s.bin = bin
	ctx := context.Background()
	dir := copyStack(t)
	r := s.runner(t, dir, 2*time.Second)
	planFile := filepath.Join(dir, "tfplan")
	sum, err := r.PlanAndApply(ctx, planFile, terraformData, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, sum.Creates)
	assert.Equal(t, "hello from a", outputString(t, outputValues(t, r), "a"))

	c := s3.NewFromConfig(s.moto.DefaultAWSConfig(t, s.backend.Region), func(o *s3.Options) { o.UsePathStyle = true })
	info, err := json.Marshal(map[string]any{"ID": "9a9a9a9a-0000-1111-2222-333344445555", "Operation": "OperationTypeApply",
		"Who": "deployer@ci-job-7", "Version": "1.11.4", "Created": time.Now().UTC(), "Path": s.backend.Bucket + "/" + s.key})
	require.NoError(t, err)
	lockKey := aws.String(s.key + ".tflock")
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.backend.Bucket), Key: lockKey, Body: strings.NewReader(string(info))})
	require.NoError(t, err)

	_, err = r.Plan(ctx, planFile)
	require.Error(t, err)
	t.Log(err)
	var locked *LockedError
	require.True(t, errors.As(err, &locked), "want *LockedError, got %v", err)
	assert.Equal(t, "deployer@ci-job-7", locked.Who)
	assert.Contains(t, err.Error(), "terraform force-unlock 9a9a9a9a-0000-1111-2222-333344445555")

	_, err = c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.backend.Bucket), Key: lockKey})
	require.NoError(t, err)
	changes, err := r.Plan(ctx, planFile)
	require.NoError(t, err)
	assert.False(t, changes)
}

func TestS3NativeLockingNeedsTerraform110(t *testing.T) {
	bin := terraformBin(t)
	v := version.Must(version.NewVersion(terraformVersion(t, bin)))
	if !v.LessThan(version.Must(version.NewVersion("1.10.0"))) {
		t.Skipf("needs a Terraform older than 1.10; %s is %s", bin, v)
	}
	r, err := New(t.TempDir(), bin, Options{})
	require.NoError(t, err)
	err = r.Init(context.Background(), map[string]string{"use_lockfile": "true"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "S3-native locking (use_lockfile) needs Terraform >= 1.10.0, this one is "+v.String())
}
