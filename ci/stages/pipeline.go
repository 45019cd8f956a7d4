package stages

import (
	"context"

	"dagger/devsecops/ci/pipeline"
	"dagger/devsecops/internal/dagger"
)

// Stage is a pipeline stage whose reports are a directory merged into the
// root of the pipeline's report (e.g. scan/summary.md, junit.xml).
type Stage = pipeline.Stage[*dagger.Directory]

// StageOutput is what a Stage's Run returns.
type StageOutput = pipeline.Output[*dagger.Directory]

// PipelineResult is a finished pipeline run.
type PipelineResult = pipeline.Result[*dagger.Directory]

// RunPipeline runs the stages as a DAG (see package pipeline).
func RunPipeline(ctx context.Context, list []Stage) (*PipelineResult, error) {
	return pipeline.Run(ctx, list)
}

// PipelineReports merges every stage's reports with pipeline.md (the stage
// table) and pipeline.json (the same, with durations, for scripts).
func PipelineReports(dag *dagger.Client, p *PipelineResult) (*dagger.Directory, error) {
	js, err := p.JSON()
	if err != nil {
		return nil, err
	}
	dir := dag.Directory()
	for _, s := range p.Stages {
		if s.Reports != nil {
			dir = dir.WithDirectory(".", s.Reports)
		}
	}
	return dir.
		WithNewFile("pipeline.md", p.Markdown()).
		WithNewFile("pipeline.json", string(js)+"\n"), nil
}
