package version

import (
	"fmt"
	"regexp"
	"strings"
)

// LoopGuard starts the subject of the commit a release workflow makes to
// store the new VERSION. Such commits never count as changes, so the
// workflow's own commit cannot trigger another release.
const LoopGuard = "chore(release):"

// CommitSeparator separates messages in `git log --format=%B%x00` output.
const CommitSeparator = "\x00"

// header is a conventional-commit subject: type(scope)!: description.
var header = regexp.MustCompile(`^([a-zA-Z]+)(\([^)]*\))?(!)?: \S`)

// breakingFooter is the footer that marks a breaking change anywhere in the body.
var breakingFooter = regexp.MustCompile(`(?m)^BREAKING[ -]CHANGE: `)

// Classify returns the bump one commit message calls for: major for "!" or
// a BREAKING CHANGE footer, minor for feat, patch for anything else
// (including messages that are not conventional commits: a change is a
// change), None for release commits (LoopGuard) and empty messages.
func Classify(message string) Bump {
	msg := strings.TrimSpace(message)
	if msg == "" {
		return None
	}
	subject, _, _ := strings.Cut(msg, "\n")
	subject = strings.TrimSpace(subject)
	if strings.HasPrefix(subject, LoopGuard) {
		return None
	}
	if breakingFooter.MatchString(msg) {
		return Major
	}
	m := header.FindStringSubmatch(subject)
	if m == nil {
		return Patch
	}
	if m[3] == "!" {
		return Major
	}
	if strings.EqualFold(m[1], "feat") {
		return Minor
	}
	return Patch
}

// FromCommits returns the largest bump the messages call for and which
// commit called for it.
func FromCommits(messages []string) (Bump, string) {
	best, reason := None, ""
	for _, m := range messages {
		if b := Classify(m); b > best {
			subject, _, _ := strings.Cut(strings.TrimSpace(m), "\n")
			best, reason = b, fmt.Sprintf("commit %q", subject)
		}
	}
	return best, reason
}

// SplitLog splits `git log --format=%B%x00` output into messages.
func SplitLog(out string) []string {
	var msgs []string
	for _, m := range strings.Split(out, CommitSeparator) {
		if strings.TrimSpace(m) != "" {
			msgs = append(msgs, strings.TrimSpace(m))
		}
	}
	return msgs
}
