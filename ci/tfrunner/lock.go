package tfrunner

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// LockedError means the state lock was still held when the bounded wait
// (Options.LockTimeout) ran out. Fields come from Terraform's "Lock Info".
type LockedError struct {
	ID, Path, Operation, Who, Version, Created string
	Err                                        error // Terraform's own error
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("state is locked by %s since %s (lock ID %s, operation %s, path %s): wait for that run or, if it died, run terraform force-unlock %s",
		orUnknown(e.Who), orUnknown(e.Created), orUnknown(e.ID), orUnknown(e.Operation), orUnknown(e.Path), e.ID)
}

func (e *LockedError) Unwrap() error { return e.Err }

func orUnknown(s string) string {
	if s == "" {
		return "<unknown>"
	}
	return s
}

var lockFieldRe = regexp.MustCompile(`(?m)^[\s│]*(ID|Path|Operation|Who|Version|Created):[ \t]*(.*?)\s*$`)

// asLockError turns Terraform's "Error acquiring the state lock" output
// (carried in terraform-exec's error text) into a *LockedError; other errors
// pass through unchanged.
func asLockError(err error) error {
	if err == nil || !strings.Contains(err.Error(), "Error acquiring the state lock") {
		return err
	}
	var le *LockedError
	if errors.As(err, &le) {
		return err
	}
	text := err.Error()
	if i := strings.Index(text, "Lock Info:"); i >= 0 {
		text = text[i:]
	}
	fields := map[string]string{}
	for _, m := range lockFieldRe.FindAllStringSubmatch(text, -1) {
		if _, seen := fields[m[1]]; !seen { // the first block is the lock's
			fields[m[1]] = m[2]
		}
	}
	le = &LockedError{Err: err, ID: fields["ID"], Path: fields["Path"], Operation: fields["Operation"],
		Who: fields["Who"], Version: fields["Version"], Created: fields["Created"]}
	return le
}
