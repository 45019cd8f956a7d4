package cosign

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	validTag  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	digestRE  = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	refDigest = regexp.MustCompile(`@(sha256:[0-9a-f]{64})`)
)

// ParseDigestRef finds the digest in crane push's output.
func ParseDigestRef(out, repo string) (string, error) {
	m := refDigest.FindStringSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("publish: crane push printed no digest (output %q)", strings.TrimSpace(out))
	}
	return repo + "@" + m[1], nil
}

// SplitDigestRef splits repo@sha256:… into repo and digest.
func SplitDigestRef(ref string) (repo, digest string, ok bool) {
	repo, digest, ok = strings.Cut(ref, "@")
	return repo, digest, ok && digestRE.MatchString(digest)
}

// Repository strips a tag or digest from ref (registry:port/name:tag → registry:port/name).
func Repository(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	slash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > slash {
		return ref[:colon]
	}
	return ref
}

// Tags are the tags of a release: latest, the version and the git SHA.
func Tags(version, revision string) []string {
	tags := []string{"latest"}
	for _, t := range []string{version, revision} {
		t = strings.ReplaceAll(strings.TrimSpace(t), "+", "_") // '+' is not allowed in tags
		if t != "" && t != "unknown" && !contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ValidTag says whether t is a valid image tag.
func ValidTag(t string) bool { return validTag.MatchString(t) }

// IsDigest says whether d is a sha256 digest.
func IsDigest(d string) bool { return digestRE.MatchString(d) }
