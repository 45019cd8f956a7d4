package stages

import (
	"context"

	"dagger/devsecops/ci/release"
	"dagger/devsecops/internal/dagger"
)

// ReleaseStages are publish, sign (with attest) and verify, each needing the
// one before; publish needs after. prepare runs first inside publish and
// fills in what earlier stages made (the tested image, its SBOM).
func ReleaseStages(dag *dagger.Client, o release.Options, after []string, prepare func(context.Context, *release.Options) error) []Stage {
	list, _ := ReleaseStagesResult(dag, o, after, prepare)
	return list
}

// ReleaseStagesResult is ReleaseStages plus the finished release (nil before
// publish ran), for the deploy stage that runs after verify.
func ReleaseStagesResult(dag *dagger.Client, o release.Options, after []string, prepare func(context.Context, *release.Options) error) ([]Stage, func() *release.Result) {
	var r *release.Release
	result := func() *release.Result {
		if r == nil {
			return nil
		}
		return r.Result()
	}
	return []Stage{
		{Name: "publish", Needs: after, Run: func(ctx context.Context) StageOutput {
			if err := prepare(ctx, &o); err != nil {
				return StageOutput{Err: err}
			}
			r = release.New(dag, o)
			note, err := r.Publish(ctx)
			return StageOutput{Note: note, Reports: r.Reports(), Err: err}
		}},
		{Name: "sign", Needs: []string{"publish"}, Run: func(ctx context.Context) StageOutput {
			note, err := r.Sign(ctx)
			return StageOutput{Note: note, Reports: r.Reports(), Err: err}
		}},
		{Name: "verify", Needs: []string{"sign"}, Run: func(ctx context.Context) StageOutput {
			note, err := r.Verify(ctx)
			return StageOutput{Note: note, Reports: r.Reports(), Err: err}
		}},
	}, result
}
