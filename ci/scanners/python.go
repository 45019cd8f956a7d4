package scanners

import (
	"dagger/devsecops/ci/pins"
	"dagger/devsecops/internal/dagger"
)

// Python describes how Python tools get installed: from the index, or from a
// wheelhouse directory for air-gapped machines (containers there have no network).
type Python struct {
	Image      string
	Wheelhouse *dagger.Directory // optional
}

// ToolContainer is a container with the pinned Python packages installed in
// their own virtualenv at /opt/<venv>, on PATH.
func (p Python) ToolContainer(dag *dagger.Client, venv string, packages ...string) *dagger.Container {
	ctr := dag.Container().From(p.Image).
		WithMountedCache("/root/.cache/pip", dag.CacheVolume("devsecops-pip"))
	install := []string{"/opt/" + venv + "/bin/pip", "install", "--disable-pip-version-check", "--quiet"}
	if p.Wheelhouse != nil {
		ctr = ctr.WithMountedDirectory("/wheels", p.Wheelhouse)
		install = append(install, "--no-index", "--find-links=/wheels")
	}
	for _, pkg := range packages {
		install = append(install, pins.PythonTool(pkg))
	}
	return ctr.
		WithExec([]string{"python3", "-m", "venv", "/opt/" + venv}).
		WithExec(install).
		WithEnvVariable("PATH", "/opt/"+venv+"/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").
		WithEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
}
