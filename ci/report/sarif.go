package report

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"sort"

	"github.com/owenrumney/go-sarif/v2/sarif"

	"dagger/devsecops/ci/findings"
	"dagger/devsecops/ci/policy"
)

// toolURIs let code scanning link each run to its tool's documentation.
var toolURIs = map[string]string{
	"bandit":    "https://bandit.readthedocs.io/",
	"gitleaks":  "https://github.com/gitleaks/gitleaks",
	"trivy":     "https://trivy.dev/",
	"safety":    "https://docs.safetycli.com/",
	"pip-audit": "https://github.com/pypa/pip-audit",
}

// SARIF renders findings.sarif: one run per tool (also for tools with no
// findings, so code scanning closes alerts they no longer raise). Allowlisted
// findings carry a SARIF suppression with the policy's reason.
func SARIF(v policy.Verdict) ([]byte, error) {
	doc, err := sarif.New(sarif.Version210)
	if err != nil {
		return nil, err
	}
	byTool := map[string][]findings.Finding{}
	for _, t := range v.Tools {
		byTool[t] = nil
	}
	for _, f := range v.Findings {
		byTool[f.Tool] = append(byTool[f.Tool], f)
	}
	tools := make([]string, 0, len(byTool))
	for t := range byTool {
		tools = append(tools, t)
	}
	sort.Strings(tools)
	for _, tool := range tools {
		uri := toolURIs[tool]
		if uri == "" {
			uri = "https://example.invalid/" + tool
		}
		run := sarif.NewRunWithInformationURI(tool, uri)
		run.Results = []*sarif.Result{}
		for _, f := range byTool[tool] {
			run.AddRule(f.Rule).WithShortDescription(sarif.NewMultiformatMessageString(f.Rule))
			res := run.CreateResultForRule(f.Rule).
				WithLevel(level(f.Severity)).
				WithMessage(sarif.NewTextMessage(f.Severity.String() + ": " + f.Message))
			phys := sarif.NewPhysicalLocation().WithArtifactLocation(sarif.NewSimpleArtifactLocation(f.File))
			if f.Line > 0 {
				phys = phys.WithRegion(sarif.NewSimpleRegion(f.Line, f.Line))
			}
			loc := sarif.NewLocationWithPhysicalLocation(phys)
			res.AddLocation(loc)
			res.WithPartialFingerPrints(map[string]interface{}{"devsecops/v1": f.Fingerprint})
			if f.Suppressed != "" {
				// go-sarif writes unset location/guid as null, which the schema
				// rejects, so both are always filled.
				res.AddSuppression(sarif.NewSuppression("external").WithStatus("accepted").
					WithJustifcation(f.Suppressed).WithLocation(loc).WithGuid(guidOf(f.Fingerprint)))
			}
		}
		doc.AddRun(run)
	}
	var buf bytes.Buffer
	if err := doc.PrettyWrite(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func level(s findings.Severity) string {
	switch {
	case s >= findings.High:
		return "error"
	case s == findings.Medium:
		return "warning"
	default:
		return "note"
	}
}

// guidOf derives a stable name-based (version 5 layout) GUID from a fingerprint.
func guidOf(fingerprint string) string {
	h := sha1.Sum([]byte(fingerprint))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}
