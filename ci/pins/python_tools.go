package pins

import (
	_ "embed"
	"strings"
)

// pythonTools is also read by scripts/wheelhouse, so the wheelhouse an
// air-gapped user builds always matches what the pipeline installs.
//
//go:embed python-tools.txt
var pythonTools string

// PythonTool returns the pinned requirement ("bandit==1.9.4") for a tool.
func PythonTool(name string) string {
	for _, line := range strings.Split(pythonTools, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, name+"==") {
			return line
		}
	}
	panic("pins: no pinned version of " + name + " in python-tools.txt")
}
