package parsers

import (
	"dagger/devsecops/ci/findings"
)

const SafetyTool = "safety"

type safetyReport struct {
	Meta *struct {
		PackagesFound int `json:"packages_found"`
	} `json:"report_meta"`
	Vulnerabilities *[]struct {
		ID             string `json:"vulnerability_id"`
		Package        string `json:"package_name"`
		Version        string `json:"analyzed_version"`
		VulnerableSpec string `json:"vulnerable_spec"`
		Advisory       string `json:"advisory"`
		CVE            string `json:"CVE"`
		Severity       *struct {
			CVSSv3 *struct {
				BaseSeverity string `json:"base_severity"`
			} `json:"cvssv3"`
		} `json:"severity"`
	} `json:"vulnerabilities"`
}

// Safety parses `safety check --output json` (Safety 2.x report format).
// The free advisory DB carries no severity: such advisories count as high,
// because an unrated known vulnerability is not a reason to ship.
func Safety(data []byte, requirementsFile string) ([]findings.Finding, error) {
	var r safetyReport
	if err := decode(SafetyTool, data, &r); err != nil {
		return nil, err
	}
	if r.Meta == nil {
		return nil, missing(SafetyTool, "report_meta")
	}
	if r.Vulnerabilities == nil {
		return nil, missing(SafetyTool, "vulnerabilities")
	}
	if r.Meta.PackagesFound == 0 {
		return nil, findings.Errorf(SafetyTool, "found no packages in %s: nothing was audited", requirementsFile)
	}
	out := make([]findings.Finding, 0, len(*r.Vulnerabilities))
	for _, v := range *r.Vulnerabilities {
		sev := findings.High
		if v.Severity != nil && v.Severity.CVSSv3 != nil {
			parsed, err := findings.ParseSeverity(v.Severity.CVSSv3.BaseSeverity)
			if err != nil {
				return nil, findings.Errorf(SafetyTool, "advisory %s: %v", v.ID, err)
			}
			sev = parsed
		}
		rule := firstNonEmpty(v.CVE, "pyup-"+v.ID)
		out = append(out, findings.Finding{
			Tool: SafetyTool, Rule: rule, Severity: sev, File: requirementsFile,
			Message:     v.Package + " " + v.Version + " (" + v.VulnerableSpec + "): " + v.Advisory,
			Fingerprint: findings.Fingerprint(SafetyTool, rule, requirementsFile, v.Package+"@"+v.Version),
		})
	}
	return out, nil
}
