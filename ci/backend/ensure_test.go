package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/testenv"
)

var regions = []string{"us-east-1", "eu-west-1"}

func TestEnsureCreatesThenReportsNoChanges(t *testing.T) {
	for _, region := range regions {
		t.Run(region, func(t *testing.T) {
			m := testenv.SharedMoto(t)
			awsCfg := m.DefaultAWSConfig(t, region)
			cfg := testConfig(m, region)
			ctx := context.Background()

			r, err := Ensure(ctx, awsCfg, cfg)
			require.NoError(t, err)
			t.Log(r.String())
			assert.Equal(t, testenv.DefaultAccount, r.Account)
			assert.ElementsMatch(t, []string{"bucket " + testBucket + " in " + region, "table " + testTable + " in " + region}, r.Created)
			assert.Empty(t, r.Unverified)
			requireHardened(t, awsCfg, cfg)

			// The bucket is where Config says: us-east-1 has no LocationConstraint.
			loc, err := s3Client(awsCfg).GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(testBucket)})
			require.NoError(t, err)
			want := s3types.BucketLocationConstraint(region)
			if region == "us-east-1" {
				want = ""
			}
			assert.Equal(t, want, loc.LocationConstraint)

			r2, err := Ensure(ctx, awsCfg, cfg)
			require.NoError(t, err)
			assert.True(t, r2.NoChanges(), "second run changed things: %s", r2)
			assert.Empty(t, r2.Unverified)
			assert.Contains(t, r2.String(), "no changes")
		})
	}
}

func TestEnsureCompletesPartialState(t *testing.T) {
	m := testenv.SharedMoto(t)
	awsCfg := m.DefaultAWSConfig(t, "us-east-1")
	cfg := testConfig(m, "us-east-1")
	ctx := context.Background()
	c := s3Client(awsCfg)

	// Someone made the bucket by hand: versioning suspended, a policy of
	// their own, no table.
	_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(testBucket)})
	require.NoError(t, err)
	_, err = c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(testBucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
	require.NoError(t, err)
	theirs := `{"Version":"2012-10-17","Statement":{"Sid":"KeepMe","Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::` + testBucket + `"}}`
	_, err = c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String(testBucket), Policy: aws.String(theirs)})
	require.NoError(t, err)

	r, err := Ensure(ctx, awsCfg, cfg)
	require.NoError(t, err)
	t.Log(r.String())
	assert.Equal(t, []string{"table " + testTable + " in us-east-1"}, r.Created, "only the table is new")
	assert.Contains(t, r.Changed, "bucket "+testBucket+": versioning enabled")
	assert.Contains(t, r.Changed, "bucket "+testBucket+": policy denies non-TLS access")
	requireHardened(t, awsCfg, cfg)

	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: aws.String(testBucket)})
	require.NoError(t, err)
	assert.Contains(t, aws.ToString(pol.Policy), `"KeepMe"`, "an existing statement must survive the merge")

	r2, err := Ensure(ctx, awsCfg, cfg)
	require.NoError(t, err)
	assert.True(t, r2.NoChanges(), "%s", r2)
}

func TestEnsureConcurrentRunsAllSucceed(t *testing.T) {
	const runs = 4
	for _, region := range regions {
		t.Run(region, func(t *testing.T) {
			m := testenv.SharedMoto(t)
			awsCfg := m.DefaultAWSConfig(t, region)
			cfg := testConfig(m, region)

			var wg sync.WaitGroup
			reports := make([]Report, runs)
			errs := make([]error, runs)
			start := make(chan struct{})
			for i := range runs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					reports[i], errs[i] = Ensure(context.Background(), awsCfg, cfg)
				}()
			}
			close(start)
			wg.Wait()

			bucketCreates, tableCreates := 0, 0
			for i := range runs {
				require.NoError(t, errs[i], "run %d", i)
				for _, c := range reports[i].Created {
					if strings.HasPrefix(c, "bucket ") {
						bucketCreates++
					} else {
						tableCreates++
					}
				}
			}
			// Real S3 and DynamoDB let exactly one create win; moto's check-then-
			// create is not atomic under its threaded server, so several may
			// "win" here. The losing-create paths are tested deterministically
			// in TestCreateRaceLosersSucceed.
			assert.GreaterOrEqual(t, tableCreates, 1)
			assert.GreaterOrEqual(t, bucketCreates, 1)
			requireHardened(t, awsCfg, cfg)
			r, err := Ensure(context.Background(), awsCfg, cfg)
			require.NoError(t, err)
			assert.True(t, r.NoChanges(), "%s", r)
		})
	}
}

