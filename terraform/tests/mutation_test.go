package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
)

// Mutation tests: each breaks one rule in a copy of the configuration and
// asserts that the rule's check reports it, so no check passes vacuously.

// edit changes one block of a copied .tf file. path is the block's type and
// labels, then nested block types (first match), e.g.
// {"resource", "aws_instance", "app", "metadata_options"}.
type edit struct {
	file   string
	path   []string
	set    map[string]string // attribute -> raw HCL expression; the attribute must exist unless add
	add    bool
	remove []string // attributes or nested block types to remove
	block  string   // nested block type to append (empty body)
	append string   // raw HCL appended to the file (path unused)
}

type mutation struct {
	rule  string
	edits []edit
}

func set(file string, path []string, attr, expr string) edit {
	return edit{file: file, path: path, set: map[string]string{attr: expr}}
}

func res(typ, name string, nested ...string) []string {
	return append([]string{"resource", typ, name}, nested...)
}

func variable(name string, nested ...string) []string {
	return append([]string{"variable", name}, nested...)
}

var mutations = []mutation{
	// network
	{"vpc cidr 10.0.0.0/16", []edit{set("variables.tf", variable("vpc_cidr"), "default", `"10.0.0.0/8"`)}},
	{"internet gateway in the vpc", []edit{set("network.tf", res("aws_internet_gateway", "main"), "vpc_id", `"vpc-0123"`)}},
	{"private subnet 10.0.1.0/24, no public ip", []edit{set("network.tf", res("aws_subnet", "private"), "map_public_ip_on_launch", "true")}},
	{"private subnet 10.0.1.0/24, no public ip", []edit{set("variables.tf", variable("private_subnet_cidr"), "default", `"10.0.4.0/24"`)}},
	{"two public subnets 10.0.2.0/24 and 10.0.3.0/24 in two azs", []edit{set("network.tf", res("aws_subnet", "public"), "availability_zone", "local.azs[0]")}},
	{"two public subnets 10.0.2.0/24 and 10.0.3.0/24 in two azs", []edit{set("variables.tf", variable("public_subnet_cidrs"), "default", `["10.0.2.0/24", "10.0.4.0/24"]`)}},
	{"nat gateway with elastic ip in a public subnet", []edit{set("network.tf", res("aws_nat_gateway", "main"), "subnet_id", "aws_subnet.private.id")}},
	{"private route table: 0.0.0.0/0 to the nat", []edit{
		{file: "network.tf", path: res("aws_route_table", "private", "route"), remove: []string{"nat_gateway_id"}},
		{file: "network.tf", path: res("aws_route_table", "private", "route"), add: true, set: map[string]string{"gateway_id": "aws_internet_gateway.main.id"}},
	}},
	{"public route table: 0.0.0.0/0 to the igw", []edit{set("network.tf", res("aws_route_table", "public", "route"), "gateway_id", "aws_nat_gateway.main.id")}},
	{"route table associations", []edit{set("network.tf", res("aws_route_table_association", "public"), "route_table_id", "aws_route_table.private.id")}},
	{"default security group emptied", []edit{{file: "network.tf", path: res("aws_default_security_group", "default"), block: "ingress"}}},

	// NACLs
	{"private nacl on the private subnet", []edit{set("nacl.tf", res("aws_network_acl", "private"), "subnet_ids", "aws_subnet.public[*].id")}},
	{"private nacl rules", []edit{set("nacl.tf", res("aws_network_acl_rule", "private_in_ephemeral"), "from_port", "0")}},
	{"private nacl rules", []edit{set("nacl.tf", res("aws_network_acl_rule", "private_out_https"), "to_port", "65535")}},
	{"private nacl rules", []edit{set("nacl.tf", res("aws_network_acl_rule", "private_in_vpc_tcp"), "cidr_block", `"0.0.0.0/0"`)}},
	{"private nacl rules", []edit{set("nacl.tf", res("aws_network_acl_rule", "private_out_vpc_tcp"), "egress", "false")}},
	{"private nacl rules", []edit{{file: "nacl.tf", append: `
resource "aws_network_acl_rule" "private_in_ssh_world" {
  network_acl_id = aws_network_acl.private.id
  rule_number    = 90
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 22
  to_port        = 22
}
`}}},
	{"public nacl on both public subnets", []edit{set("nacl.tf", res("aws_network_acl", "public"), "subnet_ids", "[aws_subnet.public[0].id]")}},
	{"public nacl rules", []edit{set("nacl.tf", res("aws_network_acl_rule", "public_in_ssh"), "cidr_block", `"0.0.0.0/0"`)}},
	{"public nacl rules", []edit{set("nacl.tf", res("aws_network_acl_rule", "public_in_ssh"), "count", "1")}},
	{"public nacl rules", []edit{set("nacl.tf", res("aws_network_acl_rule", "public_in_https"), "from_port", "0")}},
	{"public nacl rules", []edit{set("nacl.tf", res("aws_network_acl_rule", "public_in_http"), "rule_number", "200")}},
	{"ssh source is not the world by default", []edit{set("variables.tf", variable("ssh_ingress_cidr"), "default", `"0.0.0.0/0"`)}},
	{"ssh source is not the world by default", []edit{set("variables.tf", variable("ssh_ingress_cidr", "validation"), "condition", `var.ssh_ingress_cidr == "" || can(cidrnetmask(var.ssh_ingress_cidr))`)}},

	// security groups
	{"alb sg: https from anywhere, http only for the redirect, out to the app", []edit{
		{file: "security_groups.tf", path: res("aws_vpc_security_group_egress_rule", "alb_to_app"), remove: []string{"referenced_security_group_id"}},
		{file: "security_groups.tf", path: res("aws_vpc_security_group_egress_rule", "alb_to_app"), add: true, set: map[string]string{"cidr_ipv4": `"0.0.0.0/0"`}},
	}},
	{"alb sg: https from anywhere, http only for the redirect, out to the app", []edit{
		set("security_groups.tf", res("aws_vpc_security_group_ingress_rule", "alb_http_redirect"), "to_port", "8080"),
	}},
	{"app sg: app port from the alb sg, ssh from the bastion sg, https out", []edit{
		{file: "security_groups.tf", path: res("aws_vpc_security_group_ingress_rule", "app_ssh_from_bastion"), remove: []string{"referenced_security_group_id"}},
		{file: "security_groups.tf", path: res("aws_vpc_security_group_ingress_rule", "app_ssh_from_bastion"), add: true, set: map[string]string{"cidr_ipv4": `"0.0.0.0/0"`}},
	}},
	{"app sg: app port from the alb sg, ssh from the bastion sg, https out", []edit{
		{file: "security_groups.tf", path: res("aws_vpc_security_group_ingress_rule", "app_http_from_alb"), remove: []string{"referenced_security_group_id"}},
		{file: "security_groups.tf", path: res("aws_vpc_security_group_ingress_rule", "app_http_from_alb"), add: true, set: map[string]string{"cidr_ipv4": `"10.0.0.0/16"`}},
	}},
	{"app sg: app port from the alb sg, ssh from the bastion sg, https out", []edit{set("security_groups.tf", res("aws_vpc_security_group_egress_rule", "app_https_out"), "from_port", "0")}},
	{"app sg: app port from the alb sg, ssh from the bastion sg, https out", []edit{{file: "security_groups.tf", append: `
resource "aws_vpc_security_group_ingress_rule" "app_debug" {
  security_group_id = aws_security_group.app.id
  ip_protocol       = "tcp"
  from_port         = 9000
  to_port           = 9000
  cidr_ipv4         = "10.0.0.0/16"
}
`}}},
	{"app sg: app port from the alb sg, ssh from the bastion sg, https out", []edit{{file: "security_groups.tf", path: res("aws_security_group", "app"), block: "ingress"}}},
	{"bastion sg: ssh from the operators' cidr, ssh out to the app only", []edit{
		set("security_groups.tf", res("aws_vpc_security_group_ingress_rule", "bastion_ssh"), "cidr_ipv4", `"0.0.0.0/0"`),
	}},
	{"app port default 8080", []edit{set("variables.tf", variable("app_port"), "default", "9090")}},

	// compute
	{"app instance in the private subnet, no public ip", []edit{set("compute.tf", res("aws_instance", "app"), "associate_public_ip_address", "true")}},
	{"app instance in the private subnet, no public ip", []edit{set("compute.tf", res("aws_instance", "app"), "subnet_id", "aws_subnet.public[0].id")}},
	{"app instance imdsv2 required", []edit{set("compute.tf", res("aws_instance", "app", "metadata_options"), "http_tokens", `"optional"`)}},
	{"app instance imdsv2 required", []edit{{file: "compute.tf", path: res("aws_instance", "app", "metadata_options"), remove: []string{"http_tokens"}}}},
	{"app instance root volume encrypted", []edit{set("compute.tf", res("aws_instance", "app", "root_block_device"), "encrypted", "false")}},
	{"app instance root volume encrypted", []edit{{file: "compute.tf", path: res("aws_instance", "app"), remove: []string{"root_block_device"}}}},
	{"new app version replaces the instance", []edit{set("compute.tf", res("aws_instance", "app"), "user_data_replace_on_change", "false")}},
	{"new app version replaces the instance", []edit{{file: "compute.tf", path: res("aws_instance", "app"), remove: []string{"user_data_replace_on_change"}}}},
	{"user data rendered from the template with the script", []edit{set("compute.tf", []string{"locals"}, "user_data", `file("${path.module}/scripts/user-data.sh")`)}},
	{"no secret-looking variable reaches the user data", []edit{
		set("compute.tf", res("aws_instance", "app"), "user_data", `"${local.user_data}\nexport DOCKER_PASSWORD='${var.docker_password}'"`),
	}},
	{"no hard-coded ami id", []edit{set("compute.tf", res("aws_instance", "app"), "ami", `"ami-0123456789abcdef0"`)}},
	{"no hard-coded ami id", []edit{set("compute.tf", []string{"data", "aws_ami", "al2023"}, "owners", `["self"]`)}},
	{"instance role reads only the app's parameters", []edit{set("compute.tf", []string{"data", "aws_iam_policy_document", "app_parameters", "statement"}, "resources", `["*"]`)}},
	{"instance role reads only the app's parameters", []edit{set("compute.tf", []string{"data", "aws_iam_policy_document", "app_parameters", "statement"}, "actions", `["ssm:GetParameter", "ssm:GetParametersByPath"]`)}},
	{"bastion: ssh mode only, public subnet, hardened, no key pair", []edit{{file: "compute.tf", path: res("aws_instance", "bastion"), add: true, set: map[string]string{"key_name": `"ops"`}}}},
	{"bastion: ssh mode only, public subnet, hardened, no key pair", []edit{set("compute.tf", res("aws_instance", "bastion", "metadata_options"), "http_tokens", `"optional"`)}},
	{"bastion: ssh mode only, public subnet, hardened, no key pair", []edit{set("variables.tf", variable("bastion_mode"), "default", `"ssh"`)}},
	{"session manager is the default way in", []edit{set("compute.tf", res("aws_iam_role_policy_attachment", "app_ssm_core"), "count", "0")}},

	// ALB, certificate, WAF
	{"alb across the two public subnets", []edit{set("alb.tf", res("aws_lb", "app"), "subnets", "[aws_subnet.public[0].id]")}},
	{"alb across the two public subnets", []edit{{file: "alb.tf", path: res("aws_lb", "app"), remove: []string{"drop_invalid_header_fields"}}}},
	{"target group health check on /healthz", []edit{set("alb.tf", res("aws_lb_target_group", "app", "health_check"), "path", `"/"`)}},
	{"https listener 443 with a tls 1.3 policy and the iam certificate", []edit{set("alb.tf", res("aws_lb_listener", "https"), "ssl_policy", `"ELBSecurityPolicy-2016-08"`)}},
	{"https listener 443 with a tls 1.3 policy and the iam certificate", []edit{set("alb.tf", res("aws_lb_listener", "https"), "protocol", `"HTTP"`)}},
	{"https listener 443 with a tls 1.3 policy and the iam certificate", []edit{set("alb.tf", res("aws_lb_listener", "https"), "port", "8443")}},
	{"any other listener only redirects to https", []edit{set("alb.tf", res("aws_lb_listener", "http_redirect", "default_action", "redirect"), "protocol", `"HTTP"`)}},
	{"any other listener only redirects to https", []edit{set("alb.tf", res("aws_lb_listener", "http_redirect", "default_action"), "type", `"forward"`)}},
	{"self-signed certificate from iam, private key outside the state", []edit{{file: "certificate.tf", append: `
resource "aws_iam_server_certificate" "alb" {
  name             = "devsecops-alb"
  certificate_body = file("cert.pem")
  private_key      = file("key.pem")
}
`}}},
	{"waf managed rule set on the alb", []edit{set("waf.tf", res("aws_wafv2_web_acl_association", "app"), "resource_arn", "aws_lb_target_group.app.arn")}},
	{"waf managed rule set on the alb", []edit{
		{file: "waf.tf", path: res("aws_wafv2_web_acl", "app", "rule", "override_action"), remove: []string{"none"}},
		{file: "waf.tf", path: res("aws_wafv2_web_acl", "app", "rule", "override_action"), block: "count"},
	}},
	{"waf managed rule set on the alb", []edit{set("waf.tf", res("aws_wafv2_web_acl", "app", "rule", "statement", "managed_rule_group_statement"), "name", `"AWSManagedRulesAdminProtectionRuleSet"`)}},

	// variables
	{"every variable typed and described", []edit{{file: "variables.tf", path: variable("region"), remove: []string{"description"}}}},
	{"every variable typed and described", []edit{{file: "variables.tf", path: variable("image"), remove: []string{"type"}}}},
	{"cidr, region and image variables validated", []edit{{file: "variables.tf", path: variable("image"), remove: []string{"validation"}}}},
	{"validations accept good and reject bad values", []edit{set("variables.tf", variable("image", "validation"), "condition", `can(regex("@sha256:", var.image))`)}},
	{"validations accept good and reject bad values", []edit{set("variables.tf", variable("region", "validation"), "condition", `length(var.region) > 0`)}},
	{"no secret is a variable", []edit{{file: "variables.tf", append: `
variable "docker_password" {
  type        = string
  description = "Docker Hub password."
}
`}}},

	// stack
	{"terraform >= 1.5 and the aws provider pinned to 5.x/6.x", []edit{set("versions.tf", []string{"terraform", "required_providers"}, "aws", `{ source = "hashicorp/aws", version = ">= 5.0" }`)}},
	{"terraform >= 1.5 and the aws provider pinned to 5.x/6.x", []edit{set("versions.tf", []string{"terraform"}, "required_version", `">= 1.3.0"`)}},
	{"s3 backend filled at init", []edit{{file: "versions.tf", path: []string{"terraform", "backend"}, add: true, set: map[string]string{"bucket": `"my-state"`}}}},
	{"outputs: alb dns name, instance id, image", []edit{set("outputs.tf", []string{"output", "image"}, "value", `"latest"`)}},
	{"no secret-bearing resource type", []edit{{file: "compute.tf", append: `
data "aws_ssm_parameter" "weather" {
  name = var.weather_api_key_parameter
}
`}}},
}

