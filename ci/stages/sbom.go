package stages

import (
	"context"
	"fmt"

	"dagger/devsecops/ci/scanners"
	"dagger/devsecops/internal/dagger"
)

// SBOMPath is the file name of the SBOM in the Trivy container and in exports.
const SBOMPath = "sbom.cdx.json"

// SBOM writes a CycloneDX JSON SBOM of the image (OS packages and Python
// libraries) with Trivy. It needs no vulnerability DB, so it works offline.
func SBOM(ctx context.Context, dag *dagger.Client, image *dagger.Container, trivyImage string) (*dagger.File, error) {
	if image == nil {
		return nil, fmt.Errorf("sbom: no image given")
	}
	ctr := dag.Container().From(trivyImage).
		WithUser("root").
		WithoutEntrypoint().
		WithMountedFile("/image.tar", image.AsTarball()).
		WithMountedCache("/root/.cache/trivy", dag.CacheVolume(scanners.TrivyCacheVolume)).
		WithExec([]string{
			"trivy", "image", "--quiet", "--cache-dir", "/root/.cache/trivy",
			"--input", "/image.tar", "--format", "cyclonedx", "--output", "/tmp/" + SBOMPath,
		})
	f := ctr.File("/tmp/" + SBOMPath)
	if _, err := f.Sync(ctx); err != nil {
		return nil, fmt.Errorf("sbom: trivy could not write the SBOM: %w", err)
	}
	return f, nil
}
