package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// ownerRetryDelays spaces the re-reads of the account's bucket list: the list
// is eventually consistent, so a bucket another pipeline created a moment ago
// may be missing from it at first.
var ownerRetryDelays = []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

func (e *ensurer) bucketRes() string { return fmt.Sprintf("bucket %s", e.cfg.Bucket) }

func (e *ensurer) ensureBucket(ctx context.Context) error {
	exists, err := e.probeBucket(ctx)
	if err != nil {
		return err
	}
	if exists {
		if err := e.confirmOwner(ctx); err != nil {
			return err
		}
	} else if err := e.createBucket(ctx); err != nil {
		return err
	}
	return e.converge(ctx, e.bucketRes(), e.bucketSettings())
}

// probeBucket tells whether the bucket exists and is ours. It lists zero keys
// rather than calling HeadBucket: the permission is the same (s3:ListBucket),
// but the error carries a code, and emulators map it to the right action.
// ExpectedBucketOwner makes S3 answer 403 for another account's bucket.
func (e *ensurer) probeBucket(ctx context.Context) (bool, error) {
	_, err := e.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:              aws.String(e.cfg.Bucket),
		MaxKeys:             aws.Int32(0),
		ExpectedBucketOwner: aws.String(e.account),
	})
	var nsb *types.NoSuchBucket
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &nsb) || apiCode(err) == "NoSuchBucket" || httpStatus(err) == 404:
		return false, nil
	case isWrongRegion(err):
		return false, e.wrongRegion(err)
	case isAccessDenied(err):
		return false, &BucketOwnerError{Bucket: e.cfg.Bucket, Account: e.account,
			How: "S3 denied access with ExpectedBucketOwner set to this account; if the bucket is yours, these credentials lack s3:ListBucket on it"}
	default:
		return false, fmt.Errorf("backend: checking state bucket %q: %w", e.cfg.Bucket, err)
	}
}

// confirmOwner checks the bucket is in this account's own bucket list. On AWS
// ExpectedBucketOwner already guarantees it; this also covers S3-compatible
// stores that ignore that header. Without s3:ListAllMyBuckets it trusts AWS.
func (e *ensurer) confirmOwner(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		found, err := e.inOwnBucketList(ctx)
		if err != nil {
			if isAccessDenied(err) {
				return nil
			}
			return fmt.Errorf("backend: listing this account's buckets to confirm it owns %q: %w", e.cfg.Bucket, err)
		}
		if found {
			return nil
		}
		if attempt >= len(ownerRetryDelays) {
			return &BucketOwnerError{Bucket: e.cfg.Bucket, Account: e.account,
				How: "the bucket answers but is not in this account's bucket list"}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(ownerRetryDelays[attempt]):
		}
	}
}

func (e *ensurer) inOwnBucketList(ctx context.Context) (bool, error) {
	p := s3.NewListBucketsPaginator(e.s3, &s3.ListBucketsInput{Prefix: aws.String(e.cfg.Bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		for _, b := range page.Buckets {
			if aws.ToString(b.Name) == e.cfg.Bucket {
				return true, nil
			}
		}
	}
	return false, nil
}

// createBucket creates the bucket with ACLs disabled from the start. A racing
// pipeline's create shows up as BucketAlreadyOwnedByYou (or, in us-east-1, as
// plain success): both mean the bucket is ours and we go on converging.
func (e *ensurer) createBucket(ctx context.Context) error {
	in := &s3.CreateBucketInput{
		Bucket:          aws.String(e.cfg.Bucket),
		ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced,
	}
	// us-east-1 is the default location and rejects an explicit constraint;
	// every other region requires one.
	if e.cfg.Region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(e.cfg.Region),
		}
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		_, err = e.s3.CreateBucket(ctx, in)
		// OperationAborted: a conflicting create of the same name is in flight.
		if !hasCode(err, "OperationAborted") {
			break
		}
		time.Sleep(time.Duration(attempt+1) * time.Second)
	}
	var owned *types.BucketAlreadyOwnedByYou
	var taken *types.BucketAlreadyExists
	switch {
	case err == nil:
		e.report.created("bucket %s in %s", e.cfg.Bucket, e.cfg.Region)
		return nil
	case errors.As(err, &owned) || apiCode(err) == "BucketAlreadyOwnedByYou":
		return nil
	case errors.As(err, &taken) || apiCode(err) == "BucketAlreadyExists":
		return &BucketOwnerError{Bucket: e.cfg.Bucket, Account: e.account, How: "CreateBucket answered BucketAlreadyExists"}
	case isAccessDenied(err):
		return &PermissionError{What: fmt.Sprintf("create state bucket %q (it does not exist)", e.cfg.Bucket), Action: "s3:CreateBucket", Err: err}
	case hasCode(err, "IllegalLocationConstraintException", "InvalidLocationConstraint"):
		return fmt.Errorf("backend: S3 refused to create bucket %q in region %q: check Region matches the endpoint: %w", e.cfg.Bucket, e.cfg.Region, err)
	default:
		return fmt.Errorf("backend: creating state bucket %q: %w", e.cfg.Bucket, err)
	}
}

// isWrongRegion recognises S3's answers to a request sent to the wrong region.
func isWrongRegion(err error) bool {
	return hasCode(err, "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException") ||
		httpStatus(err) == 301
}

func (e *ensurer) wrongRegion(err error) error {
	where := responseHeader(err, "X-Amz-Bucket-Region")
	if where == "" {
		where = "another region"
	}
	return fmt.Errorf("backend: state bucket %q is in %s, not %s: set Region to the bucket's region (the backend's region must match it): %w",
		e.cfg.Bucket, where, e.cfg.Region, err)
}

