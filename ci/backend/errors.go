package backend

import (
	"errors"
	"fmt"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// BucketOwnerError means the bucket name is taken by another AWS account.
// Bucket names are global, so the only fix is another name.
type BucketOwnerError struct {
	Bucket  string
	Account string // the caller's account
	How     string // what showed it, for debugging
}

func (e *BucketOwnerError) Error() string {
	return fmt.Sprintf("state bucket %q exists but belongs to another AWS account: choose another bucket name (S3 bucket names are global; these credentials are for account %s; %s)",
		e.Bucket, e.Account, e.How)
}

// PermissionError means the credentials may not do a step the backend needs.
type PermissionError struct {
	What   string // what Ensure was doing, e.g. `create state bucket "x"`
	Action string // IAM action that was denied
	Err    error
}

func (e *PermissionError) Error() string {
	return fmt.Sprintf("backend: cannot %s: %s was denied for these credentials: run the bootstrap once with administrator credentials, or grant %s (%v)",
		e.What, e.Action, e.Action, e.Err)
}

func (e *PermissionError) Unwrap() error { return e.Err }

// apiCode returns the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// httpStatus returns the HTTP status of a failed AWS call, or 0.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// responseHeader returns a header of a failed AWS call's response, or "".
func responseHeader(err error, name string) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get(name)
	}
	return ""
}

// isAccessDenied covers S3's and DynamoDB's spellings and bare 403s (HEAD
// responses and some emulators carry no error code).
func isAccessDenied(err error) bool {
	switch apiCode(err) {
	case "AccessDenied", "AccessDeniedException", "Forbidden", "AllAccessDisabled":
		return true
	}
	return httpStatus(err) == 403
}

func hasCode(err error, codes ...string) bool {
	c := apiCode(err)
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}
