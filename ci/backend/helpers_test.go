package backend

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/testenv"
)

// Names match terraform/iam/deployer-policy.json's resources
// (arn:aws:s3:::devsecops-tfstate-*, table/devsecops-tflock).
const (
	testBucket = "devsecops-tfstate-test"
	testTable  = "devsecops-tflock"
)

func testConfig(m *testenv.Moto, region string) Config {
	return Config{
		Bucket: testBucket, Table: testTable, Region: region,
		Endpoint: m.URL, UsePathStyle: true, WaitTimeout: 30 * time.Second,
	}
}

func s3Client(cfg aws.Config) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

// requireHardened reads every setting back with plain SDK calls, independent
// of the code under test.
func requireHardened(t *testing.T, awsCfg aws.Config, cfg Config) {
	t.Helper()
	ctx := context.Background()
	c := s3Client(awsCfg)
	b := aws.String(cfg.Bucket)

	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b})
	require.NoError(t, err)
	assert.Equal(t, s3types.BucketVersioningStatusEnabled, v.Status, "versioning")

	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b})
	require.NoError(t, err, "default encryption")
	require.NotEmpty(t, enc.ServerSideEncryptionConfiguration.Rules)
	assert.NotEmpty(t, enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm)

	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b})
	require.NoError(t, err, "public access block")
	p := pab.PublicAccessBlockConfiguration
	assert.True(t, aws.ToBool(p.BlockPublicAcls) && aws.ToBool(p.IgnorePublicAcls) && aws.ToBool(p.BlockPublicPolicy) && aws.ToBool(p.RestrictPublicBuckets), "all four public access blocks")

	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b})
	require.NoError(t, err, "bucket policy")
	var doc struct {
		Statement []struct {
			Effect    string
			Resource  any
			Condition map[string]map[string]any
		}
	}
	require.NoError(t, json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc))
	found := false
	for _, st := range doc.Statement {
		if st.Effect == "Deny" && st.Condition["Bool"]["aws:SecureTransport"] == "false" {
			assert.ElementsMatch(t, []any{"arn:aws:s3:::" + cfg.Bucket, "arn:aws:s3:::" + cfg.Bucket + "/*"}, st.Resource)
			found = true
		}
	}
	assert.True(t, found, "policy denies non-TLS: %s", aws.ToString(pol.Policy))

	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	require.NoError(t, err, "ownership controls")
	assert.Equal(t, s3types.ObjectOwnershipBucketOwnerEnforced, oc.OwnershipControls.Rules[0].ObjectOwnership)

	if cfg.locking() != LockDynamoDB {
		return
	}
	d := dynamodb.NewFromConfig(awsCfg)
	td, err := d.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(cfg.Table)})
	require.NoError(t, err, "lock table")
	tb := td.Table
	assert.Equal(t, ddbtypes.TableStatusActive, tb.TableStatus)
	require.Len(t, tb.KeySchema, 1)
	assert.Equal(t, "LockID", aws.ToString(tb.KeySchema[0].AttributeName))
	assert.Equal(t, ddbtypes.KeyTypeHash, tb.KeySchema[0].KeyType)
	assert.Equal(t, ddbtypes.ScalarAttributeTypeS, tb.AttributeDefinitions[0].AttributeType)
	require.NotNil(t, tb.BillingModeSummary)
	assert.Equal(t, ddbtypes.BillingModePayPerRequest, tb.BillingModeSummary.BillingMode)
	require.NotNil(t, tb.SSEDescription, "table encryption")
	assert.Equal(t, ddbtypes.SSEStatusEnabled, tb.SSEDescription.Status)
	cb, err := d.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(cfg.Table)})
	require.NoError(t, err)
	assert.Equal(t, ddbtypes.PointInTimeRecoveryStatusEnabled, cb.ContinuousBackupsDescription.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus)
}
