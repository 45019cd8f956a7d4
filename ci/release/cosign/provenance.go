package cosign

import (
	"encoding/json"
	"fmt"
	"strings"
)

// BuilderID identifies this pipeline as the builder in provenance.
const BuilderID = "dagger/devsecops"

// BuildType names how the image is built (app/Dockerfile by this module).
const BuildType = "https://github.com/dagger/dagger/devsecops/build@v1"

// ProvenanceInput is what the provenance statement records.
type ProvenanceInput struct {
	SourceRepo string // e.g. https://github.com/org/repo
	Revision   string // git commit SHA
	Version    string // the app version released
	Invocation string // e.g. the GitHub Actions run URL; optional
}

// Provenance is a SLSA v1 provenance predicate (cosign --type
// slsaprovenance1): where the image came from and who built it. cosign wraps
// it in an in-toto statement whose subject is the signed digest.
func Provenance(in ProvenanceInput) ([]byte, error) {
	if strings.TrimSpace(in.Revision) == "" {
		return nil, fmt.Errorf("provenance: no source revision: pass --revision (the git SHA being released)")
	}
	source := in.SourceRepo
	if source == "" {
		source = "unknown"
	}
	dep := map[string]any{"uri": "git+" + source + "@" + in.Revision}
	if isHexSHA(in.Revision) {
		dep["digest"] = map[string]string{"gitCommit": in.Revision}
	}
	run := map[string]any{"builder": map[string]any{"id": BuilderID}}
	if in.Invocation != "" {
		run["metadata"] = map[string]any{"invocationId": in.Invocation}
	}
	return json.MarshalIndent(map[string]any{
		"buildDefinition": map[string]any{
			"buildType": BuildType,
			"externalParameters": map[string]any{
				"source":   map[string]string{"repository": source, "revision": in.Revision},
				"version":  in.Version,
				"workflow": "dagger call pipeline",
			},
			"resolvedDependencies": []any{dep},
		},
		"runDetails": run,
	}, "", "  ")
}

func isHexSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