func (e *ensurer) bucketSettings() []setting {
	b := aws.String(e.cfg.Bucket)
	owner := aws.String(e.account)
	var currentPolicy string // read by the policy check, merged by its apply
	return []setting{
		{
			name: "versioning enabled", readAction: "s3:GetBucketVersioning", writeAction: "s3:PutBucketVersioning",
			check: func(ctx context.Context) (bool, error) {
				out, err := e.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: b, ExpectedBucketOwner: owner})
				return err == nil && out.Status == types.BucketVersioningStatusEnabled, err
			},
			apply: func(ctx context.Context) error {
				_, err := e.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: b, ExpectedBucketOwner: owner,
					VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
				return err
			},
		},
		{
			name: "default encryption " + e.sseName(), readAction: "s3:GetEncryptionConfiguration", writeAction: "s3:PutEncryptionConfiguration",
			check: func(ctx context.Context) (bool, error) {
				out, err := e.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: b, ExpectedBucketOwner: owner})
				if hasCode(err, "ServerSideEncryptionConfigurationNotFoundError") {
					return false, nil
				}
				if err != nil {
					return false, err
				}
				return e.encryptionOK(out.ServerSideEncryptionConfiguration), nil
			},
			apply: func(ctx context.Context) error {
				_, err := e.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: b, ExpectedBucketOwner: owner,
					ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{e.sseRule()}}})
				return err
			},
		},
		{
			name: "all public access blocked", readAction: "s3:GetBucketPublicAccessBlock", writeAction: "s3:PutBucketPublicAccessBlock",
			check: func(ctx context.Context) (bool, error) {
				out, err := e.s3.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: b, ExpectedBucketOwner: owner})
				if hasCode(err, "NoSuchPublicAccessBlockConfiguration") {
					return false, nil
				}
				if err != nil {
					return false, err
				}
				c := out.PublicAccessBlockConfiguration
				return c != nil && aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.IgnorePublicAcls) &&
					aws.ToBool(c.BlockPublicPolicy) && aws.ToBool(c.RestrictPublicBuckets), nil
			},
			apply: func(ctx context.Context) error {
				t := aws.Bool(true)
				_, err := e.s3.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, ExpectedBucketOwner: owner,
					PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{BlockPublicAcls: t, IgnorePublicAcls: t, BlockPublicPolicy: t, RestrictPublicBuckets: t}})
				return err
			},
		},
		{
			name: "policy denies non-TLS access", readAction: "s3:GetBucketPolicy", writeAction: "s3:PutBucketPolicy",
			check: func(ctx context.Context) (bool, error) {
				out, err := e.s3.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b, ExpectedBucketOwner: owner})
				if hasCode(err, "NoSuchBucketPolicy") {
					currentPolicy = ""
					return false, nil
				}
				if err != nil {
					return false, err
				}
				currentPolicy = aws.ToString(out.Policy)
				return hasTLSDeny(currentPolicy, e.bucketARN()), nil
			},
			apply: func(ctx context.Context) error {
				doc, err := withTLSDeny(currentPolicy, e.bucketARN())
				if err != nil {
					return fmt.Errorf("the current bucket policy is not valid JSON, fix or delete it: %w", err)
				}
				_, err = e.s3.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, ExpectedBucketOwner: owner, Policy: aws.String(doc)})
				return err
			},
		},
		{
			name: "object ownership BucketOwnerEnforced (ACLs disabled)", readAction: "s3:GetBucketOwnershipControls", writeAction: "s3:PutBucketOwnershipControls",
			check: func(ctx context.Context) (bool, error) {
				out, err := e.s3.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b, ExpectedBucketOwner: owner})
				if hasCode(err, "OwnershipControlsNotFoundError") {
					return false, nil
				}
				if err != nil {
					return false, err
				}
				oc := out.OwnershipControls
				return oc != nil && len(oc.Rules) == 1 && oc.Rules[0].ObjectOwnership == types.ObjectOwnershipBucketOwnerEnforced, nil
			},
			apply: func(ctx context.Context) error {
				_, err := e.s3.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, ExpectedBucketOwner: owner,
					OwnershipControls: &types.OwnershipControls{Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}}}})
				return err
			},
		},
	}
}

func (e *ensurer) bucketARN() string { return fmt.Sprintf("arn:%s:s3:::%s", e.partition, e.cfg.Bucket) }

func (e *ensurer) sseName() string {
	if e.cfg.KMSKeyID != "" {
		return "(aws:kms, " + e.cfg.KMSKeyID + ")"
	}
	return "(SSE-S3 or SSE-KMS)"
}

func (e *ensurer) sseRule() types.ServerSideEncryptionRule {
	if e.cfg.KMSKeyID != "" {
		return types.ServerSideEncryptionRule{
			ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(e.cfg.KMSKeyID)},
			BucketKeyEnabled:                   aws.Bool(true), // fewer KMS calls, lower cost
		}
	}
	return types.ServerSideEncryptionRule{
		ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256},
	}
}

// encryptionOK accepts any default encryption unless a KMS key is required,
// in which case the rule must use that key (by id, alias or ARN suffix).
func (e *ensurer) encryptionOK(c *types.ServerSideEncryptionConfiguration) bool {
	if c == nil {
		return false
	}
	for _, r := range c.Rules {
		d := r.ApplyServerSideEncryptionByDefault
		if d == nil || d.SSEAlgorithm == "" {
			continue
		}
		if e.cfg.KMSKeyID == "" {
			return true
		}
		key := aws.ToString(d.KMSMasterKeyID)
		if strings.HasPrefix(string(d.SSEAlgorithm), "aws:kms") && (key == e.cfg.KMSKeyID || strings.HasSuffix(key, "/"+e.cfg.KMSKeyID) || strings.HasSuffix(e.cfg.KMSKeyID, "/"+key)) {
			return true
		}
	}
	return false
}
