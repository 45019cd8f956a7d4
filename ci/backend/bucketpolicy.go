package backend

import (
	"encoding/json"
	"fmt"
	"strings"
)

// tlsDenySid names the statement Ensure adds, so a re-run recognises it.
const tlsDenySid = "DenyInsecureTransport"

func tlsDenyStatement(bucketARN string) map[string]any {
	return map[string]any{
		"Sid":       tlsDenySid,
		"Effect":    "Deny",
		"Principal": "*",
		"Action":    "s3:*",
		"Resource":  []any{bucketARN, bucketARN + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}
}

// statements returns a policy's statements whether Statement is one object or a list.
func statements(doc map[string]any) []any {
	switch s := doc["Statement"].(type) {
	case []any:
		return s
	case map[string]any:
		return []any{s}
	}
	return nil
}

// hasTLSDeny reports whether the policy denies every S3 action on the bucket
// and its objects when aws:SecureTransport is false. Equivalent statements
// written by hand count too, so Ensure does not add a duplicate.
func hasTLSDeny(policy, bucketARN string) bool {
	if policy == "" {
		return false
	}
	var doc map[string]any
	if json.Unmarshal([]byte(policy), &doc) != nil {
		return false
	}
	for _, raw := range statements(doc) {
		st, ok := raw.(map[string]any)
		if !ok || st["Effect"] != "Deny" || !isAnyPrincipal(st["Principal"]) {
			continue
		}
		if !covers(st["Action"], "s3:*", "*") || !covers(st["Resource"], bucketARN) || !covers(st["Resource"], bucketARN+"/*") {
			continue
		}
		cond, _ := st["Condition"].(map[string]any)
		boolCond, _ := cond["Bool"].(map[string]any)
		if isFalse(boolCond["aws:SecureTransport"]) {
			return true
		}
	}
	return false
}

// withTLSDeny returns the policy with Ensure's statement added (or replacing
// an older statement of the same Sid), keeping every other statement.
func withTLSDeny(policy, bucketARN string) (string, error) {
	doc := map[string]any{"Version": "2012-10-17"}
	if strings.TrimSpace(policy) != "" {
		if err := json.Unmarshal([]byte(policy), &doc); err != nil {
			return "", err
		}
	}
	var out []any
	for _, raw := range statements(doc) {
		if st, ok := raw.(map[string]any); ok && st["Sid"] == tlsDenySid {
			continue
		}
		out = append(out, raw)
	}
	doc["Statement"] = append(out, tlsDenyStatement(bucketARN))
	b, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("encoding bucket policy: %w", err)
	}
	return string(b), nil
}

func isAnyPrincipal(p any) bool {
	switch v := p.(type) {
	case string:
		return v == "*"
	case map[string]any:
		return covers(v["AWS"], "*")
	}
	return false
}

// covers reports whether a policy element (string or list) contains one of want.
func covers(elem any, want ...string) bool {
	var vals []string
	switch v := elem.(type) {
	case string:
		vals = []string{v}
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				vals = append(vals, s)
			}
		}
	}
	for _, v := range vals {
		for _, w := range want {
			if v == w {
				return true
			}
		}
	}
	return false
}

func isFalse(v any) bool {
	switch x := v.(type) {
	case bool:
		return !x
	case string:
		return strings.EqualFold(x, "false")
	case []any:
		return len(x) == 1 && isFalse(x[0])
	}
	return false
}
