package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/junit"
	"dagger/devsecops/ci/testenv"
)

// `test` against the real app image and the real integration suite: the app
// and the stub upstream run as Dagger services, the suite (HTTP and headless
// Chromium) in its own container.
func TestTestStage(t *testing.T) {
	t.Run("green against the stub, never served from cache", func(t *testing.T) {
		t.Parallel()
		var stamps []string
		for i := range 2 {
			out := filepath.Join(t.TempDir(), "junit.xml")
			res := testenv.DaggerCall(t, nil, "test", "export", "--path="+out)
			require.NoError(t, res.Err, res.Output())
			doc := readJUnit(t, out)
			c, err := junit.Parse(doc)
			require.NoError(t, err)
			assert.Empty(t, c.Failing)
			assert.Greater(t, c.Tests-c.Skipped, 15, "most of the suite must run with a working upstream")
			assert.True(t, ran(t, doc, "test_browser", "test_searching_london_shows_london"), "the browser test must run, not skip")
			assert.True(t, ran(t, doc, "test_http", "test_search_london_shows_london_and_seven_days"))
			// Without keys the live smoke test is reported as skipped, with why.
			assert.Contains(t, string(doc), "WEATHER_API_KEY not set")
			assert.Contains(t, res.Output(), "live smoke test against the real providers: skipped")
			stamps = append(stamps, suiteTimestamp(t, doc))
			if i == 0 {
				assert.NotContains(t, res.Output(), "Error:", "a passing run prints no error")
			}
		}
		assert.NotEqual(t, stamps[0], stamps[1], "the second run must run the suite again, not replay the first")
	})

	t.Run("upstream failing: the outage page is checked", func(t *testing.T) {
		t.Parallel()
		out := filepath.Join(t.TempDir(), "junit.xml")
		res := testenv.DaggerCall(t, nil, "test", "--upstream-mode=error", "export", "--path="+out)
		require.NoError(t, res.Err, res.Output())
		doc := readJUnit(t, out)
		c, err := junit.Parse(doc)
		require.NoError(t, err)
		assert.Empty(t, c.Failing)
		assert.True(t, ran(t, doc, "test_http", "test_api_explains_the_outage"), "the outage tests must run")
		assert.True(t, ran(t, doc, "test_browser", "test_outage_page_is_clear"), "the browser must see the outage page")
		assert.False(t, ran(t, doc, "test_http", "test_search_london_shows_london_and_seven_days"), "forecast tests cannot pass with the upstream down")
	})

	t.Run("a broken app fails, naming the failing test", func(t *testing.T) {
		t.Parallel()
		src := copyApp(t)
		require.NoError(t, os.Remove(filepath.Join(src, "app/weather/templates/history.html")))
		res := testenv.DaggerCall(t, []string{"--source=" + src}, "test")
		require.Error(t, res.Err, "a missing template must fail the suite:\n%s", res.Output())
		out := res.Output()
		assert.Contains(t, out, "integration suite:")
		assert.Contains(t, out, "test_history_page_loads", "the failing test must be named")
		assert.Regexp(t, regexp.MustCompile(`\d+ of \d+ test\(s\) failed`), out)
	})

	t.Run("an unknown upstream mode is refused", func(t *testing.T) {
		t.Parallel()
		res := testenv.DaggerCall(t, nil, "test", "--upstream-mode=slow")
		require.Error(t, res.Err)
		assert.Contains(t, res.Output(), `upstream mode "slow" is not supported`)
	})
}

func readJUnit(t *testing.T, path string) []byte {
	t.Helper()
	doc, err := os.ReadFile(path)
	require.NoError(t, err, "test must export the JUnit report")
	return doc
}

// ran is true when the test case is in the report and was not skipped.
func ran(t *testing.T, doc []byte, module, name string) bool {
	t.Helper()
	re := regexp.MustCompile(`<testcase classname="[^"]*` + regexp.QuoteMeta(module) + `" name="` + regexp.QuoteMeta(name) + `"[^>]*?(/>|>([\s\S]*?)</testcase>)`)
	m := re.FindSubmatch(doc)
	if m == nil {
		return false
	}
	return !strings.Contains(string(m[0]), "<skipped")
}

func suiteTimestamp(t *testing.T, doc []byte) string {
	t.Helper()
	m := regexp.MustCompile(`<testsuite [^>]*name="integration"[^>]*timestamp="([^"]+)"`).FindSubmatch(doc)
	if m == nil {
		m = regexp.MustCompile(`<testsuite [^>]*timestamp="([^"]+)"[^>]*name="integration"`).FindSubmatch(doc)
	}
	require.NotNil(t, m, "no integration suite timestamp in:\n%s", doc)
	return string(m[1])
}

// copyApp copies app/ of this repository into a fresh directory: enough
// source for build and test.
func copyApp(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("cp", "-r", filepath.Join(testenv.RepoRoot(t), "app"), dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, junk := range []string{"data", ".pytest_cache", ".ruff_cache"} {
		_ = os.RemoveAll(filepath.Join(dir, "app", junk))
	}
	return dir
}