// copyTerraform copies the configuration (the .tf files, scripts/ and iam/)
// to a temporary directory.
func copyTerraform(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	for _, pattern := range []string{"*.tf", "scripts/*", "iam/*"} {
		files, err := filepath.Glob(filepath.Join(terraformDir, pattern))
		require.NoError(t, err)
		for _, f := range files {
			rel, err := filepath.Rel(terraformDir, f)
			require.NoError(t, err)
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			require.NoError(t, os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dst, rel), b, 0o644))
		}
	}
	return dst
}

// findBlock walks path (block type and labels, then nested types; first
// match) in a parsed file. For "locals", the block holding attr is chosen.
func findBlock(t *testing.T, body *hclsyntax.Body, path []string, attr string) *hclsyntax.Block {
	t.Helper()
	labelCount := map[string]int{"resource": 2, "data": 2, "variable": 1, "output": 1, "locals": 0, "terraform": 0}
	n, ok := labelCount[path[0]]
	require.True(t, ok, "unsupported block type %s", path[0])
	var blk *hclsyntax.Block
	for _, b := range body.Blocks {
		if b.Type != path[0] || strings.Join(b.Labels, ".") != strings.Join(path[1:1+n], ".") {
			continue
		}
		if path[0] == "locals" && b.Body.Attributes[attr] == nil {
			continue
		}
		blk = b
		break
	}
	require.NotNil(t, blk, "block %v not found", path[:1+n])
	for _, nested := range path[1+n:] {
		var next *hclsyntax.Block
		for _, nb := range blk.Body.Blocks {
			if nb.Type == nested {
				next = nb
				break
			}
		}
		require.NotNil(t, next, "nested block %s not found in %v", nested, path)
		blk = next
	}
	return blk
}

