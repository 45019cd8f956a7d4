package stages

import (
	"context"
	"regexp"
	"strings"

	"dagger/devsecops/internal/dagger"
)

// BuildOptions are the inputs of the app image build.
type BuildOptions struct {
	Source      *dagger.Directory // the repository
	Wheelhouse  *dagger.Directory // optional: offline pip installs
	PythonImage string            // base of both Dockerfile stages
	Revision    string            // git revision for the OCI label
	SourceURL   string
}

// Build builds app/Dockerfile. The version comes from app/VERSION, so the
// image label and /version always agree.
func Build(ctx context.Context, dag *dagger.Client, o BuildOptions) (*dagger.Container, error) {
	appDir := o.Source.Directory("app")
	version, err := appDir.File("VERSION").Contents(ctx)
	if err != nil {
		return nil, err
	}
	if o.Wheelhouse != nil {
		appDir = appDir.WithDirectory("wheels", o.Wheelhouse)
	}
	// A "# syntax=" directive makes BuildKit pull docker/dockerfile from
	// Docker Hub, which fails without registry access; the engine's built-in
	// Dockerfile frontend builds this file the same way.
	dockerfile, err := appDir.File("Dockerfile").Contents(ctx)
	if err != nil {
		return nil, err
	}
	appDir = appDir.WithNewFile("Dockerfile", syntaxDirective.ReplaceAllString(dockerfile, ""))
	return appDir.DockerBuild(dagger.DirectoryDockerBuildOpts{
		Dockerfile: "Dockerfile",
		BuildArgs: []dagger.BuildArg{
			{Name: "PYTHON_IMAGE", Value: o.PythonImage},
			{Name: "APP_VERSION", Value: strings.TrimSpace(version)},
			{Name: "REVISION", Value: orUnknown(o.Revision)},
			{Name: "SOURCE_URL", Value: orUnknown(o.SourceURL)},
		},
	}), nil
}

var syntaxDirective = regexp.MustCompile(`(?m)\A#\s*syntax\s*=.*\n`)

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
