package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// lockKey is the hash key Terraform's S3 backend writes lock items under.
const lockKey = "LockID"

func (e *ensurer) tableRes() string { return "table " + e.cfg.Table }

func (e *ensurer) ensureTable(ctx context.Context) error {
	_, err := e.ddb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(e.cfg.Table)})
	var nf *types.ResourceNotFoundException
	switch {
	case err == nil:
	case errors.As(err, &nf):
		if err := e.createTable(ctx); err != nil {
			return err
		}
	case isAccessDenied(err):
		return &PermissionError{What: fmt.Sprintf("read lock table %q", e.cfg.Table), Action: "dynamodb:DescribeTable", Err: err}
	default:
		return fmt.Errorf("backend: checking lock table %q: %w", e.cfg.Table, err)
	}

	desc, err := e.waitActive(ctx)
	if err != nil {
		return err
	}
	if !hasLockKey(desc) {
		return fmt.Errorf("backend: table %q exists but its key is not %q (string hash key only), so Terraform cannot lock with it: choose another Table name, or recreate that table", e.cfg.Table, lockKey)
	}
	return e.converge(ctx, e.tableRes(), e.tableSettings(desc))
}

// createTable creates the lock table on-demand and KMS-encrypted. A racing
// pipeline's create shows up as ResourceInUseException: the table is being
// made, so we wait for it like for our own.
func (e *ensurer) createTable(ctx context.Context) error {
	_, err := e.ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(e.cfg.Table),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(lockKey), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(lockKey), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		SSESpecification:     e.sseSpec(),
	})
	var inUse *types.ResourceInUseException
	switch {
	case err == nil:
		e.report.created("table %s in %s", e.cfg.Table, e.cfg.Region)
		return nil
	case errors.As(err, &inUse):
		return nil
	case isAccessDenied(err):
		return &PermissionError{What: fmt.Sprintf("create lock table %q (it does not exist)", e.cfg.Table), Action: "dynamodb:CreateTable", Err: err}
	default:
		return fmt.Errorf("backend: creating lock table %q: %w", e.cfg.Table, err)
	}
}

// waitActive waits, bounded by WaitTimeout, until the table accepts writes.
func (e *ensurer) waitActive(ctx context.Context) (*types.TableDescription, error) {
	w := dynamodb.NewTableExistsWaiter(e.ddb, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 10*time.Second
	})
	out, err := w.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(e.cfg.Table)}, e.cfg.waitTimeout())
	if err != nil {
		return nil, fmt.Errorf("backend: lock table %q did not become ACTIVE within %s: check it in the DynamoDB console, or raise WaitTimeout: %w", e.cfg.Table, e.cfg.waitTimeout(), err)
	}
	return out.Table, nil
}

func hasLockKey(d *types.TableDescription) bool {
	if len(d.KeySchema) != 1 || aws.ToString(d.KeySchema[0].AttributeName) != lockKey || d.KeySchema[0].KeyType != types.KeyTypeHash {
		return false
	}
	for _, a := range d.AttributeDefinitions {
		if aws.ToString(a.AttributeName) == lockKey {
			return a.AttributeType == types.ScalarAttributeTypeS
		}
	}
	return false
}

func (e *ensurer) sseSpec() *types.SSESpecification {
	s := &types.SSESpecification{Enabled: aws.Bool(true), SSEType: types.SSETypeKms}
	if e.cfg.KMSKeyID != "" {
		s.KMSMasterKeyId = aws.String(e.cfg.KMSKeyID)
	}
	return s
}

func (e *ensurer) tableSettings(desc *types.TableDescription) []setting {
	name := aws.String(e.cfg.Table)
	// update changes the table, then waits until it is ACTIVE again, because
	// DynamoDB refuses a second update while one is in progress.
	update := func(ctx context.Context, in *dynamodb.UpdateTableInput) error {
		if _, err := e.ddb.UpdateTable(ctx, in); err != nil {
			return err
		}
		d, err := e.waitActive(ctx)
		if err == nil {
			desc = d
		}
		return err
	}
	kms := "AWS managed key"
	if e.cfg.KMSKeyID != "" {
		kms = e.cfg.KMSKeyID
	}
	return []setting{
		{
			name: "on-demand billing", readAction: "dynamodb:DescribeTable", writeAction: "dynamodb:UpdateTable",
			check: func(context.Context) (bool, error) {
				return desc.BillingModeSummary != nil && desc.BillingModeSummary.BillingMode == types.BillingModePayPerRequest, nil
			},
			apply: func(ctx context.Context) error {
				return update(ctx, &dynamodb.UpdateTableInput{TableName: name, BillingMode: types.BillingModePayPerRequest})
			},
		},
		{
			name: "encryption with KMS (" + kms + ")", readAction: "dynamodb:DescribeTable", writeAction: "dynamodb:UpdateTable",
			check: func(context.Context) (bool, error) { return e.tableSSEOK(desc.SSEDescription), nil },
			apply: func(ctx context.Context) error {
				return update(ctx, &dynamodb.UpdateTableInput{TableName: name, SSESpecification: e.sseSpec()})
			},
		},
		{
			name: "point-in-time recovery", readAction: "dynamodb:DescribeContinuousBackups", writeAction: "dynamodb:UpdateContinuousBackups",
			check: func(ctx context.Context) (bool, error) {
				out, err := e.ddb.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: name})
				if err != nil {
					return false, err
				}
				c := out.ContinuousBackupsDescription
				return c != nil && c.PointInTimeRecoveryDescription != nil &&
					c.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus == types.PointInTimeRecoveryStatusEnabled, nil
			},
			apply: e.enablePITR,
		},
	}
}

// tableSSEOK: a table without SSEDescription uses an AWS owned key, which
// leaves no audit trail in the account; require a KMS key (ours if given).
func (e *ensurer) tableSSEOK(d *types.SSEDescription) bool {
	if d == nil || (d.Status != types.SSEStatusEnabled && d.Status != types.SSEStatusEnabling && d.Status != types.SSEStatusUpdating) {
		return false
	}
	if e.cfg.KMSKeyID == "" {
		return true
	}
	arn := aws.ToString(d.KMSMasterKeyArn)
	return arn == e.cfg.KMSKeyID || strings.HasSuffix(arn, "/"+e.cfg.KMSKeyID)
}

// enablePITR retries while DynamoDB is still preparing backups for a new
// table (ContinuousBackupsUnavailableException), bounded by WaitTimeout.
func (e *ensurer) enablePITR(ctx context.Context) error {
	deadline := time.Now().Add(e.cfg.waitTimeout())
	delay := time.Second
	for {
		_, err := e.ddb.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
			TableName:                        aws.String(e.cfg.Table),
			PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
		})
		var unavailable *types.ContinuousBackupsUnavailableException
		if err == nil || !errors.As(err, &unavailable) || time.Now().Add(delay).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}
