// Command deployer is the deploy stage's program, run inside the deployer
// image (Terraform + this binary): it bootstraps the state backend, uploads
// the ALB's self-signed certificate, plans, checks and applies the Terraform
// configuration, and smoke-tests the result. It reads AWS credentials only
// from the standard AWS environment (AWS_ACCESS_KEY_ID, ..., or
// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN), never from flags, so they
// never appear in a command line or a log.
//
//	deployer -region eu-west-3 -dir terraform -out /out -var image=... -var app_version=1.2.0 \
//	  -certificate-name devsecops-alb-1 [-plan-only] [-allow-destroy]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	var o Options
	var vars multiFlag
	flag.StringVar(&o.Region, "region", firstEnv("AWS_REGION", "AWS_DEFAULT_REGION"), "AWS region (default $AWS_REGION)")
	flag.StringVar(&o.Endpoint, "endpoint", os.Getenv("AWS_ENDPOINT_URL"), "AWS endpoint for every service, for emulators such as moto (default $AWS_ENDPOINT_URL)")
	flag.StringVar(&o.Bucket, "state-bucket", "", "state bucket (default devsecops-tfstate-<account id>)")
	flag.StringVar(&o.Table, "lock-table", "devsecops-tflock", "DynamoDB lock table (dynamodb locking)")
	flag.StringVar(&o.Locking, "locking", "dynamodb", "state locking: dynamodb, or s3 (Terraform >= 1.10)")
	flag.StringVar(&o.Key, "state-key", "devsecops/terraform.tfstate", "state object key (the deployer policy allows devsecops/*)")
	flag.StringVar(&o.Dir, "dir", "terraform", "Terraform configuration directory")
	flag.StringVar(&o.Out, "out", "out", "directory for outputs.json, plan-summary.txt, smoke.txt")
	flag.StringVar(&o.TerraformVersion, "terraform-version", "1.8.5", "exact Terraform version to use (found on PATH)")
	flag.Var(&vars, "var", "name=value Terraform variable (repeatable; never secrets)")
	flag.BoolVar(&o.PlanOnly, "plan-only", false, "plan and check the plan, do not apply")
	flag.BoolVar(&o.AllowDestroy, "allow-destroy", false, "allow a plan that destroys or replaces stateful resources")
	flag.StringVar(&o.CertificateName, "certificate-name", "", "IAM server certificate for the ALB: uploaded (self-signed) when absent, and passed as server_certificate_name; empty: none (configurations without that variable)")
	flag.StringVar(&o.CertificateHost, "certificate-host", "app.devsecops.internal", "name in the self-signed certificate, checked by the smoke test")
	flag.DurationVar(&o.SmokeTimeout, "smoke-timeout", 10*time.Minute, "how long the smoke test waits for the new version")
	flag.Parse()
	o.Vars = vars

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "deploy failed:", err)
		os.Exit(1)
	}
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// multiFlag collects repeated -var name=value flags.
type multiFlag map[string]string

func (m *multiFlag) String() string { return "" }
func (m *multiFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want name=value, got %q", s)
	}
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
	return nil
}
