package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type out = Output[string]

func ok(context.Context) out { return out{} }

func byName(t *testing.T, p *Result[string], name string) StageResult[string] {
	t.Helper()
	for _, s := range p.Stages {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no stage %q in %+v", name, p.Stages)
	return StageResult[string]{}
}

func TestIndependentStagesRunConcurrently(t *testing.T) {
	// Each of a and b waits until both have started: run one after the
	// other, they would time out.
	var started sync.WaitGroup
	started.Add(2)
	wait := func(ctx context.Context) out {
		started.Done()
		ch := make(chan struct{})
		go func() { started.Wait(); close(ch) }()
		select {
		case <-ch:
			return out{}
		case <-time.After(5 * time.Second):
			return out{Err: errors.New("the other stage never started")}
		}
	}
	p, err := Run(context.Background(), []Stage[string]{{Name: "a", Run: wait}, {Name: "b", Run: wait}})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Passed() {
		t.Fatalf("stages did not overlap: %v", p.Err())
	}
}

func TestStagesWaitForTheirNeeds(t *testing.T) {
	var buildDone atomic.Bool
	var sawBuild atomic.Bool
	p, err := Run(context.Background(), []Stage[string]{
		{Name: "test", Needs: []string{"build"}, Run: func(context.Context) out {
			sawBuild.Store(buildDone.Load())
			return out{}
		}},
		{Name: "build", Run: func(context.Context) out {
			time.Sleep(50 * time.Millisecond)
			buildDone.Store(true)
			return out{}
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sawBuild.Load() {
		t.Fatal("test started before build finished")
	}
	if got := byName(t, p, "build").Duration; got < 50*time.Millisecond {
		t.Fatalf("build duration %s, want >= 50ms", got)
	}
}

func TestFailureSkipsDependentsAndIsNamed(t *testing.T) {
	ran := atomic.Bool{}
	p, err := Run(context.Background(), []Stage[string]{
		{Name: "scan", Run: ok},
		{Name: "build", Run: func(context.Context) out {
			return out{Err: errors.New("Dockerfile step 3 failed\nlong log")}
		}},
		{Name: "test", Needs: []string{"build"}, Run: func(context.Context) out { ran.Store(true); return out{} }},
		{Name: "publish", Needs: []string{"scan", "test"}, Run: ok},
	})
	if err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Fatal("test ran although build failed")
	}
	if p.Passed() {
		t.Fatal("pipeline passed with a failed stage")
	}
	if s := byName(t, p, "build"); s.Status != Failed || s.Reason != "Dockerfile step 3 failed" {
		t.Fatalf("build = %+v", s)
	}
	if s := byName(t, p, "test"); s.Status != Skipped || s.Reason != "needs build failed" {
		t.Fatalf("test = %+v", s)
	}
	if s := byName(t, p, "publish"); s.Status != Skipped || s.Reason != "needs test skipped" {
		t.Fatalf("publish = %+v", s)
	}
	msg := p.Err().Error()
	for _, want := range []string{"pipeline failed in stage(s) build", "stage build failed: Dockerfile step 3 failed\nlong log"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestSkippedAndAdvisoryStagesDoNotFailThePipeline(t *testing.T) {
	p, err := Run(context.Background(), []Stage[string]{
		{Name: "lint", Advisory: true, Run: func(context.Context) out { return out{Err: errors.New("style")} }},
		{Name: "build", Needs: []string{"lint"}, Run: ok},
		{Name: "publish", Needs: []string{"build"}, Skip: "no registry credentials given"},
		{Name: "deploy", Needs: []string{"publish"}, Run: ok},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Passed() || p.Err() != nil {
		t.Fatalf("pipeline failed: %v", p.Err())
	}
	if s := byName(t, p, "build"); s.Status != Passed {
		t.Fatalf("build after a failed advisory stage = %+v", s)
	}
	if s := byName(t, p, "publish"); s.Status != Skipped || s.Reason != "no registry credentials given" {
		t.Fatalf("publish = %+v", s)
	}
	if s := byName(t, p, "deploy"); s.Status != Skipped || s.Reason != "needs publish skipped" {
		t.Fatalf("deploy = %+v", s)
	}
	md := p.Markdown()
	for _, want := range []string{
		"# Pipeline: PASSED",
		"| lint | failed (advisory) |",
		"| publish | skipped | - | no registry credentials given |",
		"- **deploy** skipped: needs publish skipped",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("pipeline.md lacks %q:\n%s", want, md)
		}
	}
}

func TestPanickingStageFailsAlone(t *testing.T) {
	p, err := Run(context.Background(), []Stage[string]{
		{Name: "bad", Run: func(context.Context) out { panic("boom") }},
		{Name: "good", Run: ok},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := byName(t, p, "bad"); s.Status != Failed || !strings.Contains(s.Reason, "boom") {
		t.Fatalf("bad = %+v", s)
	}
	if byName(t, p, "good").Status != Passed {
		t.Fatal("good did not pass")
	}
}

func TestMalformedGraphsAreRefused(t *testing.T) {
	cases := map[string][]Stage[string]{
		"two stages are named": {{Name: "a", Run: ok}, {Name: "a", Run: ok}},
		"which is not a stage": {{Name: "a", Needs: []string{"nope"}, Run: ok}},
		"cycle: a -> b -> a":   {{Name: "a", Needs: []string{"b"}, Run: ok}, {Name: "b", Needs: []string{"a"}, Run: ok}},
		"has no name":          {{Run: ok}},
	}
	for want, list := range cases {
		_, err := Run(context.Background(), list)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want error containing %q, got %v", want, err)
		}
	}
}

func TestPipelineJSONAndTimings(t *testing.T) {
	p := &Result[string]{Wall: 10 * time.Second, Stages: []StageResult[string]{
		{Name: "build", Status: Passed, Duration: 4 * time.Second},
		{Name: "test", Status: Failed, Duration: 5 * time.Second, Reason: "1 test failed", Err: errors.New("1 test failed")},
		{Name: "publish", Status: Skipped, Reason: "not implemented"},
	}}
	if name, d := p.Longest(); name != "test" || d != 5*time.Second {
		t.Fatalf("longest = %s %s", name, d)
	}
	if md := p.Markdown(); !strings.Contains(md, "wall time / longest stage = 2.00") || !strings.Contains(md, "# Pipeline: FAILED") {
		t.Fatalf("pipeline.md:\n%s", md)
	}
	raw, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Passed bool `json:"passed"`
		Stages []struct {
			Name     string  `json:"name"`
			Status   string  `json:"status"`
			Duration float64 `json:"duration_seconds"`
		} `json:"stages"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Passed || len(doc.Stages) != 3 || doc.Stages[1].Status != "failed" || doc.Stages[0].Duration != 4 {
		t.Fatalf("pipeline.json = %s", raw)
	}
}

func TestReportsAreKeptWhenAStageFails(t *testing.T) {
	p, err := Run(context.Background(), []Stage[string]{
		{Name: "scan", Run: func(context.Context) out { return out{Reports: "scan/summary.md", Err: errors.New("gate failed")} }},
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := byName(t, p, "scan"); s.Status != Failed || s.Reports != "scan/summary.md" {
		t.Fatalf("scan = %+v", s)
	}
}

func TestMarkdownShowsEachFailureShortly(t *testing.T) {
	long := "gate failed\n" + strings.Repeat("detail line\n", 100)
	p := &Result[string]{Stages: []StageResult[string]{
		{Name: "scan", Status: Failed, Reason: "gate failed", Err: errors.New(long)},
		{Name: "test", Status: Passed},
	}}
	md := p.Markdown()
	if !strings.Contains(md, "## scan failed\n\n```\ngate failed\ndetail line") || !strings.Contains(md, "(76 more lines; see the stage's own report)") {
		t.Fatalf("pipeline.md:\n%s", md)
	}
	if strings.Contains(md, "## test failed") {
		t.Fatalf("a passed stage is listed as failed:\n%s", md)
	}
}
