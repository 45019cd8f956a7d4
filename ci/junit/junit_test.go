package junit

import (
	"strings"
	"testing"
)

// Shaped like pytest's --junitxml output.
const pytestFailing = `<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="integration" errors="1" failures="1" skipped="1" tests="4" time="3.2"><testcase classname="tests.integration.test_http" name="test_healthz" time="0.01" /><testcase classname="tests.integration.test_http" name="test_search_page" time="0.2"><failure message="AssertionError: assert 500 == 200&#10;second line">trace</failure></testcase><testcase classname="tests.integration.test_browser" name="test_home" time="0"><error message="failed on setup with &quot;chromedriver not found&quot;">trace</error></testcase><testcase classname="tests.integration.test_http" name="test_outage" time="0"><skipped type="pytest.skip" message="needs a failing upstream">skip</skipped></testcase></testsuite></testsuites>`

func TestParseListsFailuresAndErrors(t *testing.T) {
	c, err := Parse([]byte(pytestFailing))
	if err != nil {
		t.Fatal(err)
	}
	if c.Tests != 4 || c.Failures != 1 || c.Errors != 1 || c.Skipped != 1 {
		t.Fatalf("counts = %+v", c)
	}
	want := []string{
		"tests.integration.test_http::test_search_page: AssertionError: assert 500 == 200",
		`tests.integration.test_browser::test_home: failed on setup with "chromedriver not found"`,
	}
	if strings.Join(c.Failing, "\n") != strings.Join(want, "\n") {
		t.Fatalf("failing =\n%s\nwant\n%s", strings.Join(c.Failing, "\n"), strings.Join(want, "\n"))
	}
	if len(c.SkippedReasons) != 1 || !strings.Contains(c.SkippedReasons[0], "needs a failing upstream") {
		t.Fatalf("skipped = %v", c.SkippedReasons)
	}
}

func TestParseSingleSuiteRoot(t *testing.T) {
	c, err := Parse([]byte(`<testsuite><testcase name="a"/><testcase name="b"><failure/></testcase></testsuite>`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Tests != 2 || len(c.Failing) != 1 || c.Failing[0] != "b" {
		t.Fatalf("got %+v", c)
	}
}

func TestParseRejectsOtherDocuments(t *testing.T) {
	for _, doc := range []string{"", "not xml", "<html><body/></html>"} {
		if _, err := Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%q) = nil error", doc)
		}
	}
}

func TestMergeKeepsEverySuite(t *testing.T) {
	live := `<?xml version="1.0"?><testsuites><testsuite name="live" tests="1" skipped="1"><testcase classname="tests.live" name="test_vc"><skipped message="WEATHER_API_KEY not set"/></testcase></testsuite></testsuites>`
	merged, err := Merge([]byte(pytestFailing), []byte(live))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(merged)
	if err != nil {
		t.Fatalf("merged document does not parse: %v\n%s", err, merged)
	}
	if c.Tests != 5 || c.Failures != 1 || c.Errors != 1 || c.Skipped != 2 {
		t.Fatalf("merged counts = %+v\n%s", c, merged)
	}
	for _, s := range []string{`name="integration"`, `name="live"`, `failures="1"`, "WEATHER_API_KEY not set"} {
		if !strings.Contains(string(merged), s) {
			t.Errorf("merged report lacks %s:\n%s", s, merged)
		}
	}
}
