package backend

import (
	"fmt"
	"strings"
)

// Report says what Ensure did, so a pipeline log shows whether the backend
// was touched. A second run against a converged backend reports no changes.
type Report struct {
	Account string   // AWS account the backend belongs to
	Created []string // resources created, e.g. "bucket devsecops-tfstate"
	Changed []string // settings changed on existing resources
	// Unverified lists settings Ensure could not read because the credentials
	// lack a read permission (it names the IAM action). Nothing was changed
	// for them: an administrator's run is needed to verify or fix them.
	Unverified []string
}

// NoChanges is true when Ensure neither created nor changed anything.
func (r Report) NoChanges() bool { return len(r.Created) == 0 && len(r.Changed) == 0 }

// String renders the report for a pipeline log.
func (r Report) String() string {
	var b strings.Builder
	if r.NoChanges() {
		fmt.Fprintf(&b, "backend: no changes (account %s)\n", r.Account)
	}
	for _, s := range r.Created {
		fmt.Fprintf(&b, "backend: created %s\n", s)
	}
	for _, s := range r.Changed {
		fmt.Fprintf(&b, "backend: changed %s\n", s)
	}
	for _, s := range r.Unverified {
		fmt.Fprintf(&b, "backend: WARNING not verified: %s\n", s)
	}
	return b.String()
}

func (r *Report) created(format string, a ...any) {
	r.Created = append(r.Created, fmt.Sprintf(format, a...))
}
func (r *Report) changed(format string, a ...any) {
	r.Changed = append(r.Changed, fmt.Sprintf(format, a...))
}
func (r *Report) unverified(format string, a ...any) {
	r.Unverified = append(r.Unverified, fmt.Sprintf(format, a...))
}
