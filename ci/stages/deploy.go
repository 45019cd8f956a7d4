package stages

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"sort"
	"strings"

	"dagger/devsecops/ci/pins"
	"dagger/devsecops/internal/dagger"
)

// DeployOptions is one run of ci/cmd/deployer in its container. Only the
// Secret fields carry secrets; they reach the container as secret variables
// or a secret mount, never as arguments, files in a layer or cache keys.
type DeployOptions struct {
	// DeployerImage has terraform and deployer on PATH; empty builds it
	// from Source (golang + hashicorp/terraform pins).
	DeployerImage string
	Source        *dagger.Directory
	// TerraformDir is the configuration to deploy.
	TerraformDir *dagger.Directory

	Region string
	// Endpoint, for emulators (moto, LocalStack), is bound as host "aws".
	Endpoint *dagger.Service

	AccessKeyID, SecretAccessKey, SessionToken *dagger.Secret
	// Web identity (GitHub OIDC): a token file and the role to assume.
	WebIdentityToken *dagger.Secret
	RoleARN          string

	Bucket, Table, Locking, Key string
	// Vars are non-secret Terraform variables (digest, public key, names).
	Vars                   map[string]string
	PlanOnly, AllowDestroy bool
	CertificateName        string
	SmokeTimeout           string
}

// DeployResult is the deployer's output directory and log.
type DeployResult struct {
	// outputs.json (after apply), plan-summary.txt, smoke.txt, alb-certificate.pem.
	Files *dagger.Directory
	Log   string
}

const (
	deployOut         = "/out"
	deployTF          = "/work/terraform"
	pluginCache       = "/var/cache/terraform-plugins"
	webIdentityTokenF = "/run/secrets/aws-web-identity-token"
)

// Validate says what is missing before anything runs.
func (o DeployOptions) Validate() error {
	keys := o.AccessKeyID != nil || o.SecretAccessKey != nil
	switch {
	case o.Region == "":
		return fmt.Errorf("deploy: no AWS region: pass --aws-region")
	case keys && o.WebIdentityToken != nil:
		return fmt.Errorf("deploy: give either --aws-access-key-id/--aws-secret-access-key or --aws-web-identity-token with --aws-role-arn, not both")
	case keys && (o.AccessKeyID == nil || o.SecretAccessKey == nil):
		return fmt.Errorf("deploy: --aws-access-key-id and --aws-secret-access-key go together: pass both (e.g. env:AWS_ACCESS_KEY_ID, env:AWS_SECRET_ACCESS_KEY)")
	case o.WebIdentityToken != nil && o.RoleARN == "":
		return fmt.Errorf("deploy: --aws-web-identity-token needs --aws-role-arn, the role the token may assume")
	case !keys && o.WebIdentityToken == nil:
		return fmt.Errorf("deploy: no AWS credentials: pass --aws-access-key-id=env:AWS_ACCESS_KEY_ID --aws-secret-access-key=env:AWS_SECRET_ACCESS_KEY (and --aws-session-token), or --aws-web-identity-token with --aws-role-arn")
	}
	return nil
}

// DeployerImage builds ci/cmd/deployer into the pinned Terraform image.
func DeployerImage(dag *dagger.Client, source *dagger.Directory) *dagger.Container {
	src := dag.Directory().WithDirectory("/", source, dagger.DirectoryWithDirectoryOpts{
		Include: []string{"go.mod", "go.sum", "ci/**/*.go"},
		Exclude: []string{"ci/**/*_test.go"},
	})
	bin := dag.Container().From(pins.Golang).
		WithMountedCache("/go/pkg/mod", dag.CacheVolume("devsecops-go-mod")).
		WithMountedCache("/root/.cache/go-build", dag.CacheVolume("devsecops-go-build")).
		WithDirectory("/src", src).WithWorkdir("/src").
		WithEnvVariable("CGO_ENABLED", "0").
		WithExec([]string{"go", "build", "-trimpath", "-o", "/out/deployer", "./ci/cmd/deployer"}).
		File("/out/deployer")
	return dag.Container().From(pins.Terraform).WithFile("/usr/local/bin/deployer", bin)
}

