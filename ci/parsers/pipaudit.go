package parsers

import (
	"strings"

	"dagger/devsecops/ci/findings"
)

const PipAuditTool = "pip-audit"

type pipAuditReport struct {
	Dependencies *[]struct {
		Name       string `json:"name"`
		Version    string `json:"version"`
		SkipReason string `json:"skip_reason"`
		Vulns      []struct {
			ID          string   `json:"id"`
			FixVersions []string `json:"fix_versions"`
			Aliases     []string `json:"aliases"`
			Description string   `json:"description"`
		} `json:"vulns"`
	} `json:"dependencies"`
}

// PipAudit parses `pip-audit -f json`. pip-audit exits 0 and says "No known
// vulnerabilities found" when it could not reach its advisory service and
// skipped every package; a skipped package is reported as an error here, so
// an unreachable advisory source fails the gate instead of passing silently.
// Its report carries no severity, so every advisory counts as high.
func PipAudit(data []byte, requirementsFile string) ([]findings.Finding, error) {
	var r pipAuditReport
	if err := decode(PipAuditTool, data, &r); err != nil {
		return nil, err
	}
	if r.Dependencies == nil {
		return nil, missing(PipAuditTool, "dependencies")
	}
	var out []findings.Finding
	var skipped []string
	for _, d := range *r.Dependencies {
		if d.SkipReason != "" {
			skipped = append(skipped, d.Name+": "+d.SkipReason)
			continue
		}
		for _, v := range d.Vulns {
			fix := "no fixed version"
			if len(v.FixVersions) > 0 {
				fix = "fixed in " + strings.Join(v.FixVersions, ", ")
			}
			out = append(out, findings.Finding{
				Tool: PipAuditTool, Rule: v.ID, Severity: findings.High, File: requirementsFile,
				Message:     d.Name + " " + d.Version + ": " + firstNonEmpty(v.Description, strings.Join(v.Aliases, ", ")) + " (" + fix + ")",
				Fingerprint: findings.Fingerprint(PipAuditTool, v.ID, requirementsFile, d.Name+"@"+d.Version),
			})
		}
	}
	if len(skipped) > 0 {
		return out, findings.Errorf(PipAuditTool, "could not audit %d of %d dependencies, is the advisory service reachable? (use --advisory-db for an offline Safety DB): %s",
			len(skipped), len(*r.Dependencies), strings.Join(skipped, "; "))
	}
	if out == nil {
		out = []findings.Finding{}
	}
	return out, nil
}
