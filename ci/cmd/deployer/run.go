package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"dagger/devsecops/ci/backend"
	"dagger/devsecops/ci/smoke"
	"dagger/devsecops/ci/tfrunner"
)

// Options is one deployment; main fills it from flags.
type Options struct {
	Region, Endpoint                 string
	Bucket, Table, Locking, Key      string
	Dir, Out, TerraformVersion       string
	Vars                             map[string]string
	PlanOnly, AllowDestroy           bool
	CertificateName, CertificateHost string
	SmokeTimeout, SmokeInterval      time.Duration
	// AWS, when set, replaces the SDK's default credential chain (tests).
	AWS *aws.Config
}

// Files written to Options.Out.
const (
	OutputsFile = "outputs.json"
	SummaryFile = "plan-summary.txt"
	SmokeFile   = "smoke.txt"
	CertFile    = "alb-certificate.pem" // public certificate only, for pinning
	tfvarsFile  = "deploy.auto.tfvars.json"
)

// Run deploys as described in the package comment, logging each step to log.
// The error names the step that failed.
func Run(ctx context.Context, o Options, log io.Writer) error {
	if o.Region == "" {
		return fmt.Errorf("no AWS region: pass -region or set AWS_REGION")
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return fmt.Errorf("creating the output directory: %w", err)
	}
	step := func(s string) { fmt.Fprintf(log, "==> %s\n", s) }

	awsCfg, err := loadAWS(ctx, o)
	if err != nil {
		return err
	}
	if o.Bucket == "" {
		id, err := sts.NewFromConfig(awsCfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return fmt.Errorf("credentials: sts:GetCallerIdentity failed, check the AWS credentials and region: %w", err)
		}
		o.Bucket = "devsecops-tfstate-" + aws.ToString(id.Account)
	}
	emulator := o.Endpoint != ""
	bcfg := backend.Config{Bucket: o.Bucket, Table: o.Table, Region: o.Region, Locking: o.Locking,
		Endpoint: o.Endpoint, UsePathStyle: emulator}

	step("backend: bucket " + o.Bucket + ", key " + o.Key)
	rep, err := backend.Ensure(ctx, awsCfg, bcfg)
	if err != nil {
		return fmt.Errorf("backend bootstrap: %w", err)
	}
	io.WriteString(log, rep.String())
	if err := allowPlainHTTP(ctx, awsCfg, o); err != nil {
		return err
	}

	vars := map[string]string{}
	for k, v := range o.Vars {
		vars[k] = v
	}
	if o.CertificateName != "" {
		step("certificate: " + o.CertificateName)
		pem, note, err := ensureCertificate(ctx, awsCfg, o)
		if err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
		fmt.Fprintln(log, note)
		if err := os.WriteFile(filepath.Join(o.Out, CertFile), pem, 0o644); err != nil {
			return err
		}
		vars["server_certificate_name"] = o.CertificateName
	}
	// Non-secret variables only (digest, public key, names): a tfvars file
	// Terraform loads by itself, written into the working copy.
	js, _ := json.MarshalIndent(vars, "", "  ")
	if err := os.WriteFile(filepath.Join(o.Dir, tfvarsFile), js, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", tfvarsFile, err)
	}

	bin, err := tfrunner.Find(ctx, o.TerraformVersion, tfrunner.FindOptions{})
	if err != nil {
		return err
	}
	env := map[string]string{"CHECKPOINT_DISABLE": "1"}
	r, err := tfrunner.New(o.Dir, bin, tfrunner.Options{Env: env, Stdout: log, Stderr: log})
	if err != nil {
		return err
	}
	// show -json and output -json print whole documents: not for the log.
	quiet, err := tfrunner.New(o.Dir, bin, tfrunner.Options{Env: env, Stderr: log})
	if err != nil {
		return err
	}
	bc := backend.BackendConfig(bcfg, o.Key)
	if emulator {
		// An emulator has no real account or region list to check against.
		for _, k := range []string{"skip_credentials_validation", "skip_requesting_account_id", "skip_metadata_api_check", "skip_region_validation"} {
			bc[k] = "true"
		}
	}
	step("terraform init")
	if err := r.Init(ctx, bc); err != nil {
		return err
	}
	step("terraform validate")
	if err := r.Validate(ctx); err != nil {
		return err
	}
	step("terraform plan")
	planDir, err := os.MkdirTemp("", "deployer-plan-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(planDir)
	planFile := filepath.Join(planDir, "tfplan")
	changes, err := r.Plan(ctx, planFile)
	if err != nil {
		return err
	}
	plan, err := quiet.ShowPlan(ctx, planFile)
	if err != nil {
		return err
	}
	sum, checkErr := tfrunner.CheckPlan(plan, tfrunner.Policy{AllowDestroy: o.AllowDestroy, BackendBucket: o.Bucket, BackendTable: o.Table})
	text := sum.Text()
	if !changes {
		text = "No changes.\n" + text
	}
	io.WriteString(log, text)
	if err := os.WriteFile(filepath.Join(o.Out, SummaryFile), []byte(text), 0o644); err != nil {
		return err
	}
	if checkErr != nil {
		return checkErr
	}
	if o.PlanOnly {
		step("plan only: nothing applied")
		return writeSmoke(o, "skipped: plan only\n")
	}
	if changes {
		step("terraform apply")
		if err := r.Apply(ctx, planFile); err != nil {
			return err
		}
	} else {
		step("nothing to apply")
	}
	outs, err := quiet.Outputs(ctx)
	if err != nil {
		return err
	}
	values := map[string]json.RawMessage{}
	for k, v := range outs {
		if v.Sensitive {
			values[k] = json.RawMessage(`"(sensitive)"`)
		} else {
			values[k] = v.Value
		}
	}
	ojs, _ := json.MarshalIndent(values, "", "  ")
	if err := os.WriteFile(filepath.Join(o.Out, OutputsFile), append(ojs, '\n'), 0o644); err != nil {
		return err
	}
	return smokeTest(ctx, o, values, log)
}

// smokeTest checks https://<alb_dns_name> with the pinned certificate, when
// the configuration has an ALB and a certificate was managed.
func smokeTest(ctx context.Context, o Options, outs map[string]json.RawMessage, log io.Writer) error {
	var dns string
	if raw, ok := outs["alb_dns_name"]; ok {
		_ = json.Unmarshal(raw, &dns)
	}
	if dns == "" || o.CertificateName == "" {
		return writeSmoke(o, "skipped: the configuration has no alb_dns_name output or no certificate was managed\n")
	}
	want := o.Vars["app_version"]
	pem, err := os.ReadFile(filepath.Join(o.Out, CertFile))
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "==> smoke test: https://%s/healthz and /version = %s (certificate pinned)\n", dns, want)
	interval := o.SmokeInterval
	if interval <= 0 {
		interval = 10 * time.Second
	}
	if err := smoke.Check(ctx, "https://"+dns, pem, want, o.SmokeTimeout, interval); err != nil {
		// The app instance is created before the old one is destroyed, and
		// the ALB only routes to instances passing /healthz, so a new one that
		// never became healthy leaves the previous one serving until the fix.
		_ = writeSmoke(o, "FAILED: "+err.Error()+"\n")
		return err
	}
	return writeSmoke(o, fmt.Sprintf("passed: https://%s/healthz ok, /version %s\n", dns, want))
}

