package backend

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Ensure makes the state bucket (and, with DynamoDB locking, the lock table)
// exist with the hardened settings, changing only what differs. awsCfg
// carries the credentials; its region is replaced by cfg.Region.
//
// Settings the credentials may not read are listed in Report.Unverified
// rather than failing, so a least-privilege deployer can run Ensure on every
// pipeline run; anything it would have to create or change but may not is an
// error (*PermissionError) naming the IAM action.
func Ensure(ctx context.Context, awsCfg aws.Config, cfg Config) (Report, error) {
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	awsCfg = awsCfg.Copy()
	awsCfg.Region = cfg.Region
	if cfg.Endpoint != "" {
		awsCfg.BaseEndpoint = aws.String(cfg.Endpoint)
	}

	id, err := sts.NewFromConfig(awsCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Report{}, fmt.Errorf("backend: cannot tell which AWS account these credentials belong to (sts:GetCallerIdentity failed): check the credentials and region: %w", err)
	}
	e := &ensurer{
		cfg:       cfg,
		account:   aws.ToString(id.Account),
		partition: partitionOf(aws.ToString(id.Arn)),
		s3:        s3.NewFromConfig(awsCfg, func(o *s3.Options) { o.UsePathStyle = cfg.UsePathStyle }),
		ddb:       dynamodb.NewFromConfig(awsCfg),
	}
	e.report.Account = e.account

	if err := e.ensureBucket(ctx); err != nil {
		return e.report, err
	}
	if cfg.locking() == LockDynamoDB {
		if err := e.ensureTable(ctx); err != nil {
			return e.report, err
		}
	}
	return e.report, nil
}

type ensurer struct {
	cfg       Config
	account   string
	partition string
	s3        *s3.Client
	ddb       *dynamodb.Client
	report    Report
}

// partitionOf reads the partition ("aws", "aws-cn", "aws-us-gov") from an ARN
// so policies written for the bucket name the right ARNs outside commercial AWS.
func partitionOf(arn string) string {
	parts := strings.SplitN(arn, ":", 3)
	if len(parts) >= 2 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// setting is one hardened property of a resource: check reads it, apply fixes it.
type setting struct {
	name        string // report text once applied, e.g. "versioning enabled"
	readAction  string // IAM action check needs
	writeAction string // IAM action apply needs
	check       func(context.Context) (bool, error)
	apply       func(context.Context) error
}

// converge applies each setting that check finds missing. A denied read is
// reported as unverified; a denied write is an error because the backend
// would stay unprotected.
func (e *ensurer) converge(ctx context.Context, resource string, settings []setting) error {
	for _, s := range settings {
		ok, err := s.check(ctx)
		if err != nil && isAccessDenied(err) {
			e.report.unverified("%s: %s (%s denied)", resource, s.name, s.readAction)
			continue
		}
		if err != nil {
			return fmt.Errorf("backend: reading %s: %s: %w", resource, s.name, err)
		}
		if ok {
			continue
		}
		if err := s.apply(ctx); err != nil {
			if isAccessDenied(err) {
				return &PermissionError{What: fmt.Sprintf("set %s: %s", resource, s.name), Action: s.writeAction, Err: err}
			}
			return fmt.Errorf("backend: setting %s: %s: %w", resource, s.name, err)
		}
		e.report.changed("%s: %s", resource, s.name)
	}
	return nil
}
