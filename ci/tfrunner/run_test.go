package tfrunner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/backend"
)

var terraformData = Policy{Stateful: append([]string{"terraform_data"}, DefaultStateful...)}

func outputString(t *testing.T, outs map[string]json.RawMessage, name string) string {
	t.Helper()
	var s string
	require.Contains(t, outs, name)
	require.NoError(t, json.Unmarshal(outs[name], &s))
	return s
}

func outputValues(t *testing.T, r *Runner) map[string]json.RawMessage {
	t.Helper()
	outs, err := r.Outputs(context.Background())
	require.NoError(t, err)
	vals := map[string]json.RawMessage{}
	for k, v := range outs {
		vals[k] = v.Value
	}
	return vals
}

// TestLifecycle: init → validate → plan → policy check → apply → outputs →
// a second plan and apply that change nothing, on an S3 backend on moto.
func TestLifecycle(t *testing.T) {
	s := newStackEnv(t, backend.LockDynamoDB)
	ctx := context.Background()
	dir := copyStack(t)
	r := s.runner(t, dir, 5*time.Second)
	require.NoError(t, r.Validate(ctx))

	planFile := filepath.Join(dir, "tfplan")
	changes, err := r.Plan(ctx, planFile)
	require.NoError(t, err)
	assert.True(t, changes)
	plan, err := r.ShowPlan(ctx, planFile)
	require.NoError(t, err)
	sum, err := CheckPlan(plan, terraformData)
	require.NoError(t, err, "creating stateful resources is allowed")
	assert.Equal(t, 2, sum.Creates)
	assert.Equal(t, "+ create terraform_data.a\n+ create terraform_data.b\nPlan: 2 to create, 0 to update, 0 to replace, 0 to destroy.\n", sum.Text())

	require.NoError(t, r.Apply(ctx, planFile))
	outs := outputValues(t, r)
	assert.Equal(t, "hello from a", outputString(t, outs, "a"))
	assert.Equal(t, "b", outputString(t, outs, "b"))

	// The state is in the bucket under the key, not in the working dir.
	obj, err := s3.NewFromConfig(s.moto.DefaultAWSConfig(t, s.backend.Region), func(o *s3.Options) { o.UsePathStyle = true }).
		GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.backend.Bucket), Key: aws.String(s.key)})
	require.NoError(t, err, "state object in the bucket")
	var state struct {
		Resources []struct{ Type, Name string }
	}
	require.NoError(t, json.NewDecoder(obj.Body).Decode(&state))
	obj.Body.Close()
	assert.Len(t, state.Resources, 2)
	assert.NoFileExists(t, filepath.Join(dir, "terraform.tfstate"))

	// Second run: nothing to do, and applying that plan changes nothing.
	changes, err = r.Plan(ctx, planFile)
	require.NoError(t, err)
	assert.False(t, changes)
	plan, err = r.ShowPlan(ctx, planFile)
	require.NoError(t, err)
	sum, err = CheckPlan(plan, terraformData)
	require.NoError(t, err)
	assert.Empty(t, sum.Changes)
	require.NoError(t, r.Apply(ctx, planFile))
	assert.Equal(t, outs, outputValues(t, r))

	// PlanAndApply does the same in one call and logs the summary.
	var log bytes.Buffer
	sum, err = r.PlanAndApply(ctx, planFile, terraformData, &log)
	require.NoError(t, err)
	assert.Contains(t, log.String(), "Plan: 0 to create, 0 to update, 0 to replace, 0 to destroy.")
}

