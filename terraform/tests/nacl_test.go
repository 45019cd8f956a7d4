package tests

import "testing"

// naclRule is one expected NACL entry.
type naclRule struct {
	resource string
	number   int
	egress   bool
	protocol string
	from, to int
	cidr     string
}

// checkNACLRule asserts one aws_network_acl_rule exactly.
func checkNACLRule(k *Check, acl string, want naclRule) {
	r := k.Resource("aws_network_acl_rule", want.resource)
	k.SrcEq(r, "network_acl_id", "aws_network_acl."+acl+".id")
	k.Eq(r, "rule_number", want.number)
	k.Eq(r, "egress", want.egress)
	k.Eq(r, "protocol", want.protocol)
	k.Eq(r, "rule_action", "allow")
	k.Eq(r, "from_port", want.from)
	k.Eq(r, "to_port", want.to)
	k.Eq(r, "cidr_block", want.cidr)
}

// checkNACLSet asserts that the rules of an ACL are exactly the wanted ones,
// so an extra, wider rule fails too. checkedElsewhere names rules asserted
// by the caller.
func checkNACLSet(k *Check, acl string, want []naclRule, checkedElsewhere ...string) {
	names := map[string]bool{}
	for _, n := range checkedElsewhere {
		names[n] = true
	}
	for _, w := range want {
		names[w.resource] = true
		checkNACLRule(k, acl, w)
	}
	for _, key := range sortedKeys(k.Cfg.Resources) {
		b := k.Cfg.Resources[key]
		if b.Labels[0] == "aws_network_acl_rule" && b.Src("network_acl_id") == "aws_network_acl."+acl+".id" && !names[b.Labels[1]] {
			k.Errorf("unexpected rule %s in NACL %s", b.Name(), acl)
		}
	}
	if a := k.Resource("aws_network_acl", acl); a != nil && (len(a.Nested("ingress")) > 0 || len(a.Nested("egress")) > 0) {
		k.Errorf("aws_network_acl.%s: inline rules bypass this check; use aws_network_acl_rule", acl)
	}
}

var naclRules = []Rule{
	{"private nacl on the private subnet", func(k *Check) {
		a := k.Resource("aws_network_acl", "private")
		k.SrcEq(a, "vpc_id", "aws_vpc.main.id")
		k.SrcEq(a, "subnet_ids", "[aws_subnet.private.id]")
	}},
	{"private nacl rules", func(k *Check) {
		checkNACLSet(k, "private", []naclRule{
			{"private_in_vpc_tcp", 100, false, "tcp", 0, 65535, "10.0.0.0/16"},
			{"private_in_ephemeral", 110, false, "tcp", 1024, 65535, "0.0.0.0/0"},
			{"private_out_vpc_tcp", 100, true, "tcp", 0, 65535, "10.0.0.0/16"},
			{"private_out_https", 110, true, "tcp", 443, 443, "0.0.0.0/0"},
		})
	}},
	{"public nacl on both public subnets", func(k *Check) {
		a := k.Resource("aws_network_acl", "public")
		k.SrcEq(a, "vpc_id", "aws_vpc.main.id")
		k.SrcEq(a, "subnet_ids", "aws_subnet.public[*].id")
	}},
	{"public nacl rules", func(k *Check) {
		checkNACLSet(k, "public", []naclRule{
			{"public_in_http", 100, false, "tcp", 80, 80, "0.0.0.0/0"},
			{"public_in_https", 110, false, "tcp", 443, 443, "0.0.0.0/0"},
			{"public_in_ephemeral", 120, false, "tcp", 1024, 65535, "0.0.0.0/0"},
			{"public_out_all", 100, true, "-1", 0, 0, "0.0.0.0/0"},
		}, "public_in_ssh")
		// SSH is checked with its variable CIDR: literal values cannot say
		// "not the world by default".
		r := k.Resource("aws_network_acl_rule", "public_in_ssh")
		k.SrcEq(r, "network_acl_id", "aws_network_acl.public.id")
		k.SrcEq(r, "cidr_block", "var.ssh_ingress_cidr")
		k.CountIs(r, "local.ssh_ingress_enabled ? 1 : 0")
		k.Eq(r, "rule_number", 130)
		k.Eq(r, "egress", false)
		k.Eq(r, "protocol", "tcp")
		k.Eq(r, "from_port", 22)
		k.Eq(r, "to_port", 22)
	}},
	{"ssh source is not the world by default", func(k *Check) {
		v := k.Variable("ssh_ingress_cidr")
		if v == nil {
			return
		}
		k.Eq(v, "default", "")
		if l := k.Cfg.Locals["ssh_ingress_enabled"]; l == nil || srcOf(k.Cfg, l.Expr.Range()) != `local.ssh_enabled && var.ssh_ingress_cidr != ""` {
			k.Errorf(`local.ssh_ingress_enabled must be: local.ssh_enabled && var.ssh_ingress_cidr != ""`)
		}
		if val, ok := k.Cfg.locals["ssh_ingress_enabled"]; !ok || val.True() {
			k.Errorf("with default variables SSH ingress must be disabled")
		}
		if validationAccepts(k.Cfg, "ssh_ingress_cidr", "0.0.0.0/0") {
			k.Errorf("ssh_ingress_cidr accepts 0.0.0.0/0")
		}
	}},
}

func TestNACL(t *testing.T) { runRules(t, naclRules) }
