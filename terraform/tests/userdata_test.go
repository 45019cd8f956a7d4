package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

var (
	scriptPath   = filepath.Join(terraformDir, "scripts", "user-data.sh")
	templatePath = filepath.Join(terraformDir, "scripts", "user-data.sh.tftpl")
	testImage    = "registry.example.com/team/weather@sha256:" + strings.Repeat("ab", 32)
)

// Values the stubbed SSM returns; none may show up in argv or in any output.
// Joined at run time so that secret scanners do not take them for real keys.
var (
	weatherValue  = strings.Join([]string{"wx", "stub", "value", "5f1d2c"}, "-")
	locationValue = strings.Join([]string{"loc", "stub", "value", "9a8b7c"}, "-")
	registryValue = strings.Join([]string{"reg", "stub", "value", "77e1"}, "-")
)

// renderUserData renders the template as Terraform's templatefile() does
// (same HCL template engine), with the variables compute.tf passes.
func renderUserData(t *testing.T, vars map[string]cty.Value) string {
	t.Helper()
	src, err := os.ReadFile(templatePath)
	require.NoError(t, err)
	expr, diags := hclsyntax.ParseTemplate(src, templatePath, hcl.InitialPos)
	require.False(t, diags.HasErrors(), diags.Error())
	val, diags := expr.Value(&hcl.EvalContext{Variables: vars})
	require.False(t, diags.HasErrors(), diags.Error())
	return val.AsString()
}

// templateVars are the values for one run; the fake cosign's checksum is pinned.
func templateVars(t *testing.T, cosignSHA string, override map[string]string) map[string]cty.Value {
	script, err := os.ReadFile(scriptPath)
	require.NoError(t, err)
	return templateVarsWith(script, cosignSHA, override)
}

func templateVarsWith(script []byte, cosignSHA string, override map[string]string) map[string]cty.Value {
	v := map[string]string{
		"image":                      testImage,
		"app_version":                "1.2.3",
		"app_port":                   "8080",
		"region":                     "eu-west-3",
		"weather_api_key_parameter":  "/devsecops/weather-api-key",
		"location_api_key_parameter": "/devsecops/location-api-key",
		"registry_auth_parameter":    "",
		"cosign_version":             "v2.6.5",
		"cosign_sha256":              cosignSHA,
		"cosign_verify_tlog":         "true",
		"cosign_public_key":          strings.TrimSpace(testPublicKey),
		"script":                     string(script),
	}
	for k, val := range override {
		v[k] = val
	}
	out := map[string]cty.Value{}
	for k, val := range v {
		out[k] = cty.StringVal(val)
	}
	return out
}

// Stubs record each call as one line "name arg arg ..." in $STUB_LOG.
const stubHeader = "#!/bin/bash\nset -eu\nprintf '%s' \"$(basename \"$0\")\" >>\"$STUB_LOG\"; printf ' %s' \"$@\" >>\"$STUB_LOG\"; echo >>\"$STUB_LOG\"\n"

var stubs = map[string]string{
	"dnf":       "exit 0\n",
	"systemctl": "exit 0\n",
	// curl: "downloads" the fake cosign to the -o path.
	"curl": `out=""; while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out=$2; shift; fi; shift; done
cp "$FAKE_COSIGN" "$out"
`,
	// aws ssm get-parameter --name N ...: value from $STUB_PARAMS/<N with / as _>.
	"aws": `name=""; while [ $# -gt 0 ]; do if [ "$1" = --name ]; then name=$2; shift; fi; shift; done
cat "$STUB_PARAMS/$(printf '%s' "$name" | tr / _)"
`,
	// docker: records the env-file's mode and variable names (never values),
	// and how many password bytes came on stdin for login.
	"docker": `case "$1" in
run)
  while [ $# -gt 0 ]; do
    if [ "$1" = --env-file ]; then
      echo "envfile mode=$(stat -c %a "$2") vars=$(cut -d= -f1 "$2" | sort | tr '\n' ,)" >>"$STUB_LOG"
      cp "$2" "$STUB_SEEN_ENV"
    fi
    shift
  done ;;
login) echo "login stdin-bytes=$(wc -c | tr -d ' ')" >>"$STUB_LOG" ;;
esac
`,
}

// fakeCosign is what the stubbed download installs; $COSIGN_RESULT decides.
const fakeCosign = stubHeader + `key=""; while [ $# -gt 0 ]; do if [ "$1" = --key ]; then key=$2; fi; shift; done
grep -q 'BEGIN PUBLIC KEY' "$key" || { echo "cosign stub: no public key" >&2; exit 2; }
if [ "${COSIGN_RESULT:-fail}" = pass ]; then echo '[{"critical":{}}]'; exit 0; fi
echo "Error: no matching signatures" >&2
exit 1
`

type runResult struct {
	exitCode int
	output   string // stdout + stderr of the script
	calls    []string
	envFile  string // what docker run got in its env-file
	runDir   string
}

