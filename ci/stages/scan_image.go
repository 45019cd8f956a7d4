package stages

import (
	"context"
	"fmt"

	"dagger/devsecops/ci/policy"
	"dagger/devsecops/ci/scanners"
	"dagger/devsecops/internal/dagger"
)

// ScanImageOptions are the inputs of the image scan.
type ScanImageOptions struct {
	Image      *dagger.Container // the built app image
	TrivyImage string
	Policy     *policy.Policy
	// DBRepository is an optional OCI repository holding Trivy's vulnerability
	// DB (e.g. registry:5000/trivy-db:2), for air-gapped mirrors.
	DBRepository string
	// DBRegistry, when set, is bound to the Trivy container under
	// DBRepository's host name, so the DB can come from a registry run as a
	// Dagger service (containers may have no other network).
	DBRegistry   *dagger.Service
	Insecure     bool // the DB registry speaks plain HTTP
	SkipDBUpdate bool // use the DB already in the cache volume
}

// ScanImage scans the image for OS and library vulnerabilities, secrets and
// misconfigurations with Trivy, and judges the findings with the policy.
func ScanImage(ctx context.Context, dag *dagger.Client, o ScanImageOptions) (*Gate, error) {
	if o.Image == nil {
		return nil, fmt.Errorf("scan-image: no image given")
	}
	if o.DBRegistry != nil && o.DBRepository == "" {
		return nil, fmt.Errorf("scan-image: a DB registry service was given without --db-repository; give the repository as <host>:<port>/<name>:<tag>, where <host> is the name to bind the service as")
	}
	if o.Policy == nil {
		p, err := policy.Parse(nil)
		if err != nil {
			return nil, err
		}
		o.Policy = p
	}
	return Judge(ctx, dag, "scan-image", o.Policy, []scanners.Scanner{
		scanners.TrivyImage{
			Dag: dag, Image: o.TrivyImage, Target: o.Image,
			IgnoreUnfixed: o.Policy.IgnoreUnfixed(),
			DBRepository:  o.DBRepository, DBRegistry: o.DBRegistry,
			Insecure: o.Insecure, SkipDBUpdate: o.SkipDBUpdate,
		},
	})
}
