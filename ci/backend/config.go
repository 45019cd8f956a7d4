// Package backend bootstraps the Terraform S3 state backend: a hardened state
// bucket and, unless S3-native locking is chosen, a DynamoDB lock table.
// Ensure is idempotent and safe to run from several pipelines at once.
package backend

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Locking modes for Config.Locking.
const (
	// LockDynamoDB locks state with a DynamoDB table (dynamodb_table). It works
	// with every Terraform version but is deprecated upstream since 1.11.
	LockDynamoDB = "dynamodb"
	// LockS3 locks state with a lock object next to the state (use_lockfile).
	// It needs Terraform >= 1.10 and no table.
	LockS3 = "s3"
)

// Config names the backend resources and how they are protected.
type Config struct {
	Bucket string
	Table  string // lock table; unused when Locking is LockS3
	Region string

	// Locking is LockDynamoDB (the default, for Terraform < 1.10) or LockS3.
	Locking string

	// KMSKeyID, if set, encrypts the bucket and the table with this customer
	// managed key instead of the AWS managed keys.
	KMSKeyID string

	// Endpoint and UsePathStyle are for S3-compatible stores and local
	// emulators: Endpoint overrides the AWS endpoints of S3, DynamoDB, STS and
	// IAM, both for Ensure and in BackendConfig.
	Endpoint     string
	UsePathStyle bool

	// WaitTimeout bounds the wait for the lock table to become ACTIVE.
	// Zero means 5 minutes.
	WaitTimeout time.Duration
}

func (c Config) locking() string {
	if c.Locking == "" {
		return LockDynamoDB
	}
	return c.Locking
}

func (c Config) waitTimeout() time.Duration {
	if c.WaitTimeout <= 0 {
		return 5 * time.Minute
	}
	return c.WaitTimeout
}

// S3 bucket naming rules (general purpose buckets), checked up front so a
// typo fails with a clear message instead of an opaque API error.
var (
	bucketNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	tableNameRe  = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)
	regionRe     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+$`)
)

// Validate reports the first problem with c, saying what to change.
func (c Config) Validate() error {
	if !bucketNameRe.MatchString(c.Bucket) || strings.Contains(c.Bucket, "..") {
		return fmt.Errorf("backend: bucket name %q is not a valid S3 bucket name: use 3-63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit", c.Bucket)
	}
	if !regionRe.MatchString(c.Region) {
		return fmt.Errorf("backend: region %q is not an AWS region name like us-east-1: set Region", c.Region)
	}
	switch c.locking() {
	case LockDynamoDB:
		if !tableNameRe.MatchString(c.Table) {
			return fmt.Errorf("backend: lock table name %q is not a valid DynamoDB table name: use 3-255 letters, digits, '_', '-' or '.', or set Locking to %q", c.Table, LockS3)
		}
	case LockS3:
	default:
		return fmt.Errorf("backend: unknown Locking %q: use %q or %q", c.Locking, LockDynamoDB, LockS3)
	}
	return nil
}
