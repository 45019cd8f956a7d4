package version

import (
	"strings"
	"testing"
)

func TestNextExplicit(t *testing.T) {
	cases := []struct {
		file string
		bump Bump
		want string
	}{
		{"0.1.0\n", Patch, "0.1.1"},
		{"0.1.0\n", Minor, "0.2.0"},
		{"0.1.0\n", Major, "1.0.0"},
		{"1.9.9", Patch, "1.9.10"},
		{"1.9.9", Minor, "1.10.0"},
		{"1.9.9\r\n", Major, "2.0.0"},
		// Pre-releases: a bump releases the version they lead up to when that
		// is at least the asked-for increment, else it moves past it.
		{"1.2.3-rc.1\n", Patch, "1.2.3"},
		{"1.2.0-rc.1\n", Minor, "1.2.0"},
		{"1.2.3-rc.1\n", Minor, "1.3.0"},
		{"2.0.0-beta\n", Major, "2.0.0"},
		{"2.1.0-beta\n", Major, "3.0.0"},
		{"2.0.0-alpha.1\n", Minor, "2.0.0"},
		// Build metadata names one build; a release drops it.
		{"1.2.3+build.7\n", Patch, "1.2.4"},
		{"1.2.3-rc.1+sha.abc\n", Patch, "1.2.3"},
		{"1.2.3+20240101\n", Major, "2.0.0"},
	}
	for _, c := range cases {
		got, err := Next(c.file, c.bump, nil)
		if err != nil {
			t.Errorf("Next(%q, %v): %v", c.file, c.bump, err)
			continue
		}
		if got.Next != c.want {
			t.Errorf("Next(%q, %v) = %s, want %s", c.file, c.bump, got.Next, c.want)
		}
		if got.Previous != strings.TrimSpace(c.file) {
			t.Errorf("Previous = %q, want %q", got.Previous, strings.TrimSpace(c.file))
		}
	}
}

func TestMalformedVersionFile(t *testing.T) {
	cases := []struct{ file, wantErr string }{
		{"", "empty"},
		{"\n", "empty"},
		{"v1.2.3\n", "not a semantic version"},
		{"1.2\n", "not a semantic version"},
		{"1\n", "not a semantic version"},
		{"1.2.3.4\n", "not a semantic version"},
		{"01.2.3\n", "not a semantic version"},
		{"1.2.3-\n", "not a semantic version"},
		{"1.2.3-rc..1\n", "not a semantic version"},
		{"1.2.3-01\n", "not a semantic version"},
		{"1.2.3+\n", "not a semantic version"},
		{" 1.2.3\n", "not a semantic version"},
		{"1.2.3 \n", "not a semantic version"},
		{"latest\n", "not a semantic version"},
		{"1.2.3\n1.2.4\n", "more than one line"},
	}
	for _, c := range cases {
		_, err := Next(c.file, Patch, nil)
		if err == nil {
			t.Errorf("Next(%q) accepted a malformed VERSION", c.file)
			continue
		}
		if !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "VERSION") {
			t.Errorf("Next(%q) error %q; want it to mention VERSION and %q", c.file, err, c.wantErr)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		msg  string
		want Bump
	}{
		{"feat: add forecast endpoint", Minor},
		{"feat(api): add forecast endpoint", Minor},
		{"Feat: capitalised type", Minor},
		{"fix: handle empty city", Patch},
		{"fix(db)!: drop legacy table", Major},
		{"feat!: new config format", Major},
		{"docs: typo", Patch},
		{"refactor: split module\n\nBREAKING CHANGE: config keys renamed", Major},
		{"fix: x\n\nBREAKING-CHANGE: y", Major},
		{"Update README", Patch},
		{"feat:missing space is not conventional", Patch},
		{"chore(release): 1.2.0 [skip ci]", None},
		{"chore(release): 2.0.0\n\nBREAKING CHANGE: in the release notes", None},
		{"", None},
		{"  \n ", None},
	}
	for _, c := range cases {
		if got := Classify(c.msg); got != c.want {
			t.Errorf("Classify(%q) = %v, want %v", c.msg, got, c.want)
		}
	}
}

func TestNextFromCommits(t *testing.T) {
	cases := []struct {
		name    string
		log     string
		want    string
		wantErr string
	}{
		{"fix only", "fix: a\x00docs: b\x00", "1.4.3", ""},
		{"feature wins over fixes", "fix: a\x00feat: b\x00fix: c\x00", "1.5.0", ""},
		{"breaking wins", "feat: a\x00fix!: b\x00", "2.0.0", ""},
		{"release commits ignored", "chore(release): 1.4.2\x00", "", "nothing to bump"},
		{"no commits", "", "", "nothing to bump"},
		{"release commit plus a fix", "chore(release): 1.4.2\x00fix: a\x00", "1.4.3", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Next("1.4.2\n", None, SplitLog(c.log))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Next != c.want {
				t.Fatalf("Next = %s, want %s (%s)", got.Next, c.want, got.Reason)
			}
		})
	}
}

func TestExplicitBumpOverridesCommits(t *testing.T) {
	got, err := Next("1.0.0", Patch, []string{"feat!: big"})
	if err != nil || got.Next != "1.0.1" || got.Reason != "requested" {
		t.Fatalf("got %+v, %v", got, err)
	}
}

func TestParseBump(t *testing.T) {
	for in, want := range map[string]Bump{"patch": Patch, "Minor": Minor, " major ": Major} {
		if got, err := ParseBump(in); err != nil || got != want {
			t.Errorf("ParseBump(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseBump("huge"); err == nil || !strings.Contains(err.Error(), "patch, minor or major") {
		t.Errorf("ParseBump(huge) err = %v", err)
	}
}

func TestFileContents(t *testing.T) {
	v, _ := Parse("1.2.3-rc.1\n")
	if got := FileContents(v); got != "1.2.3-rc.1\n" {
		t.Fatalf("FileContents = %q", got)
	}
}
