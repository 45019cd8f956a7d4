package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// A fake AWS key pair in AWS's documented format; never valid anywhere.
// Split so that this file itself does not trip the secret scanners.
var (
	fakeAccessKeyID = "AKIA" + "Z3MSJV4WWNKWW5FG"
	fakeSecretKey   = "TcpQ9d8nrb5uQn6a3cOSHN" + "PnP6trRckUz6Rsyh8J"
)

// vulnerableProject writes a small project with one planted problem per
// scanner: shell=True and debug=True for Bandit, a key committed and then
// deleted for Gitleaks' history scan, SSH open to the world for Trivy, and a
// dependency with a known advisory for the audit.
func vulnerableProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "app/main.py", `import subprocess

from flask import Flask

app = Flask(__name__)


@app.route("/run")
def run():
    return subprocess.check_output("ls " + "x", shell=True)


if __name__ == "__main__":
    app.run(debug=True)
`)
	write(t, dir, "app/requirements.txt", "flask==3.1.3\njinja2==3.1.2\n")
	write(t, dir, "terraform/sg.tf", `resource "aws_security_group" "ssh" {
  name        = "ssh"
  description = "ssh"
  ingress {
    description = "ssh from anywhere"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
`)
	git(t, dir, "init", "-q")
	write(t, dir, "app/settings.py", "AWS_ACCESS_KEY_ID = \""+fakeAccessKeyID+"\"\nAWS_SECRET_ACCESS_KEY = \""+fakeSecretKey+"\"\n")
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "add settings")
	require.NoError(t, os.Remove(filepath.Join(dir, "app/settings.py")))
	git(t, dir, "add", "-A")
	git(t, dir, "commit", "-qm", "remove settings")
	return dir
}

// safetyDB writes a local Safety advisory DB (the format `safety check --db`
// reads) with one advisory for package below fixedIn.
func safetyDB(t *testing.T, pkg, fixedIn, cve string) string {
	t.Helper()
	dir := t.TempDir()
	write(t, dir, "insecure.json", `{"$meta": {"advisory": "test DB", "timestamp": 1700000000}, "`+pkg+`": ["<`+fixedIn+`"]}`)
	write(t, dir, "insecure_full.json", `{"$meta": {"advisory": "test DB", "timestamp": 1700000000, "base_domain": "https://data.safetycli.com"},
 "`+pkg+`": [{"advisory": "planted test advisory for `+pkg+` before `+fixedIn+`", "cve": "`+cve+`", "id": "900001", "specs": ["<`+fixedIn+`"], "v": "<`+fixedIn+`", "more_info_path": "/v/900001/f17"}]}`)
	return dir
}

func write(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, rel)
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "user.name=fixture", "-c", "user.email=fixture@example.invalid", "-c", "commit.gpgsign=false"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %v: %s", args, out)
}
