// Package version bumps the app's semantic version (app/VERSION), either as
// asked or as derived from conventional-commit messages since the last tag.
package version

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Bump is a semver increment.
type Bump int

const (
	None Bump = iota
	Patch
	Minor
	Major
)

func (b Bump) String() string {
	switch b {
	case Patch:
		return "patch"
	case Minor:
		return "minor"
	case Major:
		return "major"
	}
	return "none"
}

// ParseBump reads a --bump argument.
func ParseBump(s string) (Bump, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "patch":
		return Patch, nil
	case "minor":
		return Minor, nil
	case "major":
		return Major, nil
	}
	return None, fmt.Errorf("unknown bump %q: use patch, minor or major (or leave it out to derive it from commit messages)", s)
}

// strict is SemVer 2.0.0 without a "v" prefix and with all three numbers:
// the file is read by the app and stamped on images, so "1.2" or "v1.2.3"
// are mistakes to report, not to guess about.
var strict = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// Parse reads the contents of a VERSION file: one SemVer 2.0.0 version,
// optionally followed by a newline.
func Parse(contents string) (*semver.Version, error) {
	s := strings.TrimRight(contents, "\r\n")
	if s == "" {
		return nil, fmt.Errorf("VERSION is empty: write a semantic version such as 0.1.0 into app/VERSION")
	}
	if strings.ContainsAny(s, "\n") {
		return nil, fmt.Errorf("VERSION has more than one line: it must hold exactly one semantic version such as 0.1.0")
	}
	if !strict.MatchString(s) {
		return nil, fmt.Errorf("VERSION %q is not a semantic version MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] (e.g. 1.4.2 or 2.0.0-rc.1; no \"v\" prefix, no spaces): fix app/VERSION", s)
	}
	v, err := semver.StrictNewVersion(s)
	if err != nil {
		return nil, fmt.Errorf("VERSION %q: %w: fix app/VERSION", s, err)
	}
	return v, nil
}

// Apply returns the next version. Build metadata is dropped (it names one
// build, not a release). A pre-release is released by a patch bump
// (1.2.0-rc.1 → 1.2.0); minor and major bumps of a pre-release whose lower
// numbers are zero release it too, as semver orders it before that release.
func Apply(v *semver.Version, b Bump) (*semver.Version, error) {
	base, err := v.SetMetadata("")
	if err != nil {
		return nil, err
	}
	var next semver.Version
	pre := base.Prerelease() != ""
	switch {
	case b == Patch:
		next = base.IncPatch() // drops a pre-release without incrementing
	case b == Minor && pre && base.Patch() == 0,
		b == Major && pre && base.Patch() == 0 && base.Minor() == 0:
		next, err = base.SetPrerelease("")
		if err != nil {
			return nil, err
		}
	case b == Minor:
		next = base.IncMinor()
	case b == Major:
		next = base.IncMajor()
	default:
		return nil, fmt.Errorf("no bump to apply")
	}
	return &next, nil
}

// FileContents is what app/VERSION holds for v.
func FileContents(v *semver.Version) string { return v.String() + "\n" }

// Result is one bump.
type Result struct {
	Previous, Next string
	Bump           Bump
	// Reason says where the bump came from (the argument, or which commit).
	Reason string
}

// Next bumps the VERSION file contents by explicit, if not None, else by
// what the commit messages since the last release call for. It fails when
// nothing calls for a release, so a workflow never tags the same code twice.
func Next(versionFile string, explicit Bump, commits []string) (Result, error) {
	cur, err := Parse(versionFile)
	if err != nil {
		return Result{}, err
	}
	b, reason := explicit, "requested"
	if b == None {
		b, reason = FromCommits(commits)
		if b == None {
			return Result{}, fmt.Errorf("no commits to release since the last tag (release commits starting with %q are ignored): nothing to bump; pass --bump to force one", LoopGuard)
		}
	}
	next, err := Apply(cur, b)
	if err != nil {
		return Result{}, err
	}
	return Result{Previous: cur.String(), Next: next.String(), Bump: b, Reason: reason}, nil
}
