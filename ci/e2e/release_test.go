package e2e

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"dagger/devsecops/ci/testenv"
)

// The release path end to end in one session: publish to a registry
// service that requires a password, sign and attest with a key the test
// made, then verification must pass for the signed digest and fail for
// another key, an unsigned image and a moved tag. Afterwards no secret may
// appear in the output or in anything the registry holds.
func TestReleaseRoundTrip(t *testing.T) {
	regPassword, cosignPassword := randomHex(t), randomHex(t)
	keyDir := t.TempDir()
	cosignBin := hostCosign(t)
	gen := exec.Command(cosignBin, "generate-key-pair")
	gen.Dir = keyDir
	gen.Env = append(os.Environ(), "COSIGN_PASSWORD="+cosignPassword)
	out, err := gen.CombinedOutput()
	require.NoError(t, err, string(out))
	privateKey, err := os.ReadFile(filepath.Join(keyDir, "cosign.key"))
	require.NoError(t, err)
	publicKey, err := os.ReadFile(filepath.Join(keyDir, "cosign.pub"))
	require.NoError(t, err)

	// Unique names: other e2e tests run in this process at the same time.
	t.Setenv("DEVSECOPS_E2E_REGISTRY_PASSWORD", regPassword)
	t.Setenv("DEVSECOPS_E2E_COSIGN_PASSWORD", cosignPassword)
	exported := t.TempDir()
	res := testenv.DaggerCall(t, nil, "release-self-test",
		"--registry-username=e2e", "--registry-password=env:DEVSECOPS_E2E_REGISTRY_PASSWORD",
		"--cosign-key=file:"+filepath.Join(keyDir, "cosign.key"), "--cosign-password=env:DEVSECOPS_E2E_COSIGN_PASSWORD",
		"export", "--path="+exported)
	require.NoError(t, res.Err, res.Output())

	report, err := os.ReadFile(filepath.Join(exported, "report.txt"))
	require.NoError(t, err)
	for _, want := range []string{
		"PASS publish: registry:5000/devsecops/weather-app@sha256:",
		"PASS registry refuses requests without credentials",
		"PASS sign and attest (cyclonedx, slsaprovenance1)",
		"signature by public key; attestations: cyclonedx, slsaprovenance1",
		"PASS another key: verify of registry:5000/devsecops/weather-app@sha256:",
		"refused (wrong-signature)",
		"PASS unsigned tag: verify of registry:5000/devsecops/weather-app:unsigned refused (unsigned)",
		"PASS re-tagged latest, signed digest known: verify of registry:5000/devsecops/weather-app:latest refused (retagged): tag registry:5000/devsecops/weather-app:latest now points to sha256:",
		"which is not the signed digest sha256:",
		"PASS re-tagged latest, by tag only: verify of registry:5000/devsecops/weather-app:latest refused (unsigned)",
	} {
		assert.Contains(t, string(report), want)
	}
	gotPub, err := os.ReadFile(filepath.Join(exported, "cosign.pub"))
	require.NoError(t, err)
	assert.Equal(t, strings.TrimSpace(string(publicKey)), strings.TrimSpace(string(gotPub)), "the release must be verified with the key the test gave")
	for _, f := range []string{"image.tar", "signature.tar", "attestations.tar"} {
		st, err := os.Stat(filepath.Join(exported, f))
		require.NoError(t, err, "the registry's %s was not exported", f)
		assert.Greater(t, st.Size(), int64(1024), f)
	}
	// The attestations really carry the SBOM and the provenance statement.
	att := readAllTar(t, filepath.Join(exported, "attestations.tar"))
	assert.Contains(t, att, "https://cyclonedx.org/bom")
	assert.Contains(t, att, "https://slsa.dev/provenance/v1")

	secrets := map[string]string{
		"registry password":   regPassword,
		"registry basic auth": base64.StdEncoding.EncodeToString([]byte("e2e:" + regPassword)),
		"cosign password":     cosignPassword,
		"cosign private key":  pemBody(t, privateKey),
	}
	for name, s := range secrets {
		assert.NotContains(t, res.Output(), s, "%s in the dagger output", name)
	}
	require.NoError(t, filepath.Walk(exported, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		var content string
		if strings.HasSuffix(p, ".tar") {
			content = readAllTar(t, p)
		} else {
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			content = string(b)
		}
		for name, s := range secrets {
			assert.NotContains(t, content, s, "%s in exported %s", name, filepath.Base(p))
		}
		return nil
	}))
}

