package tfrunner

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAsLockError(t *testing.T) {
	plain := `exit status 1

Error: Error acquiring the state lock

Error message: operation error DynamoDB: PutItem, ConditionalCheckFailedException
Lock Info:
  ID:        0f1e2d3c
  Path:      bucket/env/terraform.tfstate
  Operation: OperationTypePlan
  Who:       alice@laptop
  Version:   1.8.5
  Created:   2025-01-02 03:04:05.06 +0000 UTC
  Info:      

Terraform acquires a state lock to protect the state from being written
by multiple users at the same time.`
	// The same text as Terraform prints it in colour mode, inside a box.
	boxed := "╷\n│ Error: Error acquiring the state lock\n│ \n│ Lock Info:\n│   ID:        0f1e2d3c\n│   Path:      bucket/env/terraform.tfstate\n│   Operation: OperationTypePlan\n│   Who:       alice@laptop\n│   Version:   1.8.5\n│   Created:   2025-01-02 03:04:05.06 +0000 UTC\n╵"

	for name, text := range map[string]string{"plain": plain, "boxed": boxed} {
		err := asLockError(errors.New(text))
		var le *LockedError
		require.True(t, errors.As(err, &le), name)
		assert.Equal(t, LockedError{ID: "0f1e2d3c", Path: "bucket/env/terraform.tfstate", Operation: "OperationTypePlan",
			Who: "alice@laptop", Version: "1.8.5", Created: "2025-01-02 03:04:05.06 +0000 UTC", Err: le.Err}, *le, name)
		assert.Contains(t, err.Error(), "state is locked by alice@laptop since 2025-01-02 03:04:05.06 +0000 UTC (lock ID 0f1e2d3c", name)
		assert.Contains(t, err.Error(), "terraform force-unlock 0f1e2d3c", name)
	}

	other := fmt.Errorf("exit status 1\nError: Invalid reference")
	assert.Same(t, other, asLockError(other), "other errors pass through")
	assert.NoError(t, asLockError(nil))
}
