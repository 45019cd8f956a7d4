package release

import (
	"context"
	"fmt"
	"strings"

	"dagger/devsecops/internal/dagger"
)

// Images are the tool images the release needs.
type Images struct{ Cosign, Crane, Registry string }

// Options configure one release of a tested image.
type Options struct {
	Images Images
	Image  *dagger.Container
	SBOM   *dagger.File // CycloneDX JSON from the build stage
	// Version, Revision (git SHA) and SourceURL tag the image and fill the
	// provenance statement.
	Version, Revision, SourceURL string
	// Registry host (docker.io, ghcr.io, host:port). Empty: a registry
	// service inside the pipeline, so the whole path runs before anything
	// is configured.
	Registry   string
	Repository string // e.g. myuser/weather-app
	Creds      *Credentials
	Insecure   bool // plain-HTTP or self-signed external registry
	Signing    Signing
	// Material is the signing key or keyless secrets; empty: a throwaway key.
	Material SignMaterial
	// PublicKey verifies a key-based signature (derived from the key if nil).
	PublicKey *dagger.File
	// Identity for keyless verification.
	CertificateIdentityRegexp, CertificateOIDCIssuer string
}

// Result is a finished release.
type Result struct {
	DigestRef string
	Tags      []string
	// PublicKey verifies the signature (nil for keyless).
	PublicKey *dagger.File
	// Local is true when the release went to the in-pipeline registry.
	Local   bool
	Summary string
}

// Run publishes, signs, attests and verifies a tested image.
func Run(ctx context.Context, dag *dagger.Client, o Options) (*Result, error) {
	if o.Image == nil || o.SBOM == nil {
		return nil, fmt.Errorf("release: the tested image and its SBOM are required")
	}
	if o.Repository == "" {
		o.Repository = "devsecops/weather-app"
	}
	e, host, err := NewEnv(ctx, dag, o.Images, o.Registry, o.Creds, o.Insecure)
	if err != nil {
		return nil, err
	}
	repo := host + "/" + o.Repository
	tags := Tags(o.Version, o.Revision)
	digestRef, err := Publish(ctx, e, o.Image, repo, tags)
	if err != nil {
		return nil, err
	}
	mat, pub := o.Material, o.PublicKey
	throwaway := mat == (SignMaterial{})
	if throwaway {
		kp, err := GenerateKeyPair(ctx, e)
		if err != nil {
			return nil, err
		}
		mat, pub = SignMaterial{Key: kp.Private, Password: kp.Password}, kp.Public
	}
	s, err := mat.Settings(o.Signing)
	if err != nil {
		return nil, err
	}
	if !s.Keyless && pub == nil {
		if pub, err = PublicKey(ctx, e, mat); err != nil {
			return nil, err
		}
	}
	atts, err := Predicates(dag, o.SBOM, ProvenanceInput{SourceRepo: o.SourceURL, Revision: o.Revision, Version: o.Version})
	if err != nil {
		return nil, err
	}
	if err := SignAndAttest(ctx, e, s, mat, digestRef, atts); err != nil {
		return nil, err
	}
	req := VerifyRequest{Ref: digestRef, PublicKey: pub, Attestations: []string{SBOMType, ProvenanceType}}
	if s.Keyless {
		req.PublicKey = nil
		req.Identity = Identity{CertificateIdentityRegexp: o.CertificateIdentityRegexp, CertificateOIDCIssuer: orDefault(o.CertificateOIDCIssuer, GitHubActionsIssuer), RekorURL: s.RekorURL}
	} else {
		req.Identity = Identity{PublicKey: true, TransparencyLog: s.TransparencyLog, RekorURL: s.RekorURL}
	}
	summary, err := Verify(ctx, e, req)
	if err != nil {
		return nil, err
	}
	where := repo
	if o.Registry == "" {
		where += " (registry service inside the pipeline; set --registry-password to publish to Docker Hub)"
	}
	key := "key"
	if throwaway {
		key = "throwaway key generated for this run"
	} else if s.Keyless {
		key = "keyless (Fulcio certificate, Rekor entry)"
	}
	lines := []string{
		"published " + digestRef + " as " + strings.Join(tags, ", ") + " to " + where,
		"signed (" + key + ") and attested: " + SBOMType + ", " + ProvenanceType,
		summary,
	}
	return &Result{DigestRef: digestRef, Tags: tags, PublicKey: pub, Local: o.Registry == "", Summary: strings.Join(lines, "\n")}, nil
}

// NewEnv connects to registry, or starts the in-pipeline registry service
// when registry is empty. It returns the env and the registry host for refs.
func NewEnv(ctx context.Context, dag *dagger.Client, img Images, registry string, creds *Credentials, insecure bool) (Env, string, error) {
	e := Env{Dag: dag, CosignImage: img.Cosign, CraneImage: img.Crane, Conn: Conn{Insecure: insecure}}
	host := registry
	if registry == "" {
		svc, err := LocalRegistry(ctx, dag, img.Registry, creds)
		if err != nil {
			return e, "", err
		}
		e.Registry, e.RegistryHost, e.Conn.Insecure = svc, LocalRegistryHost, true
		host = fmt.Sprintf("%s:%d", LocalRegistryHost, LocalRegistryPort)
	} else if IsDockerHub(registry) {
		host = "docker.io"
		if creds == nil || creds.Password == nil {
			return e, "", fmt.Errorf("publishing to Docker Hub needs --registry-username and --registry-password=env:DOCKERHUB_TOKEN (an access token with read/write scope)")
		}
	}
	cfg, err := DockerConfig(ctx, dag, host, creds)
	if err != nil {
		return e, "", err
	}
	e.DockerConfig = cfg
	return e, host, nil
}

// Predicates are the SBOM and the provenance statement to attest.
func Predicates(dag *dagger.Client, sbom *dagger.File, p ProvenanceInput) ([]Attestation, error) {
	prov, err := Provenance(p)
	if err != nil {
		return nil, err
	}
	return []Attestation{
		{Type: SBOMType, Predicate: sbom},
		{Type: ProvenanceType, Predicate: dag.Directory().WithNewFile("provenance.json", string(prov)).File("provenance.json")},
	}, nil
}

// PublicKey derives the public key of a cosign private key.
func PublicKey(ctx context.Context, e Env, m SignMaterial) (*dagger.File, error) {
	out, err := m.mount(e.Dag.Container().From(e.CosignImage).WithUser("0:0").WithoutEntrypoint()).
		WithExec([]string{"cosign", "public-key", "--key=" + keyPath}).
		Stdout(ctx)
	if err != nil {
		return nil, fmt.Errorf("derive the public key from --cosign-key (is --cosign-password right?): %w", err)
	}
	return e.Dag.Directory().WithNewFile("cosign.pub", out).File("cosign.pub"), nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
