package tfrunner

import (
	"fmt"
	"slices"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// DefaultStateful lists resource types whose destruction loses data or
// identity that a re-create cannot bring back.
var DefaultStateful = []string{
	"aws_s3_bucket",
	"aws_dynamodb_table",
	"aws_db_instance",
	"aws_rds_cluster",
	"aws_ebs_volume",
	"aws_efs_file_system",
	"aws_kms_key",
	"aws_secretsmanager_secret",
	"aws_iam_server_certificate",
	"aws_acm_certificate",
	"aws_eip", // a public IP cannot be got back once released
}

// Policy decides which plans may be applied.
type Policy struct {
	// AllowDestroy lets the plan destroy or replace stateful resources.
	AllowDestroy bool
	// Stateful are the protected resource types; nil means DefaultStateful.
	// Add "terraform_data" to exercise the check without a cloud provider.
	Stateful []string
	// BackendBucket and BackendTable name the state backend: a plan touching
	// them destructively is refused even with AllowDestroy, since it would
	// take the state (or its lock) with it. AllowBackendDestroy overrides.
	BackendBucket, BackendTable string
	AllowBackendDestroy         bool
}

// Change is one resource action in a plan.
type Change struct {
	Address, Type string
	Action        string // create, update, replace, destroy, read, forget
	Refused       string // why the policy refuses it, or ""
}

// Summary counts a plan's actions and lists them.
type Summary struct {
	Creates, Updates, Replaces, Destroys int
	Changes                              []Change
}

// Refused lists the changes the policy refused.
func (s Summary) Refused() []Change {
	var out []Change
	for _, c := range s.Changes {
		if c.Refused != "" {
			out = append(out, c)
		}
	}
	return out
}

var symbols = map[string]string{"create": "+", "update": "~", "replace": "-/+", "destroy": "-", "read": "<=", "forget": "."}

// Text is the human summary: one line per resource action, then the counts.
func (s Summary) Text() string {
	var b strings.Builder
	for _, c := range s.Changes {
		fmt.Fprintf(&b, "%s %s %s", symbols[c.Action], c.Action, c.Address)
		if c.Refused != "" {
			fmt.Fprintf(&b, "   REFUSED: %s", c.Refused)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "Plan: %d to create, %d to update, %d to replace, %d to destroy.\n", s.Creates, s.Updates, s.Replaces, s.Destroys)
	return b.String()
}

// CheckPlan summarises plan and refuses it (returning the summary and an
// error naming each refused resource) if it destroys or replaces a stateful
// resource without AllowDestroy, or the state backend itself.
func CheckPlan(plan *tfjson.Plan, p Policy) (Summary, error) {
	var s Summary
	if plan == nil {
		return s, fmt.Errorf("tfrunner: no plan to check")
	}
	stateful := p.Stateful
	if stateful == nil {
		stateful = DefaultStateful
	}
	for _, rc := range plan.ResourceChanges {
		if rc.Change == nil {
			continue
		}
		a := rc.Change.Actions
		c := Change{Address: rc.Address, Type: rc.Type}
		switch {
		case a.NoOp():
			continue
		case a.Replace():
			c.Action, s.Replaces = "replace", s.Replaces+1
		case a.Create():
			c.Action, s.Creates = "create", s.Creates+1
		case a.Update():
			c.Action, s.Updates = "update", s.Updates+1
		case a.Delete():
			c.Action, s.Destroys = "destroy", s.Destroys+1
		case a.Read():
			c.Action = "read"
		case a.Forget():
			c.Action = "forget" // leaves the real resource alone
		default:
			c.Action = fmt.Sprint(a)
		}
		if c.Action == "replace" || c.Action == "destroy" {
			switch {
			case isBackend(rc, p) && !p.AllowBackendDestroy:
				c.Refused = "it is the Terraform state backend"
			case slices.Contains(stateful, rc.Type) && !p.AllowDestroy:
				c.Refused = "stateful resource type " + rc.Type
			}
		}
		s.Changes = append(s.Changes, c)
	}
	refused := s.Refused()
	if len(refused) == 0 {
		return s, nil
	}
	names := make([]string, len(refused))
	for i, c := range refused {
		names[i] = fmt.Sprintf("%s (%s: %s)", c.Address, c.Action, c.Refused)
	}
	return s, fmt.Errorf("tfrunner: plan refused, it would destroy %s: if that is intended, re-run with destroy allowed (Policy.AllowDestroy; for the backend, AllowBackendDestroy), otherwise fix the configuration",
		strings.Join(names, ", "))
}

// isBackend recognises the state bucket or lock table, and resources
// attached to the bucket (policy, versioning, ...), by their prior values.
func isBackend(rc *tfjson.ResourceChange, p Policy) bool {
	before, _ := rc.Change.Before.(map[string]any)
	str := func(k string) string { s, _ := before[k].(string); return s }
	if p.BackendBucket != "" && strings.HasPrefix(rc.Type, "aws_s3_bucket") &&
		(str("bucket") == p.BackendBucket || (rc.Type == "aws_s3_bucket" && str("id") == p.BackendBucket)) {
		return true
	}
	return p.BackendTable != "" && rc.Type == "aws_dynamodb_table" && str("name") == p.BackendTable
}