// Deploy runs the deployer. A failed deployment is an error carrying the
// deployer's log (it names the failing step); the log holds no secret.
func Deploy(ctx context.Context, dag *dagger.Client, o DeployOptions) (*DeployResult, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var ctr *dagger.Container
	if o.DeployerImage != "" {
		ctr = dag.Container().From(o.DeployerImage)
	} else {
		ctr = DeployerImage(dag, o.Source)
	}
	ctr = ctr.WithoutEntrypoint().WithUser("0:0").
		WithMountedCache(pluginCache, dag.CacheVolume("devsecops-terraform-plugins")).
		WithEnvVariable("TF_PLUGIN_CACHE_DIR", pluginCache).
		WithEnvVariable("CHECKPOINT_DISABLE", "1").
		WithEnvVariable("AWS_REGION", o.Region).
		WithDirectory(deployTF, o.TerraformDir).
		// Every deploy talks to AWS: never answer from the cache.
		WithEnvVariable("DEVSECOPS_NONCE", nonce())

	args := []string{"deployer", "-region", o.Region, "-dir", deployTF, "-out", deployOut,
		"-lock-table", o.Table, "-locking", o.Locking, "-state-key", o.Key}
	if o.Bucket != "" {
		args = append(args, "-state-bucket", o.Bucket)
	}
	if o.Endpoint != nil {
		ep, err := o.Endpoint.Endpoint(ctx)
		if err != nil {
			return nil, fmt.Errorf("deploy: the AWS endpoint service has no endpoint: %w", err)
		}
		port := ep
		if _, p, err := net.SplitHostPort(strings.TrimPrefix(ep, "tcp://")); err == nil {
			port = p
		}
		ctr = ctr.WithServiceBinding("aws", o.Endpoint)
		args = append(args, "-endpoint", (&url.URL{Scheme: "http", Host: "aws:" + port}).String())
	}
	if o.AccessKeyID != nil {
		ctr = ctr.WithSecretVariable("AWS_ACCESS_KEY_ID", o.AccessKeyID).
			WithSecretVariable("AWS_SECRET_ACCESS_KEY", o.SecretAccessKey)
		if o.SessionToken != nil {
			ctr = ctr.WithSecretVariable("AWS_SESSION_TOKEN", o.SessionToken)
		}
	} else {
		ctr = ctr.WithMountedSecret(webIdentityTokenF, o.WebIdentityToken).
			WithEnvVariable("AWS_WEB_IDENTITY_TOKEN_FILE", webIdentityTokenF).
			WithEnvVariable("AWS_ROLE_ARN", o.RoleARN).
			WithEnvVariable("AWS_ROLE_SESSION_NAME", "devsecops-deploy")
	}
	names := make([]string, 0, len(o.Vars))
	for k := range o.Vars {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		args = append(args, "-var", k+"="+o.Vars[k])
	}
	if o.PlanOnly {
		args = append(args, "-plan-only")
	}
	if o.AllowDestroy {
		args = append(args, "-allow-destroy")
	}
	if o.CertificateName != "" {
		args = append(args, "-certificate-name", o.CertificateName)
	}
	if o.SmokeTimeout != "" {
		args = append(args, "-smoke-timeout", o.SmokeTimeout)
	}
	// Everything to stdout, in order, so the log reads like the run.
	run := ctr.WithExec(append([]string{"sh", "-c", `exec "$@" 2>&1`, "sh"}, args...), dagger.ContainerWithExecOpts{Expect: dagger.ReturnTypeAny})
	code, err := run.ExitCode(ctx)
	if err != nil {
		return nil, fmt.Errorf("deploy: the deployer did not run: %w", err)
	}
	log, _ := run.Stdout(ctx)
	res := &DeployResult{Files: run.Directory(deployOut), Log: log}
	if code != 0 {
		return res, fmt.Errorf("deploy failed (exit %d); the deployer's log:\n%s", code, tail(log, 6000))
	}
	return res, nil
}

func nonce() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