func TestEnsureBucketOfAnotherAccount(t *testing.T) {
	const other, mine = "111111111111", "222222222222"
	for _, region := range regions {
		t.Run(region, func(t *testing.T) {
			m := testenv.SharedMoto(t)
			ctx := context.Background()
			otherCfg := m.AWSConfig(t, region, testenv.DummyAccessKey, testenv.DummySecretKey, other)
			myCfg := m.AWSConfig(t, region, testenv.DummyAccessKey, testenv.DummySecretKey, mine)
			cfg := testConfig(m, region)

			_, err := Ensure(ctx, otherCfg, cfg)
			require.NoError(t, err, "the other account bootstraps its backend")

			r, err := Ensure(ctx, myCfg, cfg)
			require.Error(t, err)
			t.Log(err)
			var owner *BucketOwnerError
			require.True(t, errors.As(err, &owner), "want *BucketOwnerError, got %T: %v", err, err)
			assert.Contains(t, err.Error(), fmt.Sprintf("state bucket %q exists but belongs to another AWS account: choose another bucket name", testBucket))
			assert.Contains(t, err.Error(), mine)
			assert.Equal(t, mine, r.Account)
			assert.Empty(t, r.Created)
			assert.Empty(t, r.Changed)

			// Nothing was made in this account, not even the table.
			tables, err := dynamodb.NewFromConfig(myCfg).ListTables(ctx, &dynamodb.ListTablesInput{})
			require.NoError(t, err)
			assert.Empty(t, tables.TableNames)
		})
	}
}

func TestEnsureS3NativeLockingMakesNoTable(t *testing.T) {
	m := testenv.SharedMoto(t)
	awsCfg := m.DefaultAWSConfig(t, "eu-west-1")
	cfg := testConfig(m, "eu-west-1")
	cfg.Locking = LockS3

	r, err := Ensure(context.Background(), awsCfg, cfg)
	require.NoError(t, err)
	assert.Equal(t, []string{"bucket " + testBucket + " in eu-west-1"}, r.Created)
	requireHardened(t, awsCfg, cfg)
	tables, err := dynamodb.NewFromConfig(awsCfg).ListTables(context.Background(), &dynamodb.ListTablesInput{})
	require.NoError(t, err)
	assert.Empty(t, tables.TableNames)
}

func TestEnsureRejectsTableWithWrongKey(t *testing.T) {
	m := testenv.SharedMoto(t)
	awsCfg := m.DefaultAWSConfig(t, "us-east-1")
	_, err := dynamodb.NewFromConfig(awsCfg).CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(testTable),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	})
	require.NoError(t, err)

	_, err = Ensure(context.Background(), awsCfg, testConfig(m, "us-east-1"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `table "devsecops-tflock" exists but its key is not "LockID"`)
}

// A pipeline whose create loses the race must carry on as if the resource
// had been there: these call the create step after another run created it.
func TestCreateRaceLosersSucceed(t *testing.T) {
	for _, region := range regions {
		t.Run(region, func(t *testing.T) {
			m := testenv.SharedMoto(t)
			awsCfg := m.DefaultAWSConfig(t, region)
			cfg := testConfig(m, region)
			_, err := Ensure(context.Background(), awsCfg, cfg)
			require.NoError(t, err)

			e := &ensurer{cfg: cfg, account: testenv.DefaultAccount, partition: "aws",
				s3: s3Client(awsCfg), ddb: dynamodb.NewFromConfig(awsCfg)}
			require.NoError(t, e.createTable(context.Background()), "ResourceInUseException is success")
			require.NoError(t, e.createBucket(context.Background()), "BucketAlreadyOwnedByYou (or us-east-1's 200) is success")
			assert.NotContains(t, e.report.Created, "table "+testTable+" in "+region)
			if region != "us-east-1" {
				assert.Empty(t, e.report.Created, "outside us-east-1 S3 says BucketAlreadyOwnedByYou")
			}
		})
	}
}
