package tests

import (
	"regexp"
	"strings"
	"testing"

	"github.com/zclconf/go-cty/cty"
)

// toCty converts a test value (string or []string) for a variable.
func toCty(v any) cty.Value {
	switch x := v.(type) {
	case string:
		return cty.StringVal(x)
	case []string:
		if len(x) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		vals := make([]cty.Value, len(x))
		for i, s := range x {
			vals[i] = cty.StringVal(s)
		}
		return cty.ListVal(vals)
	case int:
		return cty.NumberIntVal(int64(x))
	}
	panic("unsupported value type")
}

// validationAccepts reports whether every validation block of a variable
// accepts value, evaluating the conditions as Terraform would (an error in a
// condition rejects the value).
func validationAccepts(c *Config, name string, value any) bool {
	v := c.Variables[name]
	if v == nil {
		return false
	}
	ctx := c.evalContext(nil, map[string]cty.Value{name: toCty(value)})
	for _, val := range v.Nested("validation") {
		cond := val.Body.Attributes["condition"]
		if cond == nil {
			return false
		}
		res, diags := cond.Expr.Value(ctx)
		if diags.HasErrors() || !res.IsKnown() || res.IsNull() || res.Type() != cty.Bool || res.False() {
			return false
		}
	}
	return true
}

// validationCases: values each validated variable must accept and reject.
var validationCases = []struct {
	variable string
	good     []any
	bad      []any
}{
	{"region", []any{"eu-west-3", "us-east-1", "ap-southeast-2", "us-gov-west-1"}, []any{"", "EU-WEST-3", "eu-west", "mars", "eu-west-3; rm -rf /"}},
	{"image", []any{
		"registry.example.com/team/weather@sha256:" + strings.Repeat("0a", 32),
		"ghcr.io/o/r@sha256:" + strings.Repeat("f", 64),
		"localhost:5000/weather@sha256:" + strings.Repeat("1", 64),
	}, []any{
		"weather:latest", "registry.example.com/weather:1.0",
		"registry.example.com/weather@sha256:abc",
		"registry.example.com/weather@sha256:" + strings.Repeat("G", 64),
		"registry.example.com/weather:1.0@sha256:" + strings.Repeat("0", 64),
		"registry.example.com/weather@sha256:" + strings.Repeat("0", 64) + "'",
	}},
	{"vpc_cidr", []any{"10.0.0.0/16"}, []any{"10.0.0.0/33", "10.0.0/16", "fd00::/8", "vpc"}},
	{"private_subnet_cidr", []any{"10.0.1.0/24"}, []any{"10.0.1.0", "300.0.1.0/24"}},
	{"public_subnet_cidrs", []any{[]string{"10.0.2.0/24", "10.0.3.0/24"}}, []any{[]string{"10.0.2.0/24"}, []string{"10.0.2.0/24", "x"}, []string{}}},
	{"ssh_ingress_cidr", []any{"", "203.0.113.7/32", "198.51.100.0/24"}, []any{"0.0.0.0/0", "0.0.0.0/1", "10.0.0.0/4", "203.0.113.7"}},
	{"ami_id", []any{"", "ami-0123456789abcdef0", "ami-12345678"}, []any{"ami-XYZ", "0123456789abcdef0", "ami-0123456789abcdef"}},
	{"cosign_public_key", []any{testPublicKey}, []any{"", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", testPublicKey + "'"}},
	{"cosign_sha256", []any{strings.Repeat("a", 64)}, []any{strings.Repeat("a", 63), strings.Repeat("A", 64)}},
	{"weather_api_key_parameter", []any{"/devsecops/weather-api-key"}, []any{"", "devsecops", "/a/'b", "abc123-the-key-itself"}},
	{"location_api_key_parameter", []any{"/devsecops/location-api-key"}, []any{"", "/x y"}},
	{"registry_auth_parameter", []any{"", "/devsecops/registry-auth"}, []any{"user:pass"}},
	{"bastion_mode", []any{"ssm", "ssh"}, []any{"", "both"}},
	{"app_version", []any{"1.2.3", "2024.06.01+abc"}, []any{"", "1.0'", "a b"}},
	{"server_certificate_name", []any{"devsecops-alb"}, []any{"", "a/b"}},
	{"name_prefix", []any{"devsecops"}, []any{"", "Dev", "this-prefix-is-far-too-long"}},
}

// validated lists the variables the issue requires validation on.
var validated = []string{"region", "image", "vpc_cidr", "private_subnet_cidr", "public_subnet_cidrs", "ssh_ingress_cidr"}

var variableRules = []Rule{
	{"every variable typed and described", func(k *Check) {
		for _, name := range sortedKeys(k.Cfg.Variables) {
			v := k.Cfg.Variables[name]
			if v.Body.Attributes["type"] == nil {
				k.Errorf("variable %s has no type", name)
			}
			if d, err := v.Value("description"); err != nil || d.Type() != cty.String || len(strings.TrimSpace(d.AsString())) < 10 {
				k.Errorf("variable %s has no real description", name)
			}
		}
	}},
	{"cidr, region and image variables validated", func(k *Check) {
		for _, name := range validated {
			if v := k.Variable(name); v != nil && len(v.Nested("validation")) == 0 {
				k.Errorf("variable %s has no validation", name)
			}
		}
	}},
	{"validations accept good and reject bad values", func(k *Check) {
		for _, tc := range validationCases {
			if k.Variable(tc.variable) == nil {
				continue
			}
			for _, g := range tc.good {
				if !validationAccepts(k.Cfg, tc.variable, g) {
					k.Errorf("var.%s rejects valid %#v", tc.variable, g)
				}
			}
			for _, b := range tc.bad {
				if validationAccepts(k.Cfg, tc.variable, b) {
					k.Errorf("var.%s accepts invalid %#v", tc.variable, b)
				}
			}
		}
	}},
	{"no secret is a variable", func(k *Check) {
		for _, name := range sortedKeys(k.Cfg.Variables) {
			if looksSecret(name) {
				k.Errorf("variable %s looks like a secret: secrets come from SSM on the instance", name)
			}
			if s := k.Cfg.Variables[name].Src("sensitive"); s == "true" {
				k.Errorf("variable %s is sensitive: no secret may pass through Terraform", name)
			}
		}
	}},
}

// stackRules: providers, backend, outputs, and nothing secret in the state.
var stackRules = []Rule{
	{"terraform >= 1.5 and the aws provider pinned to 5.x/6.x", func(k *Check) {
		var tf *Block
		if len(k.Cfg.Terraform) == 1 {
			tf = k.Cfg.Terraform[0]
		} else {
			k.Errorf("want one terraform block, got %d", len(k.Cfg.Terraform))
			return
		}
		k.Eq(tf, "required_version", ">= 1.5.0")
		rp := k.One(tf, "required_providers")
		if rp == nil {
			return
		}
		aws, err := rp.Value("aws")
		if err != nil || !aws.Type().IsObjectType() || !aws.Type().HasAttribute("version") || !aws.Type().HasAttribute("source") {
			k.Errorf("required_providers.aws needs source and version")
			return
		}
		if s := aws.GetAttr("source").AsString(); s != "hashicorp/aws" {
			k.Errorf("aws provider source = %q", s)
		}
		// A lower bound in 5.x and an upper bound below 7 (no floating major).
		ver := aws.GetAttr("version").AsString()
		pinned := regexp.MustCompile(`^(>= ?5\.\d+(\.\d+)?, ?< ?[67](\.0)*|~> ?[56]\.\d+(\.\d+)?)$`)
		if !pinned.MatchString(ver) {
			k.Errorf("aws provider version %q is not pinned to 5.x/6.x", ver)
		}
	}},
	{"s3 backend filled at init", func(k *Check) {
		if len(k.Cfg.Terraform) != 1 {
			return
		}
		backends := k.Cfg.Terraform[0].Nested("backend")
		if len(backends) != 1 || len(backends[0].Labels) != 1 || backends[0].Labels[0] != "s3" {
			k.Errorf(`want exactly one backend "s3" block`)
			return
		}
		if n := len(backends[0].Body.Attributes) + len(backends[0].Body.Blocks); n != 0 {
			k.Errorf("the s3 backend block must stay empty (partial configuration filled by the deploy stage), has %d settings", n)
		}
	}},
	{"outputs: alb dns name, instance id, image", func(k *Check) {
		for name, want := range map[string]string{
			"alb_dns_name": "aws_lb.app.dns_name",
			"instance_id":  "aws_instance.app.id",
			"image":        "var.image",
		} {
			o, ok := k.Cfg.Outputs[name]
			if !ok {
				k.Errorf("output %s is missing", name)
				continue
			}
			k.SrcEq(o, "value", want)
		}
	}},
	{"no secret-bearing resource type", func(k *Check) {
		// Each of these keeps a secret value in the state in clear.
		forbidden := map[string]bool{
			"aws_ssm_parameter": true, "aws_secretsmanager_secret_version": true, "tls_private_key": true,
			"aws_iam_access_key": true, "aws_iam_server_certificate": true, "random_password": true,
		}
		for _, key := range sortedKeys(k.Cfg.Resources) {
			if forbidden[k.Cfg.Resources[key].Labels[0]] {
				k.Errorf("%s stores a secret in the state", key)
			}
		}
		for _, key := range sortedKeys(k.Cfg.Data) {
			switch k.Cfg.Data[key].Labels[0] {
			case "aws_ssm_parameter", "aws_secretsmanager_secret_version":
				k.Errorf("data.%s reads a secret value into the state", key)
			}
		}
	}},
}

func TestVariables(t *testing.T) { runRules(t, variableRules) }
func TestStack(t *testing.T)     { runRules(t, stackRules) }