// TestDestroyRefused: dropping b.tf makes a plan that destroys
// terraform_data.b; with terraform_data declared stateful it is refused,
// by name, unless AllowDestroy.
func TestDestroyRefused(t *testing.T) {
	s := newStackEnv(t, backend.LockDynamoDB)
	ctx := context.Background()
	full := copyStack(t)
	r := s.runner(t, full, 5*time.Second)
	_, err := r.PlanAndApply(ctx, filepath.Join(full, "tfplan"), terraformData, nil)
	require.NoError(t, err)

	smaller := copyStack(t, "b.tf")
	r2 := s.runner(t, smaller, 5*time.Second)
	planFile := filepath.Join(smaller, "tfplan")
	var log bytes.Buffer
	sum, err := r2.PlanAndApply(ctx, planFile, terraformData, &log)
	require.Error(t, err)
	t.Log(err)
	assert.Contains(t, err.Error(), "terraform_data.b (destroy: stateful resource type terraform_data)")
	assert.Equal(t, 1, sum.Destroys)
	assert.Contains(t, log.String(), "- destroy terraform_data.b   REFUSED")
	assert.Contains(t, outputValues(t, r2), "b", "a refused plan is not applied")

	// Not stateful by default: the same plan passes the default policy.
	plan, err := r2.ShowPlan(ctx, planFile)
	require.NoError(t, err)
	_, err = CheckPlan(plan, Policy{})
	assert.NoError(t, err)

	allow := terraformData
	allow.AllowDestroy = true
	sum, err = r2.PlanAndApply(ctx, planFile, allow, nil)
	require.NoError(t, err)
	assert.Equal(t, 1, sum.Destroys)
	outs := outputValues(t, r2)
	assert.NotContains(t, outs, "b")
	assert.Equal(t, "hello from a", outputString(t, outs, "a"))
}

// TestLockHeld holds the state lock the way Terraform does (a DynamoDB item
// under "<bucket>/<key>" carrying its lock info) and expects a clear error
// after the bounded wait, then success once the lock is gone.
func TestLockHeld(t *testing.T) {
	s := newStackEnv(t, backend.LockDynamoDB)
	ctx := context.Background()
	dir := copyStack(t)
	const wait = 3 * time.Second
	r := s.runner(t, dir, wait)

	info := map[string]any{
		"ID": "4f6c2a3e-1111-2222-3333-444455556666", "Operation": "OperationTypeApply", "Info": "",
		"Who": "runner@ci-job-41", "Version": "1.8.5", "Created": time.Now().UTC().Add(-7 * time.Minute),
		"Path": s.backend.Bucket + "/" + s.key,
	}
	infoJSON, err := json.Marshal(info)
	require.NoError(t, err)
	ddb := dynamodb.NewFromConfig(s.moto.DefaultAWSConfig(t, s.backend.Region))
	lockID := &ddbtypes.AttributeValueMemberS{Value: s.backend.Bucket + "/" + s.key}
	_, err = ddb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.backend.Table), Item: map[string]ddbtypes.AttributeValue{
		"LockID": lockID, "Info": &ddbtypes.AttributeValueMemberS{Value: string(infoJSON)},
	}})
	require.NoError(t, err)

	start := time.Now()
	_, err = r.Plan(ctx, filepath.Join(dir, "tfplan"))
	waited := time.Since(start)
	require.Error(t, err)
	t.Log(err)
	var locked *LockedError
	require.True(t, errors.As(err, &locked), "want *LockedError, got %v", err)
	assert.Equal(t, info["ID"], locked.ID)
	assert.Equal(t, info["Who"], locked.Who)
	assert.Equal(t, info["Path"], locked.Path)
	assert.Contains(t, locked.Created, info["Created"].(time.Time).Format("2006-01-02 15:04:05"))
	assert.Contains(t, err.Error(), "state is locked by runner@ci-job-41 since ")
	assert.Contains(t, err.Error(), "terraform force-unlock 4f6c2a3e-1111-2222-3333-444455556666")
	assert.GreaterOrEqual(t, waited, wait, "Terraform should retry for the lock timeout")
	assert.Less(t, waited, wait+60*time.Second)

	_, err = ddb.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.backend.Table),
		Key: map[string]ddbtypes.AttributeValue{"LockID": lockID}})
	require.NoError(t, err)
	_, err = r.Plan(ctx, filepath.Join(dir, "tfplan"))
	require.NoError(t, err, "the plan runs once the lock is released")
}
