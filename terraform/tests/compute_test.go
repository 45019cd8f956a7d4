package tests

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// secretName matches variable names that would carry a secret value.
// *_parameter variables carry SSM parameter names, not values.
var secretName = regexp.MustCompile(`(?i)(passw|secret|token|api_?key|private_?key|credential)`)

func looksSecret(name string) bool {
	return secretName.MatchString(name) && !strings.HasSuffix(name, "_parameter")
}

// varsReachable lists the variables an expression depends on, following
// locals transitively.
func varsReachable(c *Config, expr hcl.Expression) map[string]bool {
	out := map[string]bool{}
	seen := map[string]bool{}
	var walk func(e hcl.Expression)
	walk = func(e hcl.Expression) {
		for _, tr := range e.Variables() {
			if len(tr) < 2 {
				continue
			}
			attr, ok := tr[1].(hcl.TraverseAttr)
			if !ok {
				continue
			}
			switch tr.RootName() {
			case "var":
				out[attr.Name] = true
			case "local":
				if l := c.Locals[attr.Name]; l != nil && !seen[attr.Name] {
					seen[attr.Name] = true
					walk(l.Expr)
				}
			}
		}
	}
	walk(expr)
	return out
}

func checkIMDSv2(k *Check, inst *Block) {
	m := k.One(inst, "metadata_options")
	k.Eq(m, "http_endpoint", "enabled")
	k.Eq(m, "http_tokens", "required")
	k.Eq(m, "http_put_response_hop_limit", 1)
}

func checkEncryptedRoot(k *Check, inst *Block) {
	k.Eq(k.One(inst, "root_block_device"), "encrypted", true)
	if inst != nil && len(inst.Nested("ebs_block_device")) > 0 {
		k.Errorf("%s: extra EBS volumes are not checked for encryption", inst.Name())
	}
}

