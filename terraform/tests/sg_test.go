package tests

import (
	"strings"
	"testing"
)

// sgRule is one expected aws_vpc_security_group_{ingress,egress}_rule.
type sgRule struct {
	resource string
	ingress  bool
	sg       string // owning security group
	port     int
	cidr     string // literal CIDR, or "" when source is peer / cidrSrc
	cidrSrc  string // source text of cidr_ipv4 when it is a variable
	peer     string // referenced security group source text
	count    string // source text of count, "" for none
}

func checkSGRule(k *Check, w sgRule) {
	typ := "aws_vpc_security_group_egress_rule"
	if w.ingress {
		typ = "aws_vpc_security_group_ingress_rule"
	}
	r := k.Resource(typ, w.resource)
	k.SrcEq(r, "security_group_id", "aws_security_group."+w.sg+".id")
	k.Eq(r, "ip_protocol", "tcp")
	if w.port == appPort {
		k.SrcEq(r, "from_port", "var.app_port")
		k.SrcEq(r, "to_port", "var.app_port")
	}
	k.Eq(r, "from_port", w.port)
	k.Eq(r, "to_port", w.port)
	k.CountIs(r, w.count)
	switch {
	case w.peer != "":
		k.SrcEq(r, "referenced_security_group_id", w.peer)
		k.Absent(r, "cidr_ipv4")
	case w.cidrSrc != "":
		k.SrcEq(r, "cidr_ipv4", w.cidrSrc)
		k.Absent(r, "referenced_security_group_id")
	default:
		k.Eq(r, "cidr_ipv4", w.cidr)
		k.Absent(r, "referenced_security_group_id")
	}
	k.Absent(r, "cidr_ipv6")
	k.Absent(r, "prefix_list_id")
}

// appPort is var.app_port's default; rules on it must use the variable.
const appPort = 8080

// checkSGSet asserts a security group has exactly the wanted rules and no
// inline ones (inline rules would escape this check).
func checkSGSet(k *Check, sg string, want []sgRule) {
	names := map[string]bool{}
	for _, w := range want {
		names[w.resource] = true
		checkSGRule(k, w)
	}
	for _, key := range sortedKeys(k.Cfg.Resources) {
		b := k.Cfg.Resources[key]
		typ := b.Labels[0]
		if (typ == "aws_vpc_security_group_ingress_rule" || typ == "aws_vpc_security_group_egress_rule") &&
			b.Src("security_group_id") == "aws_security_group."+sg+".id" && !names[b.Labels[1]] {
			k.Errorf("unexpected rule %s in security group %s", b.Name(), sg)
		}
		if typ == "aws_security_group_rule" {
			k.Errorf("%s: use aws_vpc_security_group_*_rule resources, which this test checks", b.Name())
		}
	}
	g := k.Resource("aws_security_group", strings.TrimSuffix(sg, "[0]"))
	k.SrcEq(g, "vpc_id", "aws_vpc.main.id")
	if g != nil && (len(g.Nested("ingress")) > 0 || len(g.Nested("egress")) > 0) {
		k.Errorf("aws_security_group.%s has inline rules", g.Labels[1])
	}
}

var securityGroupRules = []Rule{
	{"alb sg: https from anywhere, http only for the redirect, out to the app", func(k *Check) {
		checkSGSet(k, "alb", []sgRule{
			{resource: "alb_https", ingress: true, sg: "alb", port: 443, cidr: "0.0.0.0/0"},
			{resource: "alb_http_redirect", ingress: true, sg: "alb", port: 80, cidr: "0.0.0.0/0"},
			{resource: "alb_to_app", sg: "alb", port: appPort, peer: "aws_security_group.app.id"},
		})
	}},
	{"app sg: app port from the alb sg, ssh from the bastion sg, https out", func(k *Check) {
		checkSGSet(k, "app", []sgRule{
			{resource: "app_http_from_alb", ingress: true, sg: "app", port: appPort, peer: "aws_security_group.alb.id"},
			{resource: "app_ssh_from_bastion", ingress: true, sg: "app", port: 22, peer: "aws_security_group.bastion[0].id", count: "local.ssh_enabled ? 1 : 0"},
			{resource: "app_https_out", sg: "app", port: 443, cidr: "0.0.0.0/0"},
		})
	}},
	{"bastion sg: ssh from the operators' cidr, ssh out to the app only", func(k *Check) {
		k.CountIs(k.Resource("aws_security_group", "bastion"), "local.ssh_enabled ? 1 : 0")
		checkSGSet(k, "bastion[0]", []sgRule{
			{resource: "bastion_ssh", ingress: true, sg: "bastion[0]", port: 22, cidrSrc: "var.ssh_ingress_cidr", count: "local.ssh_ingress_enabled ? 1 : 0"},
			{resource: "bastion_ssh_to_app", sg: "bastion[0]", port: 22, peer: "aws_security_group.app.id", count: "local.ssh_enabled ? 1 : 0"},
		})
	}},
	{"app port default 8080", func(k *Check) {
		k.Eq(k.Variable("app_port"), "default", appPort)
	}},
}

func TestSecurityGroups(t *testing.T) { runRules(t, securityGroupRules) }