// Misconfigured release calls fail before touching a registry, saying
// which flag is missing.
func TestReleaseArgumentErrors(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"publish to Docker Hub without a login", []string{"publish", "--repository=me/weather-app"},
			"--registry-password=env:DOCKERHUB_TOKEN"},
		{"verify without a key or identity", []string{"verify", "--ref=registry.example.invalid/me/app:1.0"},
			"give --public-key"},
		{"keyless verify without an issuer", []string{"verify", "--ref=registry.example.invalid/me/app:1.0",
			"--certificate-identity-regexp=^https://github.com/me/", "--certificate-oidc-issuer="}, "--certificate-oidc-issuer"},
		{"sign a tag instead of a digest", []string{"sign", "--digest-ref=registry.example.invalid/me/app:1.0",
			"--cosign-key=env:HOME", "--cosign-password=env:HOME", "--revision=abc", "--sbom=go.mod"}, "not a digest reference"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			res := testenv.DaggerCall(t, nil, c.args...)
			require.Error(t, res.Err, res.Output())
			assert.Contains(t, res.Output(), c.wantErr)
		})
	}
}

// app/VERSION bumps through the Dagger function, from commit history or as
// asked, on throwaway repositories.
func TestVersionBump(t *testing.T) {
	cases := []struct {
		name, version string
		commits       []string // "tag:NAME" tags the previous commit
		args          []string
		want, wantErr string
	}{
		{name: "feature since the last tag", version: "1.2.2",
			commits: []string{"fix: old", "tag:v1.2.2", "fix: a", "feat(ui): b", "chore(release): 1.2.2"}, want: "1.3.0"},
		{name: "breaking change", version: "1.2.2",
			commits: []string{"feat: old", "tag:v1.2.2", "refactor!: drop the v1 API"}, want: "2.0.0"},
		{name: "only the release commit since the tag", version: "1.2.2",
			commits: []string{"feat: old", "tag:v1.2.2", "chore(release): 1.2.2 [skip ci]"}, wantErr: "nothing to bump"},
		{name: "explicit bump of a pre-release with build metadata", version: "2.0.0-rc.1+build.5",
			commits: []string{"fix: a"}, args: []string{"--bump=patch"}, want: "2.0.0"},
		{name: "malformed VERSION", version: "v1.2",
			commits: []string{"fix: a"}, args: []string{"--bump=minor"}, wantErr: "is not a semantic version"},
		{name: "unknown bump", version: "1.0.0",
			commits: []string{"fix: a"}, args: []string{"--bump=huge"}, wantErr: "use patch, minor or major"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			src := gitRepo(t, c.version, c.commits)
			res := testenv.DaggerCall(t, []string{"--source=" + src},
				append(append([]string{"version"}, c.args...), "file", "contents")...)
			if c.wantErr != "" {
				require.Error(t, res.Err, res.Output())
				assert.Contains(t, res.Output(), c.wantErr)
				return
			}
			require.NoError(t, res.Err, res.Output())
			assert.Equal(t, c.want+"\n", lastLine(res.Stdout)+"\n")
		})
	}
}

func gitRepo(t *testing.T, version string, commits []string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "app"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app", "VERSION"), []byte(version+"\n"), 0o644))
	git := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	git("init", "-q", "-b", "main")
	git("add", ".")
	for i, c := range commits {
		if tag, ok := strings.CutPrefix(c, "tag:"); ok {
			git("tag", tag)
			continue
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "change.txt"), []byte(c+string(rune('a'+i))), 0o644))
		git("add", ".")
		git("commit", "-q", "-m", c)
	}
	return dir
}

func hostCosign(t *testing.T) string {
	if p, err := exec.LookPath("cosign"); err == nil {
		return p
	}
	home := os.Getenv("TOOLS_HOME")
	if home == "" {
		home = "/var/cache/devsecops-tools"
	}
	p := filepath.Join(home, "bin", "cosign")
	_, err := os.Stat(p)
	require.NoError(t, err, "cosign not on PATH nor in $TOOLS_HOME/bin: run .ci/install-tools")
	return p
}

func randomHex(t *testing.T) string {
	b := make([]byte, 16)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// pemBody is the longest base64 line of a PEM file: a fragment that only
// the key itself contains.
func pemBody(t *testing.T, pem []byte) string {
	best := ""
	sc := bufio.NewScanner(bytes.NewReader(pem))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); !strings.HasPrefix(l, "-----") && len(l) > len(best) {
			best = l
		}
	}
	require.Greater(t, len(best), 40, "no key body in %q", pem)
	return best
}

// readAllTar returns every file of a tar, gzip-compressed members (image
// layers) decompressed, so a grep sees what a container would see.
func readAllTar(t *testing.T, path string) string {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var all strings.Builder
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		require.NoError(t, err)
		if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			require.NoError(t, err)
			if d, err := io.ReadAll(zr); err == nil {
				b = d
			}
		}
		all.Write(b)
		// DSSE envelopes (cosign attestations) carry the statement in base64.
		var env struct{ Payload string }
		if json.Unmarshal(b, &env) == nil && env.Payload != "" {
			if d, err := base64.StdEncoding.DecodeString(env.Payload); err == nil {
				all.Write(d)
			}
		}
	}
	return all.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