func writeSmoke(o Options, s string) error {
	return os.WriteFile(filepath.Join(o.Out, SmokeFile), []byte(s), 0o644)
}

func loadAWS(ctx context.Context, o Options) (aws.Config, error) {
	var cfg aws.Config
	if o.AWS != nil {
		cfg = o.AWS.Copy()
	} else {
		var err error
		if cfg, err = config.LoadDefaultConfig(ctx, config.WithRegion(o.Region)); err != nil {
			return cfg, fmt.Errorf("credentials: loading the AWS configuration: %w", err)
		}
	}
	cfg.Region = o.Region
	if o.Endpoint != "" {
		cfg.BaseEndpoint = aws.String(o.Endpoint)
	}
	return cfg, nil
}

// allowPlainHTTP: an emulator reached over plain HTTP (moto, LocalStack)
// would rightly refuse every state request under the bucket's TLS-only
// statement, so that bucket policy is removed there. Never on AWS: only
// with an http:// endpoint.
func allowPlainHTTP(ctx context.Context, cfg aws.Config, o Options) error {
	u, err := url.Parse(o.Endpoint)
	if o.Endpoint == "" || err != nil || u.Scheme != "http" {
		return nil
	}
	_, err = s3.NewFromConfig(cfg, func(so *s3.Options) { so.UsePathStyle = true }).
		DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: aws.String(o.Bucket)})
	if err != nil {
		return fmt.Errorf("backend: removing the TLS-only bucket policy for the plain-HTTP emulator at %s: %w", o.Endpoint, err)
	}
	return nil
}