// applyEdit splices the source text at the ranges HCL reports, re-parsing
// the file for each change so that ranges stay valid.
func applyEdit(t *testing.T, dir string, e edit) {
	t.Helper()
	path := filepath.Join(dir, e.file)
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	if e.append != "" {
		require.NoError(t, os.WriteFile(path, append(src, []byte(e.append)...), 0o644))
		return
	}
	splice := func(change func(blk *hclsyntax.Block) (start, end int, text string)) {
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		f, diags := hclsyntax.ParseConfig(src, e.file, hcl.InitialPos)
		require.False(t, diags.HasErrors(), diags.Error())
		attr := ""
		for a := range e.set {
			attr = a
		}
		blk := findBlock(t, f.Body.(*hclsyntax.Body), e.path, attr)
		start, end, text := change(blk)
		out := append([]byte{}, src[:start]...)
		out = append(out, text...)
		out = append(out, src[end:]...)
		require.NoError(t, os.WriteFile(path, out, 0o644))
	}
	// Just before the block's closing brace.
	closing := func(blk *hclsyntax.Block) int { return blk.CloseBraceRange.Start.Byte }
	for attr, expr := range e.set {
		splice(func(blk *hclsyntax.Block) (int, int, string) {
			if a := blk.Body.Attributes[attr]; a != nil {
				r := a.Expr.Range()
				return r.Start.Byte, r.End.Byte, expr
			}
			require.True(t, e.add, "%v has no attribute %s to change", e.path, attr)
			return closing(blk), closing(blk), "\n" + attr + " = " + expr + "\n"
		})
	}
	for _, name := range e.remove {
		splice(func(blk *hclsyntax.Block) (int, int, string) {
			if a := blk.Body.Attributes[name]; a != nil {
				return a.SrcRange.Start.Byte, a.SrcRange.End.Byte, ""
			}
			for _, nb := range blk.Body.Blocks {
				if nb.Type == name {
					return nb.Range().Start.Byte, nb.Range().End.Byte, ""
				}
			}
			t.Fatalf("%v has no attribute or block %s to remove", e.path, name)
			return 0, 0, ""
		})
	}
	if e.block != "" {
		splice(func(blk *hclsyntax.Block) (int, int, string) {
			return closing(blk), closing(blk), "\n" + e.block + " {\n}\n"
		})
	}
}

