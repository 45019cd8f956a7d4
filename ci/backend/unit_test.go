package backend

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	ok := Config{Bucket: "devsecops-tfstate-1", Table: "devsecops-tflock", Region: "eu-west-1"}
	require.NoError(t, ok.Validate())

	for name, c := range map[string]Config{
		"upper-case bucket": {Bucket: "Bad", Table: "t12", Region: "us-east-1"},
		"no region":         {Bucket: "good-bucket", Table: "t12", Region: ""},
		"no table":          {Bucket: "good-bucket", Region: "us-east-1"},
		"unknown locking":   {Bucket: "good-bucket", Table: "t12", Region: "us-east-1", Locking: "consul"},
	} {
		assert.Error(t, c.Validate(), name)
	}
	s3Lock := Config{Bucket: "good-bucket", Region: "us-east-1", Locking: LockS3}
	assert.NoError(t, s3Lock.Validate(), "S3 locking needs no table")
}

func TestBackendConfig(t *testing.T) {
	c := Config{Bucket: "b-1", Table: "locks", Region: "eu-west-1"}
	assert.Equal(t, map[string]string{
		"bucket": "b-1", "key": "devsecops/prod/terraform.tfstate", "region": "eu-west-1",
		"encrypt": "true", "dynamodb_table": "locks",
	}, BackendConfig(c, "devsecops/prod/terraform.tfstate"))

	c.Locking, c.Endpoint, c.UsePathStyle, c.KMSKeyID = LockS3, "http://127.0.0.1:5000", true, "alias/state"
	got := BackendConfig(c, "k")
	assert.Equal(t, "true", got["use_lockfile"])
	assert.NotContains(t, got, "dynamodb_table")
	assert.Equal(t, "true", got["use_path_style"])
	assert.Equal(t, "alias/state", got["kms_key_id"])
	assert.Equal(t, `{s3="http://127.0.0.1:5000",dynamodb="http://127.0.0.1:5000",sts="http://127.0.0.1:5000",iam="http://127.0.0.1:5000"}`, got["endpoints"])
}

func TestTLSDenyPolicy(t *testing.T) {
	arn := "arn:aws:s3:::b"
	assert.False(t, hasTLSDeny("", arn))

	merged, err := withTLSDeny(`{"Version":"2012-10-17","Statement":{"Sid":"Other","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::1:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}`, arn)
	require.NoError(t, err)
	assert.True(t, hasTLSDeny(merged, arn))
	assert.False(t, hasTLSDeny(merged, "arn:aws:s3:::other"), "the statement must name this bucket")
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(merged), &doc))
	assert.Len(t, doc["Statement"], 2, "the other statement is kept")

	again, err := withTLSDeny(merged, arn)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal([]byte(again), &doc))
	assert.Len(t, doc["Statement"], 2, "re-adding replaces, never duplicates")

	// An equivalent hand-written statement counts, whatever its Sid.
	hand := `{"Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":["s3:*"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"],"Condition":{"Bool":{"aws:SecureTransport":false}}}]}`
	assert.True(t, hasTLSDeny(hand, arn))
	// Only objects covered: not enough.
	partial := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	assert.False(t, hasTLSDeny(partial, arn))

	_, err = withTLSDeny("{not json", arn)
	assert.Error(t, err)
}
