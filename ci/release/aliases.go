package release

import "dagger/devsecops/ci/release/cosign"

// The pure parts live in package cosign (unit-tested without an engine).
type (
	Signing         = cosign.Signing
	Conn            = cosign.Conn
	Identity        = cosign.Identity
	VerifyError     = cosign.VerifyError
	FailureKind     = cosign.FailureKind
	ProvenanceInput = cosign.ProvenanceInput
)

const (
	SBOMType            = cosign.SBOMType
	ProvenanceType      = cosign.ProvenanceType
	GitHubActionsIssuer = cosign.GitHubActionsIssuer
	Unsigned            = cosign.Unsigned
	WrongKey            = cosign.WrongKey
	Retagged            = cosign.Retagged
	OtherFailed         = cosign.OtherFailed

	keyPath           = cosign.KeyPath
	pubKeyPath        = cosign.PubKeyPath
	identityTokenPath = cosign.IdentityTokenPath
	predicateDir      = cosign.PredicateDir
)

var (
	SignArgs              = cosign.SignArgs
	AttestArgs            = cosign.AttestArgs
	VerifyArgs            = cosign.VerifyArgs
	VerifyAttestationArgs = cosign.VerifyAttestationArgs
	Classify              = cosign.Classify
	Provenance            = cosign.Provenance
	DockerConfigJSON      = cosign.DockerConfigJSON
	IsDockerHub           = cosign.IsDockerHub
	Tags                  = cosign.Tags
	SplitDigestRef        = cosign.SplitDigestRef
	Repository            = cosign.Repository
	parseDigestRef        = cosign.ParseDigestRef
	KeylessSecretEnv      = cosign.KeylessSecretEnv
)
