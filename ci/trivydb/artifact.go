package trivydb

import (
	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of Trivy's DB artifact (as in ghcr.io/aquasecurity/trivy-db:2).
const (
	ConfigMediaType = "application/vnd.aquasec.trivy.config.v1+json"
	LayerMediaType  = "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"
)

// Artifact wraps db.tar.gz into the OCI artifact Trivy downloads: one layer
// whose title annotation names the file Trivy unpacks.
func Artifact(dbTarGz []byte) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, ConfigMediaType)
	return mutate.Append(img, mutate.Addendum{
		Layer:       static.NewLayer(dbTarGz, LayerMediaType),
		Annotations: map[string]string{"org.opencontainers.image.title": "db.tar.gz"},
	})
}
