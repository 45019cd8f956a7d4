package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"dagger/devsecops/ci/smoke"
)

// ensureCertificate returns the PEM of the IAM server certificate the ALB
// presents, uploading a new self-signed one when none exists under the name.
// Its private key goes from memory to IAM only: never to a file, a log or
// Terraform. The returned PEM is public and pins the smoke test.
func ensureCertificate(ctx context.Context, cfg aws.Config, o Options) ([]byte, string, error) {
	c := iam.NewFromConfig(cfg)
	got, err := c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String(o.CertificateName)})
	if err == nil {
		return []byte(aws.ToString(got.ServerCertificate.CertificateBody)), "certificate: " + o.CertificateName + " exists, reused (to rotate, deploy with a new -certificate-name)", nil
	}
	var nf *types.NoSuchEntityException
	if !errors.As(err, &nf) {
		return nil, "", fmt.Errorf("iam:GetServerCertificate %s failed (the deployer policy allows devsecops-* names): %w", o.CertificateName, err)
	}
	certPEM, keyPEM, err := smoke.SelfSigned(o.CertificateHost, 365*24*time.Hour)
	if err != nil {
		return nil, "", err
	}
	_, err = c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String(o.CertificateName),
		CertificateBody:       aws.String(string(certPEM)),
		PrivateKey:            aws.String(string(keyPEM)),
	})
	if err != nil {
		return nil, "", fmt.Errorf("iam:UploadServerCertificate %s failed: %w", o.CertificateName, err)
	}
	return certPEM, "certificate: uploaded a new self-signed certificate as " + o.CertificateName + " for " + o.CertificateHost, nil
}