// runUserData runs the rendered user data with stubbed commands first on PATH.
func runUserData(t *testing.T, cosignResult string, cosignSHA func(fake []byte) string, override map[string]string) runResult {
	t.Helper()
	script, err := os.ReadFile(scriptPath)
	require.NoError(t, err)
	return runScript(t, script, cosignResult, cosignSHA, override)
}

// runScript runs a given user-data script body (the real one, or a broken
// copy in the mutation tests).
func runScript(t *testing.T, script []byte, cosignResult string, cosignSHA func(fake []byte) string, override map[string]string) runResult {
	t.Helper()
	dir := t.TempDir()
	stubDir := filepath.Join(dir, "stubs")
	params := filepath.Join(dir, "params")
	for _, d := range []string{stubDir, params, filepath.Join(dir, "home")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	for name, body := range stubs {
		require.NoError(t, os.WriteFile(filepath.Join(stubDir, name), []byte(stubHeader+body), 0o755))
	}
	fake := []byte(fakeCosign)
	fakePath := filepath.Join(dir, "fake-cosign")
	require.NoError(t, os.WriteFile(fakePath, fake, 0o755))
	for name, val := range map[string]string{
		"/devsecops/weather-api-key":  weatherValue,
		"/devsecops/location-api-key": locationValue,
		"/devsecops/registry-auth":    "ci-bot:" + registryValue,
	} {
		require.NoError(t, os.WriteFile(filepath.Join(params, strings.ReplaceAll(name, "/", "_")), []byte(val+"\n"), 0o600))
	}
	rendered := renderUserData(t, templateVarsWith(script, cosignSHA(fake), override))
	scriptFile := filepath.Join(dir, "user-data.rendered.sh")
	require.NoError(t, os.WriteFile(scriptFile, []byte(rendered), 0o700))

	logFile := filepath.Join(dir, "calls.log")
	seenEnv := filepath.Join(dir, "seen.env")
	runDir := filepath.Join(dir, "run")
	cmd := exec.Command("bash", scriptFile)
	cmd.Env = []string{
		"PATH=" + stubDir + ":" + filepath.Join(dir, "bin") + ":/usr/bin:/bin",
		"HOME=" + filepath.Join(dir, "home"),
		"APP_RUN_DIR=" + runDir,
		"COSIGN_INSTALL_DIR=" + filepath.Join(dir, "bin"),
		"STUB_LOG=" + logFile, "STUB_PARAMS=" + params, "STUB_SEEN_ENV=" + seenEnv,
		"FAKE_COSIGN=" + fakePath, "COSIGN_RESULT=" + cosignResult,
	}
	out, err := cmd.CombinedOutput()
	res := runResult{output: string(out), runDir: runDir}
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		require.True(t, ok, "running bash: %v", err)
		res.exitCode = exitErr.ExitCode()
	}
	if b, err := os.ReadFile(logFile); err == nil {
		res.calls = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	if b, err := os.ReadFile(seenEnv); err == nil {
		res.envFile = string(b)
	}
	return res
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func (r runResult) called(prefix string) []string {
	var out []string
	for _, c := range r.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func TestUserDataRefusesImageWhoseSignatureDoesNotVerify(t *testing.T) {
	r := runUserData(t, "fail", sha, nil)
	require.NotZero(t, r.exitCode, "script must fail; output:\n%s", r.output)
	require.NotEmpty(t, r.called("cosign verify"), "cosign verify was not called:\n%v", r.calls)
	require.Empty(t, r.called("docker run"), "docker run after a failed verification")
	require.Empty(t, r.called("docker pull"), "image pulled after a failed verification")
	require.Empty(t, r.called("aws ssm"), "secrets fetched for an unverified image")
	require.Contains(t, r.output, "refusing to run")
}

func TestUserDataRunsVerifiedImageWithoutLeakingSecrets(t *testing.T) {
	r := runUserData(t, "pass", sha, nil)
	require.Zero(t, r.exitCode, "output:\n%s\ncalls:\n%v", r.output, r.calls)

	verify := r.called("cosign verify")
	require.Len(t, verify, 1)
	require.Contains(t, verify[0], " --key ")
	require.True(t, strings.HasSuffix(verify[0], " "+testImage), "cosign must verify the digest reference: %s", verify[0])
	require.NotContains(t, verify[0], "--insecure-ignore-tlog", "tlog verification is on by default")

	runs := r.called("docker run")
	require.Len(t, runs, 1)
	run := runs[0]
	require.True(t, strings.HasSuffix(run, " "+testImage), "docker run must use the digest reference: %s", run)
	for _, flag := range []string{"--read-only", "--tmpfs /tmp", "--cap-drop ALL", "--security-opt no-new-privileges", "--env-file ", "--publish 8080:8080"} {
		require.Contains(t, run, flag)
	}
	require.Equal(t, []string{"docker pull " + testImage}, r.called("docker pull"))
	// Verification happens before the pull and the run.
	require.Less(t, indexOf(r.calls, verify[0]), indexOf(r.calls, "docker pull "+testImage))

	require.Equal(t, []string{"envfile mode=600 vars=LOCATION_API_KEY,SECRET_KEY,WEATHER_API_KEY,"}, r.called("envfile"))
	require.Contains(t, r.envFile, "WEATHER_API_KEY="+weatherValue+"\n")
	require.Contains(t, r.envFile, "LOCATION_API_KEY="+locationValue+"\n")
	require.Regexp(t, `(?m)^SECRET_KEY=[0-9a-f]{64}$`, r.envFile)
	_, err := os.Stat(filepath.Join(r.runDir, "app.env"))
	require.True(t, os.IsNotExist(err), "the env-file must be removed once the container exists")

	everything := strings.Join(r.calls, "\n") + "\n" + r.output
	for _, secret := range []string{weatherValue, locationValue} {
		require.NotContains(t, everything, secret, "a secret leaked into argv or the log")
	}
	require.Empty(t, r.called("docker login"), "no registry login without a registry auth parameter")
}

func TestUserDataRefusesCosignWithWrongChecksum(t *testing.T) {
	r := runUserData(t, "pass", func([]byte) string { return sha([]byte("something else")) }, nil)
	require.NotZero(t, r.exitCode)
	require.Empty(t, r.called("cosign"), "an unverified cosign binary was run")
	require.Empty(t, r.called("docker run"))
	require.Contains(t, r.output, "does not match its pinned sha256")
}

func TestUserDataRefusesImageNotPinnedByDigest(t *testing.T) {
	r := runUserData(t, "pass", sha, map[string]string{"image": "registry.example.com/team/weather:latest"})
	require.NotZero(t, r.exitCode)
	require.Empty(t, r.calls, "nothing may run for a tag reference: %v", r.calls)
	require.Contains(t, r.output, "not pinned by digest")
}

func TestUserDataRegistryPasswordOnlyOnStdin(t *testing.T) {
	r := runUserData(t, "pass", sha, map[string]string{"registry_auth_parameter": "/devsecops/registry-auth"})
	require.Zero(t, r.exitCode, "output:\n%s", r.output)
	logins := r.called("docker login")
	require.Len(t, logins, 1)
	require.Equal(t, "docker login --username ci-bot --password-stdin registry.example.com", logins[0])
	require.Contains(t, r.calls, "login stdin-bytes="+strconv.Itoa(len(registryValue)))
	require.NotContains(t, strings.Join(r.calls, "\n")+r.output, registryValue)
	// Login comes before verification: cosign needs the registry too.
	require.Less(t, indexOf(r.calls, logins[0]), indexOf(r.calls, r.called("cosign verify")[0]))
}

func TestUserDataTlogOptOut(t *testing.T) {
	r := runUserData(t, "pass", sha, map[string]string{"cosign_verify_tlog": "false"})
	require.Zero(t, r.exitCode, "output:\n%s", r.output)
	require.Contains(t, r.called("cosign verify")[0], "--insecure-ignore-tlog=true")
}

// The template must get exactly the variables compute.tf passes, or
// templatefile() fails at plan time.
func TestUserDataTemplateVariablesMatchCompute(t *testing.T) {
	src, err := os.ReadFile(templatePath)
	require.NoError(t, err)
	expr, diags := hclsyntax.ParseTemplate(src, templatePath, hcl.InitialPos)
	require.False(t, diags.HasErrors(), diags.Error())
	used := map[string]bool{}
	for _, tr := range expr.Variables() {
		used[tr.RootName()] = true
	}
	c := loadReal(t)
	call, ok := c.Locals["user_data"].Expr.(*hclsyntax.FunctionCallExpr)
	require.True(t, ok)
	obj, ok := call.Args[1].(*hclsyntax.ObjectConsExpr)
	require.True(t, ok)
	passed := map[string]bool{}
	for _, item := range obj.Items {
		key, diags := item.KeyExpr.Value(nil)
		require.False(t, diags.HasErrors())
		passed[key.AsString()] = true
	}
	require.Equal(t, sortedKeys(passed), sortedKeys(used))
	// And the test renders with those same names.
	tv := templateVars(t, "", nil)
	names := make([]string, 0, len(tv))
	for k := range tv {
		names = append(names, k)
	}
	sort.Strings(names)
	require.Equal(t, sortedKeys(passed), names)
}

func TestUserDataShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck is not installed (CI installs it: apt-get install shellcheck)")
	}
	rendered := filepath.Join(t.TempDir(), "user-data.rendered.sh")
	require.NoError(t, os.WriteFile(rendered, []byte(renderUserData(t, templateVars(t, strings.Repeat("0", 64), nil))), 0o600))
	for _, f := range []string{scriptPath, rendered} {
		out, err := exec.Command("shellcheck", "--shell=bash", "--severity=style", f).CombinedOutput()
		require.NoError(t, err, "shellcheck %s:\n%s", f, out)
	}
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
