package parsers

import (
	"fmt"
	"strings"

	"dagger/devsecops/ci/findings"
)

const TrivyTool = "trivy"

type trivyReport struct {
	SchemaVersion int `json:"SchemaVersion"`
	Results       *[]struct {
		Target            string `json:"Target"`
		Class             string `json:"Class"`
		Misconfigurations []struct {
			ID            string `json:"ID"`
			AVDID         string `json:"AVDID"`
			Title         string `json:"Title"`
			Message       string `json:"Message"`
			Resolution    string `json:"Resolution"`
			Severity      string `json:"Severity"`
			Status        string `json:"Status"`
			CauseMetadata struct {
				Resource  string `json:"Resource"`
				StartLine int    `json:"StartLine"`
			} `json:"CauseMetadata"`
		} `json:"Misconfigurations"`
		Vulnerabilities []struct {
			VulnerabilityID  string `json:"VulnerabilityID"`
			PkgName          string `json:"PkgName"`
			PkgPath          string `json:"PkgPath"`
			InstalledVersion string `json:"InstalledVersion"`
			FixedVersion     string `json:"FixedVersion"`
			Severity         string `json:"Severity"`
			Title            string `json:"Title"`
		} `json:"Vulnerabilities"`
		Secrets []struct {
			RuleID    string `json:"RuleID"`
			Title     string `json:"Title"`
			Severity  string `json:"Severity"`
			StartLine int    `json:"StartLine"`
			Match     string `json:"Match"`
		} `json:"Secrets"`
	} `json:"Results"`
}

// Trivy parses `trivy config|fs|image --format json`: misconfigurations,
// vulnerabilities and secrets all become findings of tool "trivy". A report
// with no Results key at all is valid (Trivy omits it when nothing was
// scannable), but SchemaVersion must be there.
func Trivy(data []byte) ([]findings.Finding, error) {
	var r trivyReport
	if err := decode(TrivyTool, data, &r); err != nil {
		return nil, err
	}
	if r.SchemaVersion == 0 {
		return nil, missing(TrivyTool, "SchemaVersion")
	}
	if r.Results == nil {
		return []findings.Finding{}, nil
	}
	var out []findings.Finding
	for _, res := range *r.Results {
		for _, m := range res.Misconfigurations {
			if m.Status == "PASS" {
				continue
			}
			sev, err := findings.ParseSeverity(m.Severity)
			if err != nil {
				return nil, findings.Errorf(TrivyTool, "%s in %s: %v", m.ID, res.Target, err)
			}
			// Trivy 0.74 dropped the "AVD-" prefix; older releases still print it.
			// One spelling keeps allowlist entries valid across versions.
			rule := strings.TrimPrefix(firstNonEmpty(m.ID, m.AVDID), "AVD-")
			msg := m.Title
			if m.Message != "" {
				msg += ": " + m.Message
			}
			out = append(out, findings.Finding{
				Tool: TrivyTool, Rule: rule, Severity: sev, File: res.Target,
				Line: m.CauseMetadata.StartLine, Message: msg,
				Fingerprint: findings.Fingerprint(TrivyTool, rule, res.Target, m.CauseMetadata.Resource+"\x00"+m.Message),
			})
		}
		for _, v := range res.Vulnerabilities {
			sev, err := findings.ParseSeverity(v.Severity)
			if err != nil {
				return nil, findings.Errorf(TrivyTool, "%s in %s: %v", v.VulnerabilityID, res.Target, err)
			}
			fix := "no fixed version yet"
			if v.FixedVersion != "" {
				fix = "fixed in " + v.FixedVersion
			}
			file := firstNonEmpty(v.PkgPath, res.Target)
			out = append(out, findings.Finding{
				Tool: TrivyTool, Rule: v.VulnerabilityID, Severity: sev, File: file,
				Message:     fmt.Sprintf("%s %s: %s (%s)", v.PkgName, v.InstalledVersion, firstNonEmpty(v.Title, v.VulnerabilityID), fix),
				Fingerprint: findings.Fingerprint(TrivyTool, v.VulnerabilityID, file, v.PkgName+"@"+v.InstalledVersion),
			})
		}
		for _, s := range res.Secrets {
			sev, err := findings.ParseSeverity(s.Severity)
			if err != nil {
				return nil, findings.Errorf(TrivyTool, "%s in %s: %v", s.RuleID, res.Target, err)
			}
			out = append(out, findings.Finding{
				Tool: TrivyTool, Rule: s.RuleID, Severity: sev, File: res.Target, Line: s.StartLine,
				Message:     "secret: " + s.Title,
				Fingerprint: findings.Fingerprint(TrivyTool, s.RuleID, res.Target, s.Match),
			})
		}
	}
	if out == nil {
		out = []findings.Finding{}
	}
	return out, nil
}
