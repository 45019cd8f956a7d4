package tfrunner

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

// DefaultLockTimeout is how long a command waits for a held state lock.
const DefaultLockTimeout = 30 * time.Second

// Options tune a Runner.
type Options struct {
	// Env is added to the inherited environment of every Terraform run
	// (credentials, TF_CLI_CONFIG_FILE, ...). terraform-exec manages TF_LOG,
	// TF_INPUT, TF_IN_AUTOMATION, TF_CLI_ARGS* and TF_VAR_* itself, so those
	// are rejected.
	Env map[string]string
	// LockTimeout bounds the wait for a state lock held by another run;
	// zero means DefaultLockTimeout.
	LockTimeout time.Duration
	// Stdout and Stderr receive Terraform's human output (e.g. the job log).
	Stdout, Stderr io.Writer
}

// Runner runs one Terraform binary in one configuration directory.
type Runner struct {
	Dir  string
	tf   *tfexec.Terraform
	opts Options
}

// New prepares a Runner for the configuration in dir with the Terraform at
// execPath (see Find).
func New(dir, execPath string, opts Options) (*Runner, error) {
	tf, err := tfexec.NewTerraform(dir, execPath)
	if err != nil {
		return nil, fmt.Errorf("tfrunner: %w", err)
	}
	if bad := tfexec.ProhibitedEnv(opts.Env); len(bad) > 0 {
		sort.Strings(bad)
		return nil, fmt.Errorf("tfrunner: Options.Env sets %s, which terraform-exec controls: remove them (pass variables with -var files instead of TF_VAR_*)", strings.Join(bad, ", "))
	}
	if len(opts.Env) > 0 {
		env := map[string]string{}
		for _, kv := range os.Environ() {
			if k, v, ok := strings.Cut(kv, "="); ok {
				env[k] = v
			}
		}
		for k, v := range opts.Env {
			env[k] = v
		}
		if err := tf.SetEnv(tfexec.CleanEnv(env)); err != nil {
			return nil, fmt.Errorf("tfrunner: %w", err)
		}
	}
	tf.SetStdout(opts.Stdout)
	tf.SetStderr(opts.Stderr)
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = DefaultLockTimeout
	}
	return &Runner{Dir: dir, tf: tf, opts: opts}, nil
}

func (r *Runner) lockTimeout() string { return r.opts.LockTimeout.String() }

// Init initialises the working directory against the backend. backendConfig
// holds name=value settings (see backend.BackendConfig); files are extra
// -backend-config files (.tfbackend/.hcl).
func (r *Runner) Init(ctx context.Context, backendConfig map[string]string, files ...string) error {
	if backendConfig["use_lockfile"] == "true" {
		if err := r.requireVersion(ctx, "1.10.0", "S3-native locking (use_lockfile)"); err != nil {
			return err
		}
	}
	opts := []tfexec.InitOption{tfexec.Upgrade(false)}
	keys := make([]string, 0, len(backendConfig))
	for k := range backendConfig {
		keys = append(keys, k)
	}
	sort.Strings(keys) // stable command lines in logs
	for _, k := range keys {
		opts = append(opts, tfexec.BackendConfig(k+"="+backendConfig[k]))
	}
	for _, f := range files {
		opts = append(opts, tfexec.BackendConfig(f))
	}
	if err := r.tf.Init(ctx, opts...); err != nil {
		return fmt.Errorf("tfrunner: terraform init in %s failed: check the backend settings and credentials: %w", r.Dir, err)
	}
	return nil
}

func (r *Runner) requireVersion(ctx context.Context, min, feature string) error {
	v, _, err := r.tf.Version(ctx, true)
	if err != nil {
		return fmt.Errorf("tfrunner: reading the Terraform version: %w", err)
	}
	if v.LessThan(version.Must(version.NewVersion(min))) {
		return fmt.Errorf("tfrunner: %s needs Terraform >= %s, this one is %s: pin a newer Terraform or use DynamoDB locking", feature, min, v)
	}
	return nil
}

// Validate fails with Terraform's diagnostics if the configuration is invalid.
func (r *Runner) Validate(ctx context.Context) error {
	out, err := r.tf.Validate(ctx)
	if err != nil {
		return fmt.Errorf("tfrunner: terraform validate: %w", err)
	}
	if out.Valid {
		return nil
	}
	var b strings.Builder
	for _, d := range out.Diagnostics {
		fmt.Fprintf(&b, "\n  %s: %s", d.Severity, d.Summary)
		if d.Range != nil {
			fmt.Fprintf(&b, " (%s:%d)", d.Range.Filename, d.Range.Start.Line)
		}
		if d.Detail != "" {
			fmt.Fprintf(&b, ": %s", d.Detail)
		}
	}
	return fmt.Errorf("tfrunner: the configuration in %s is invalid: fix these and re-run:%s", r.Dir, b.String())
}

// Plan writes a plan to planFile and reports whether it changes anything.
func (r *Runner) Plan(ctx context.Context, planFile string) (bool, error) {
	changes, err := r.tf.Plan(ctx, tfexec.Out(planFile), tfexec.LockTimeout(r.lockTimeout()))
	if err != nil {
		return false, wrap("plan", asLockError(err))
	}
	return changes, nil
}

// ShowPlan reads a saved plan as JSON, for CheckPlan.
func (r *Runner) ShowPlan(ctx context.Context, planFile string) (*tfjson.Plan, error) {
	p, err := r.tf.ShowPlanFile(ctx, planFile)
	if err != nil {
		return nil, wrap("show", err)
	}
	return p, nil
}

// Apply applies exactly the saved plan, never a fresh one: what was checked
// is what runs. Terraform refuses a plan whose state has moved on since.
func (r *Runner) Apply(ctx context.Context, planFile string) error {
	return wrap("apply", asLockError(r.tf.Apply(ctx, tfexec.DirOrPlan(planFile), tfexec.LockTimeout(r.lockTimeout()))))
}

// Outputs returns the root module's outputs from the state.
func (r *Runner) Outputs(ctx context.Context) (map[string]tfexec.OutputMeta, error) {
	out, err := r.tf.Output(ctx)
	if err != nil {
		return nil, wrap("output", err)
	}
	return out, nil
}

// PlanAndApply plans to planFile, checks the plan against policy, writes the
// summary to log, and applies that plan if it is allowed and changes anything.
func (r *Runner) PlanAndApply(ctx context.Context, planFile string, policy Policy, log io.Writer) (Summary, error) {
	changes, err := r.Plan(ctx, planFile)
	if err != nil {
		return Summary{}, err
	}
	plan, err := r.ShowPlan(ctx, planFile)
	if err != nil {
		return Summary{}, err
	}
	sum, err := CheckPlan(plan, policy)
	if log != nil {
		io.WriteString(log, sum.Text())
	}
	if err != nil || !changes {
		return sum, err
	}
	return sum, r.Apply(ctx, planFile)
}

func wrap(cmd string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*LockedError); ok {
		return fmt.Errorf("tfrunner: terraform %s: %w", cmd, err)
	}
	return fmt.Errorf("tfrunner: terraform %s failed: %w", cmd, err)
}
