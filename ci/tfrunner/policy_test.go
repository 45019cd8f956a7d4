package tfrunner

import (
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rc(addr, typ string, before map[string]any, actions ...tfjson.Action) *tfjson.ResourceChange {
	mode := tfjson.ManagedResourceMode
	if actions[0] == tfjson.ActionRead {
		mode = tfjson.DataResourceMode
	}
	return &tfjson.ResourceChange{Address: addr, Type: typ, Mode: mode,
		Change: &tfjson.Change{Actions: tfjson.Actions(actions), Before: before}}
}

func TestCheckPlanCountsAndText(t *testing.T) {
	plan := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{
		rc("aws_instance.app", "aws_instance", nil, tfjson.ActionCreate),
		rc("aws_security_group.web", "aws_security_group", nil, tfjson.ActionUpdate),
		rc("aws_instance.old", "aws_instance", nil, tfjson.ActionDelete, tfjson.ActionCreate),
		rc("aws_route.x", "aws_route", nil, tfjson.ActionDelete),
		rc("aws_vpc.main", "aws_vpc", nil, tfjson.ActionNoop),
		rc("data.aws_ami.al2023", "aws_ami", nil, tfjson.ActionRead),
	}}
	s, err := CheckPlan(plan, Policy{})
	require.NoError(t, err)
	assert.Equal(t, [4]int{1, 1, 1, 1}, [4]int{s.Creates, s.Updates, s.Replaces, s.Destroys})
	assert.Equal(t, `+ create aws_instance.app
~ update aws_security_group.web
-/+ replace aws_instance.old
- destroy aws_route.x
<= read data.aws_ami.al2023
Plan: 1 to create, 1 to update, 1 to replace, 1 to destroy.
`, s.Text())
}

func TestCheckPlanRefusesStatefulDestroyAndReplace(t *testing.T) {
	plan := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{
		rc("aws_ebs_volume.data", "aws_ebs_volume", nil, tfjson.ActionCreate, tfjson.ActionDelete), // create-before-destroy replace
		rc("aws_db_instance.db", "aws_db_instance", nil, tfjson.ActionDelete),
		rc("aws_s3_bucket.logs", "aws_s3_bucket", nil, tfjson.ActionUpdate),
	}}
	s, err := CheckPlan(plan, Policy{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aws_ebs_volume.data (replace: stateful resource type aws_ebs_volume)")
	assert.Contains(t, err.Error(), "aws_db_instance.db (destroy: stateful resource type aws_db_instance)")
	assert.NotContains(t, err.Error(), "aws_s3_bucket.logs", "updates are fine")
	assert.Len(t, s.Refused(), 2)

	s, err = CheckPlan(plan, Policy{AllowDestroy: true})
	require.NoError(t, err)
	assert.Empty(t, s.Refused())
}

func TestCheckPlanProtectsBackend(t *testing.T) {
	plan := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{
		rc("aws_s3_bucket_policy.state", "aws_s3_bucket_policy", map[string]any{"bucket": "tfstate"}, tfjson.ActionDelete),
		rc("aws_dynamodb_table.lock", "aws_dynamodb_table", map[string]any{"name": "tflock"}, tfjson.ActionDelete),
		rc("aws_s3_bucket_policy.other", "aws_s3_bucket_policy", map[string]any{"bucket": "other"}, tfjson.ActionDelete),
	}}
	p := Policy{AllowDestroy: true, BackendBucket: "tfstate", BackendTable: "tflock"}
	s, err := CheckPlan(plan, p)
	require.Error(t, err, "AllowDestroy does not cover the backend")
	assert.Contains(t, err.Error(), "aws_s3_bucket_policy.state (destroy: it is the Terraform state backend)")
	assert.Contains(t, err.Error(), "aws_dynamodb_table.lock (destroy: it is the Terraform state backend)")
	assert.Len(t, s.Refused(), 2)

	p.AllowBackendDestroy = true
	_, err = CheckPlan(plan, p)
	assert.NoError(t, err)

	_, err = CheckPlan(nil, p)
	assert.Error(t, err)
}
