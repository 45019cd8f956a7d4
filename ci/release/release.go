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

// Release is one release in progress; its steps run in order (the
// pipeline runs each as a stage).
type Release struct {
	dag       *dagger.Client
	o         Options
	env       Env
	repo      string
	tags      []string
	digestRef string
	mat       SignMaterial
	signing   Signing
	pub       *dagger.File
	throwaway bool
	verified  string
}

// New checks the options. Nothing runs yet.
func New(dag *dagger.Client, o Options) *Release {
	if o.Repository == "" {
		o.Repository = "devsecops/weather-app"
	}
	return &Release{dag: dag, o: o}
}

// Run publishes, signs, attests and verifies a tested image.
func Run(ctx context.Context, dag *dagger.Client, o Options) (*Result, error) {
	r := New(dag, o)
	for _, step := range []func(context.Context) (string, error){r.Publish, r.Sign, r.Verify} {
		if _, err := step(ctx); err != nil {
			return nil, err
		}
	}
	return r.Result(), nil
}

// Publish pushes the image (to the in-pipeline registry without a
// registry) and returns a note for the pipeline table.
func (r *Release) Publish(ctx context.Context) (string, error) {
	if r.o.Image == nil {
		return "", fmt.Errorf("release: no tested image to publish")
	}
	if r.o.Registry != "" {
		if err := RequireWriteCreds(r.o.Registry, r.o.Creds); err != nil {
			return "", err
		}
	}
	e, host, err := NewEnv(ctx, r.dag, r.o.Images, r.o.Registry, r.o.Creds, r.o.Insecure)
	if err != nil {
		return "", err
	}
	r.env, r.repo, r.tags = e, host+"/"+r.o.Repository, Tags(r.o.Version, r.o.Revision)
	if r.digestRef, err = Publish(ctx, e, r.o.Image, r.repo, r.tags); err != nil {
		return "", err
	}
	note := r.digestRef
	if r.o.Registry == "" {
		note += " (registry service inside the pipeline: set --registry-password to publish to Docker Hub)"
	}
	return note, nil
}

// Sign signs the pushed digest and attests the SBOM and provenance to it,
// with a throwaway key when no signing material was given.
func (r *Release) Sign(ctx context.Context) (string, error) {
	if r.digestRef == "" {
		return "", fmt.Errorf("release: sign before publish")
	}
	if r.o.SBOM == nil {
		return "", fmt.Errorf("release: no SBOM to attest")
	}
	r.mat, r.pub = r.o.Material, r.o.PublicKey
	if r.mat == (SignMaterial{}) {
		kp, err := GenerateKeyPair(ctx, r.env)
		if err != nil {
			return "", err
		}
		r.mat, r.pub, r.throwaway = SignMaterial{Key: kp.Private, Password: kp.Password}, kp.Public, true
	}
	s, err := r.mat.Settings(r.o.Signing)
	if err != nil {
		return "", err
	}
	r.signing = s
	if !s.Keyless && r.pub == nil {
		if r.pub, err = PublicKey(ctx, r.env, r.mat); err != nil {
			return "", err
		}
	}
	atts, err := Predicates(r.dag, r.o.SBOM, ProvenanceInput{SourceRepo: r.o.SourceURL, Revision: r.o.Revision, Version: r.o.Version})
	if err != nil {
		return "", err
	}
	if err := SignAndAttest(ctx, r.env, s, r.mat, r.digestRef, atts); err != nil {
		return "", err
	}
	how := "key"
	switch {
	case r.throwaway:
		how = "throwaway key made for this run: set --cosign-key to sign with yours"
	case s.Keyless:
		how = "keyless: Fulcio certificate, Rekor entry"
	}
	return fmt.Sprintf("signed (%s); attested %s, %s", how, SBOMType, ProvenanceType), nil
}

// Verify checks the signature and both attestations, as deploy will.
func (r *Release) Verify(ctx context.Context) (string, error) {
	if r.mat == (SignMaterial{}) {
		return "", fmt.Errorf("release: verify before sign")
	}
	req := VerifyRequest{Ref: r.digestRef, PublicKey: r.pub, Attestations: []string{SBOMType, ProvenanceType}}
	if r.signing.Keyless {
		if r.o.CertificateIdentityRegexp == "" {
			return "", fmt.Errorf("keyless verification needs --certificate-identity-regexp, e.g. ^https://github.com/OWNER/REPO/")
		}
		req.PublicKey = nil
		req.Identity = Identity{CertificateIdentityRegexp: r.o.CertificateIdentityRegexp,
			CertificateOIDCIssuer: orDefault(r.o.CertificateOIDCIssuer, GitHubActionsIssuer), RekorURL: r.signing.RekorURL}
	} else {
		req.Identity = Identity{PublicKey: true, TransparencyLog: r.signing.TransparencyLog, RekorURL: r.signing.RekorURL}
	}
	var err error
	r.verified, err = Verify(ctx, r.env, req)
	return r.verified, err
}

// Result is what the finished steps produced.
func (r *Release) Result() *Result {
	return &Result{DigestRef: r.digestRef, Tags: r.tags, PublicKey: r.pub, Local: r.o.Registry == "", Summary: r.verified}
}

// Reports are the release's files for the pipeline report: the digest and
// tags, the public key and the provenance statement.
func (r *Release) Reports() *dagger.Directory {
	d := r.dag.Directory()
	if r.digestRef != "" {
		d = d.WithNewFile("release/published.txt", r.digestRef+"\ntags: "+strings.Join(r.tags, ", ")+"\n")
	}
	if r.pub != nil {
		d = d.WithFile("release/cosign.pub", r.pub)
	}
	if prov, err := Provenance(ProvenanceInput{SourceRepo: r.o.SourceURL, Revision: r.o.Revision, Version: r.o.Version}); err == nil {
		d = d.WithNewFile("release/provenance.json", string(prov)+"\n")
	}
	return d
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
	}
	cfg, err := DockerConfig(ctx, dag, host, creds)
	if err != nil {
		return e, "", err
	}
	e.DockerConfig = cfg
	return e, host, nil
}

// RequireWriteCreds fails early when pushing to Docker Hub without a login
// (reading and verifying public images needs none).
func RequireWriteCreds(registry string, creds *Credentials) error {
	if IsDockerHub(registry) && (creds == nil || creds.Password == nil) {
		return fmt.Errorf("pushing to Docker Hub needs --registry-username and --registry-password=env:DOCKERHUB_TOKEN (an access token with read/write scope)")
	}
	return nil
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