func TestMutationsAreCaught(t *testing.T) {
	rules := allRules()
	for _, m := range mutations {
		rule, ok := rules[m.rule]
		require.True(t, ok, "mutation names unknown rule %q", m.rule)
		t.Run(m.rule, func(t *testing.T) {
			dir := copyTerraform(t)
			for _, e := range m.edits {
				applyEdit(t, dir, e)
			}
			c, err := LoadConfig(dir)
			require.NoError(t, err)
			err = rule.Run(c)
			require.Error(t, err, "rule %q did not catch %+v", m.rule, m.edits)
			t.Log(err) // shows what the rule saw, to check it fails for the right reason
		})
	}
}

// The copy itself must pass every rule, or the mutations prove nothing.
func TestUnmutatedCopyPassesEveryRule(t *testing.T) {
	c, err := LoadConfig(copyTerraform(t))
	require.NoError(t, err)
	for name, r := range allRules() {
		require.NoError(t, r.Run(c), name)
	}
}

func TestEveryRuleHasAMutation(t *testing.T) {
	covered := map[string]bool{}
	for _, m := range mutations {
		covered[m.rule] = true
	}
	for _, name := range sortedKeys(allRules()) {
		require.True(t, covered[name], "rule %q has no mutation proving it can fail", name)
	}
}

