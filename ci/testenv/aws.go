package testenv

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Dummy credentials: moto accepts any key while IAM is not enforced. They are
// never real ones, and config loading is told not to read the environment's.
const (
	DummyAccessKey = "AKIATESTTESTTESTTEST"
	DummySecretKey = "test-secret-key"
	// DefaultAccount is the account moto uses when nothing selects another.
	DefaultAccount = "123456789012"
)

// AWSConfig returns an SDK config for moto in region with the given static
// credentials. account, if not empty, selects a moto account through moto's
// x-moto-account-id header (moto's way to emulate several accounts).
func (m *Moto) AWSConfig(t testing.TB, region, accessKey, secretKey, account string) aws.Config {
	t.Helper()
	opts := []func(*config.LoadOptions) error{
		config.WithRegion(region),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		config.WithBaseEndpoint(m.URL),
		// Keep a developer's ~/.aws profile out of the tests.
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithEC2IMDSClientEnableState(imds.ClientDisabled),
	}
	if account != "" {
		opts = append(opts, config.WithAPIOptions([]func(*middleware.Stack) error{
			smithyhttp.AddHeaderValue("x-moto-account-id", account),
		}))
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatalf("aws config for moto: %v", err)
	}
	return cfg
}

// DefaultAWSConfig is AWSConfig with dummy credentials in moto's default account.
func (m *Moto) DefaultAWSConfig(t testing.TB, region string) aws.Config {
	return m.AWSConfig(t, region, DummyAccessKey, DummySecretKey, "")
}
