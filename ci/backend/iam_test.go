package backend

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/testenv"
)

// deployerPolicyPath is the least-privilege policy the pipeline's role gets.
func deployerPolicyPath(t *testing.T) string {
	_, here, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(here), "..", "..", "terraform", "iam", "deployer-policy.json")
}

type policyDoc struct {
	Version   string
	Statement []policyStatement
}

type policyStatement struct {
	Sid       string `json:",omitempty"`
	Effect    string
	Action    stringList
	Resource  stringList
	Condition map[string]any `json:",omitempty"`
}

// stringList accepts IAM's "one string or a list" form.
type stringList []string

func (l *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*l = []string{one}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

func globMatch(pattern, s string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	return regexp.MustCompile(re).MatchString(s)
}

// granted lists the S3 and DynamoDB actions the policy allows on resource.
func (d policyDoc) granted(resource string) map[string]bool {
	out := map[string]bool{}
	for _, st := range d.Statement {
		if st.Effect != "Allow" {
			continue
		}
		for _, r := range st.Resource {
			if globMatch(r, resource) {
				for _, a := range st.Action {
					out[a] = true
				}
			}
		}
	}
	return out
}

// forMoto keeps only the S3 and DynamoDB statements and widens DynamoDB's
// Resource to "*": moto authorizes DynamoDB calls against resource "*"
// (moto/core/responses.py call_action), so a table ARN would deny them all.
// The ARN itself is checked against the table in the test instead.
func (d policyDoc) forMoto() policyDoc {
	out := policyDoc{Version: d.Version}
	for _, st := range d.Statement {
		service := strings.SplitN(st.Action[0], ":", 2)[0]
		switch service {
		case "s3":
			out.Statement = append(out.Statement, st)
		case "dynamodb":
			st.Resource = stringList{"*"}
			out.Statement = append(out.Statement, st)
		}
	}
	return out
}

// TestEnsureWithDeployerPolicy runs Ensure under moto's IAM enforcement with
// only what terraform/iam/deployer-policy.json grants for S3 and DynamoDB.
func TestEnsureWithDeployerPolicy(t *testing.T) {
	raw, err := os.ReadFile(deployerPolicyPath(t))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("terraform/iam/deployer-policy.json does not exist yet: this test needs it")
	}
	require.NoError(t, err)
	var policy policyDoc
	require.NoError(t, json.Unmarshal(raw, &policy))

	const region = "us-east-1"
	tableARN := "arn:aws:dynamodb:" + region + ":" + testenv.DefaultAccount + ":table/" + testTable
	bucketARN := "arn:aws:s3:::" + testBucket
	grantedTable, grantedBucket := policy.granted(tableARN), policy.granted(bucketARN)
	require.True(t, grantedBucket["s3:ListBucket"], "the policy must let the deployer list %s", bucketARN)
	require.True(t, grantedTable["dynamodb:PutItem"], "the policy's DynamoDB statement must name the lock table %s", tableARN)

	m := testenv.SharedMoto(t)
	ctx := context.Background()
	root := m.DefaultAWSConfig(t, region)
	deployer := makeUser(t, m, root, "devsecops-deployer", policy.forMoto())
	admin := makeUser(t, m, root, "devsecops-admin", policyDoc{Version: "2012-10-17",
		Statement: []policyStatement{{Effect: "Allow", Action: stringList{"*"}, Resource: stringList{"*"}}}})
	m.EnforceIAM(t, 0)
	cfg := testConfig(m, region)

	// Enforcement is real: the deployer may not create the backend, and says which permission is missing.
	_, err = Ensure(ctx, deployer, cfg)
	t.Log(err)
	var perm *PermissionError
	require.True(t, errors.As(err, &perm), "want *PermissionError, got %T: %v", err, err)
	assert.Equal(t, "s3:CreateBucket", perm.Action)
	assert.Contains(t, err.Error(), testBucket)
	assert.False(t, grantedBucket[perm.Action], "a denied action must be one the policy lacks")

	// An administrator bootstraps once (also under enforcement)...
	r, err := Ensure(ctx, admin, cfg)
	require.NoError(t, err)
	assert.Len(t, r.Created, 2)

	// ...then every pipeline run passes with the deployer's permissions:
	// nothing to change, and what it could not read is named, never silently skipped.
	r, err = Ensure(ctx, deployer, cfg)
	require.NoError(t, err)
	t.Log(r.String())
	assert.True(t, r.NoChanges(), "%s", r)
	actionRe := regexp.MustCompile(`\(((?:s3|dynamodb):\w+) denied\)$`)
	for _, u := range r.Unverified {
		mm := actionRe.FindStringSubmatch(u)
		require.NotNil(t, mm, "unverified entry names no IAM action: %q", u)
		assert.False(t, grantedBucket[mm[1]] || grantedTable[mm[1]], "%q: the policy grants %s, so the check should have run", u, mm[1])
	}
}

// makeUser creates an IAM user with a managed policy (6,144-character limit,
// which the deployer policy must fit) and returns an SDK config with its keys.
func makeUser(t *testing.T, m *testenv.Moto, root aws.Config, name string, doc policyDoc) aws.Config {
	t.Helper()
	ctx := context.Background()
	c := iam.NewFromConfig(root)
	body, err := json.Marshal(doc)
	require.NoError(t, err)
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)})
	require.NoError(t, err)
	p, err := c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String(name), PolicyDocument: aws.String(string(body))})
	require.NoError(t, err)
	_, err = c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String(name), PolicyArn: p.Policy.Arn})
	require.NoError(t, err)
	k, err := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)})
	require.NoError(t, err)
	return m.AWSConfig(t, root.Region, aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), "")
}