var computeRules = []Rule{
	{"app instance in the private subnet, no public ip", func(k *Check) {
		a := k.Resource("aws_instance", "app")
		k.SrcEq(a, "subnet_id", "aws_subnet.private.id")
		k.Eq(a, "associate_public_ip_address", false)
		k.SrcEq(a, "vpc_security_group_ids", "[aws_security_group.app.id]")
		k.SrcEq(a, "iam_instance_profile", "aws_iam_instance_profile.app.name")
		k.CountIs(a, "")
	}},
	{"app instance imdsv2 required", func(k *Check) { checkIMDSv2(k, k.Resource("aws_instance", "app")) }},
	{"app instance root volume encrypted", func(k *Check) { checkEncryptedRoot(k, k.Resource("aws_instance", "app")) }},
	{"new app version replaces the instance", func(k *Check) {
		a := k.Resource("aws_instance", "app")
		k.Eq(a, "user_data_replace_on_change", true)
		k.SrcEq(a, "user_data", "local.user_data")
		if a == nil || a.Body.Attributes["user_data"] == nil {
			return
		}
		used := varsReachable(k.Cfg, a.Body.Attributes["user_data"].Expr)
		for _, v := range []string{"image", "app_version"} {
			if !used[v] {
				k.Errorf("var.%s does not reach the user data, so changing it would not replace the instance", v)
			}
		}
	}},
	{"user data rendered from the template with the script", func(k *Check) {
		l := k.Cfg.Locals["user_data"]
		if l == nil {
			k.Errorf("local.user_data is missing")
			return
		}
		call, ok := l.Expr.(*hclsyntax.FunctionCallExpr)
		if !ok || call.Name != "templatefile" || len(call.Args) != 2 {
			k.Errorf("local.user_data must be templatefile(path, vars)")
			return
		}
		if p := srcOf(k.Cfg, call.Args[0].Range()); p != `"${path.module}/scripts/user-data.sh.tftpl"` {
			k.Errorf("user data template = %s, want scripts/user-data.sh.tftpl", p)
		}
		if !strings.Contains(srcOf(k.Cfg, call.Args[1].Range()), `script = file("${path.module}/scripts/user-data.sh")`) {
			k.Errorf("the template must get scripts/user-data.sh as its script")
		}
	}},
	{"no secret-looking variable reaches the user data", func(k *Check) {
		a := k.Resource("aws_instance", "app")
		if a == nil || a.Body.Attributes["user_data"] == nil {
			return
		}
		for name := range varsReachable(k.Cfg, a.Body.Attributes["user_data"].Expr) {
			if looksSecret(name) {
				k.Errorf("var.%s looks secret and reaches the user data (and so the state)", name)
			}
		}
	}},
	{"no hard-coded ami id", func(k *Check) {
		for _, key := range sortedKeys(k.Cfg.Resources) {
			if b := k.Cfg.Resources[key]; b.Labels[0] == "aws_instance" {
				k.SrcEq(b, "ami", "local.ami_id")
			}
		}
		if l := k.Cfg.Locals["ami_id"]; l == nil || srcOf(k.Cfg, l.Expr.Range()) != `var.ami_id != "" ? var.ami_id : one(data.aws_ami.al2023[*].id)` {
			k.Errorf("local.ami_id must be the var.ami_id override or the looked-up AMI")
		}
		ami := k.Data("aws_ami", "al2023")
		k.Eq(ami, "most_recent", true)
		k.Eq(ami, "owners", []string{"amazon"})
		k.CountIs(ami, `var.ami_id == "" ? 1 : 0`)
		if ami != nil && len(ami.Nested("filter")) == 0 {
			k.Errorf("data.aws_ami.al2023 has no filter")
		}
		files, _ := filepath.Glob(filepath.Join(k.Cfg.Dir, "*.tf"))
		literal := regexp.MustCompile(`"ami-[0-9a-f]{8,17}"`)
		for _, f := range files {
			if src, err := os.ReadFile(f); err == nil && literal.Match(src) {
				k.Errorf("%s: hard-coded AMI id", filepath.Base(f))
			}
		}
	}},
	{"instance role reads only the app's parameters", func(k *Check) {
		assume := k.Data("aws_iam_policy_document", "ec2_assume")
		if st := k.One(assume, "statement"); st != nil {
			k.Eq(st, "actions", []string{"sts:AssumeRole"})
			k.Eq(k.One(st, "principals"), "identifiers", []string{"ec2.amazonaws.com"})
		}
		doc := k.Data("aws_iam_policy_document", "app_parameters")
		if st := k.One(doc, "statement"); st != nil {
			k.Eq(st, "actions", []string{"ssm:GetParameter"})
			k.SrcEq(st, "resources", "local.app_parameter_arns")
			k.Absent(st, "effect") // default Allow; a Deny would not need checking
		}
		arns := k.Cfg.Locals["app_parameter_arns"]
		if arns == nil {
			k.Errorf("local.app_parameter_arns is missing")
		} else {
			used := varsReachable(k.Cfg, arns.Expr)
			for _, v := range []string{"weather_api_key_parameter", "location_api_key_parameter"} {
				if !used[v] {
					k.Errorf("local.app_parameter_arns does not use var.%s", v)
				}
			}
			if strings.Contains(srcOf(k.Cfg, arns.Expr.Range()), "*") {
				k.Errorf("local.app_parameter_arns contains a wildcard")
			}
		}
		role := k.Resource("aws_iam_role", "app")
		k.SrcEq(role, "assume_role_policy", "data.aws_iam_policy_document.ec2_assume.json")
		p := k.Resource("aws_iam_role_policy", "app_parameters")
		k.SrcEq(p, "role", "aws_iam_role.app.id")
		k.SrcEq(p, "policy", "data.aws_iam_policy_document.app_parameters.json")
		k.SrcEq(k.Resource("aws_iam_instance_profile", "app"), "role", "aws_iam_role.app.name")
	}},
	{"bastion: ssh mode only, public subnet, hardened, no key pair", func(k *Check) {
		b := k.Resource("aws_instance", "bastion")
		k.CountIs(b, "local.ssh_enabled ? 1 : 0")
		k.SrcEq(b, "subnet_id", "aws_subnet.public[0].id")
		k.SrcEq(b, "vpc_security_group_ids", "[aws_security_group.bastion[0].id]")
		k.Absent(b, "key_name")
		checkIMDSv2(k, b)
		checkEncryptedRoot(k, b)
		if l := k.Cfg.Locals["ssh_enabled"]; l == nil || srcOf(k.Cfg, l.Expr.Range()) != `var.bastion_mode == "ssh"` {
			k.Errorf(`local.ssh_enabled must be var.bastion_mode == "ssh"`)
		}
		k.Eq(k.Variable("bastion_mode"), "default", "ssm")
		for _, key := range sortedKeys(k.Cfg.Resources) {
			if t := k.Cfg.Resources[key].Labels[0]; t == "aws_key_pair" || t == "tls_private_key" {
				k.Errorf("%s would put an SSH key in state", key)
			}
		}
	}},
	{"session manager is the default way in", func(k *Check) {
		a := k.Resource("aws_iam_role_policy_attachment", "app_ssm_core")
		k.CountIs(a, "local.ssh_enabled ? 0 : 1")
		k.SrcEq(a, "role", "aws_iam_role.app.name")
		if a != nil && !strings.HasSuffix(a.Src("policy_arn"), `:iam::aws:policy/AmazonSSMManagedInstanceCore"`) {
			k.Errorf("app_ssm_core must attach AmazonSSMManagedInstanceCore")
		}
	}},
}

func TestCompute(t *testing.T) { runRules(t, computeRules) }