func TestDeployerPolicyMutationsAreCaught(t *testing.T) {
	cases := []struct {
		name, file, old, new, want string
	}{
		{"missing delete action", "iam/deployer-policy.json", `"ec2:DeleteNatGateway",`, ``, "ec2:DeleteNatGateway"},
		{"missing certificate action", "iam/deployer-policy.json", `"iam:GetServerCertificate",`, ``, "iam:GetServerCertificate"},
		{"wildcard action", "iam/deployer-policy.json", `"ec2:CreateVpc",`, `"ec2:CreateVpc", "ec2:*",`, `wildcard action "ec2:*"`},
		{"action nothing needs", "iam/deployer-policy.json", `"ec2:CreateVpc",`, `"ec2:CreateVpc", "ec2:CreateVpcPeeringConnection",`, "ec2:CreateVpcPeeringConnection"},
		{"unmapped resource type", "network.tf", `resource "aws_eip" "nat" {`, "resource \"aws_flow_log\" \"vpc\" {\n  vpc_id = aws_vpc.main.id\n}\n\nresource \"aws_eip\" \"nat\" {", "aws_flow_log has no entry"},
		{"NotAction", "iam/deployer-policy.json", `"Sid": "Ec2Read",`, `"Sid": "Ec2Read", "NotAction": ["iam:CreateUser"],`, "NotAction"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyTerraform(t)
			replaceOnce(t, filepath.Join(dir, tc.file), tc.old, tc.new)
			c, err := LoadConfig(dir)
			require.NoError(t, err)
			err = checkDeployerPolicy(c, filepath.Join(dir, "iam", "deployer-policy.json"))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestOIDCTrustMutationsAreCaught(t *testing.T) {
	cases := []struct{ name, old, new string }{
		{"any branch", `ref:refs/heads/main"`, `ref:refs/heads/*"`},
		{"any repository", `"repo:OWNER/REPO:ref:refs/heads/main"`, `"repo:OWNER/*"`},
		{"StringLike", `"StringEquals"`, `"StringLike"`},
		{"wrong audience", `"sts.amazonaws.com"`, `"github.com"`},
		{"other provider", `token.actions.githubusercontent.com"`, `accounts.google.com"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyTerraform(t)
			path := filepath.Join(dir, "iam", "github-oidc-trust.json")
			replaceOnce(t, path, tc.old, tc.new)
			require.Error(t, checkOIDCTrust(path))
		})
	}
}

// A script that ignores cosign's verdict must be caught by the refusal test's
// assertions: it runs the image although the signature does not verify.
func TestUserDataMutationIgnoringVerificationIsCaught(t *testing.T) {
	script, err := os.ReadFile(scriptPath)
	require.NoError(t, err)
	broken := strings.Replace(string(script), `die "signature of $APP_IMAGE does not verify`, `log "signature of $APP_IMAGE does not verify`, 1)
	require.NotEqual(t, string(script), broken, "mutation target not found in user-data.sh")
	r := runScript(t, []byte(broken), "fail", sha, nil)
	require.NotEmpty(t, r.called("docker run"), "the broken script should have run the image (else the refusal test proves nothing)")
}

func replaceOnce(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, 1, strings.Count(string(b), old), "%s: %q must occur exactly once", path, old)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644))
}
