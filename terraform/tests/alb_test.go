package tests

import (
	"strings"
	"testing"
)

var albRules = []Rule{
	{"alb across the two public subnets", func(k *Check) {
		lb := k.Resource("aws_lb", "app")
		k.Eq(lb, "load_balancer_type", "application")
		k.Eq(lb, "internal", false)
		k.SrcEq(lb, "subnets", "aws_subnet.public[*].id")
		k.SrcEq(lb, "security_groups", "[aws_security_group.alb.id]")
		k.Eq(lb, "drop_invalid_header_fields", true)
	}},
	{"target group health check on /healthz", func(k *Check) {
		tg := k.Resource("aws_lb_target_group", "app")
		k.SrcEq(tg, "port", "var.app_port")
		k.Eq(tg, "protocol", "HTTP")
		k.SrcEq(tg, "vpc_id", "aws_vpc.main.id")
		hc := k.One(tg, "health_check")
		k.Eq(hc, "path", "/healthz")
		if hc != nil && hc.Body.Attributes["enabled"] != nil {
			k.Eq(hc, "enabled", true)
		}
		att := k.Resource("aws_lb_target_group_attachment", "app")
		k.SrcEq(att, "target_group_arn", "aws_lb_target_group.app.arn")
		k.SrcEq(att, "target_id", "aws_instance.app.id")
	}},
	{"https listener 443 with a tls 1.3 policy and the iam certificate", func(k *Check) {
		l := k.Resource("aws_lb_listener", "https")
		k.SrcEq(l, "load_balancer_arn", "aws_lb.app.arn")
		k.Eq(l, "port", 443)
		k.Eq(l, "protocol", "HTTPS")
		if p := k.Str(l, "ssl_policy"); l != nil && !strings.HasPrefix(p, "ELBSecurityPolicy-TLS13-") {
			k.Errorf("ssl_policy %q is not a TLS 1.3 policy", p)
		}
		k.SrcEq(l, "certificate_arn", "data.aws_iam_server_certificate.alb.arn")
		a := k.One(l, "default_action")
		k.Eq(a, "type", "forward")
		k.SrcEq(a, "target_group_arn", "aws_lb_target_group.app.arn")
	}},
	{"any other listener only redirects to https", func(k *Check) {
		for _, key := range sortedKeys(k.Cfg.Resources) {
			l := k.Cfg.Resources[key]
			if l.Labels[0] != "aws_lb_listener" || l.Labels[1] == "https" {
				continue
			}
			if len(l.Nested("default_action")) != 1 {
				k.Errorf("%s: want exactly one default_action", l.Name())
				continue
			}
			a := l.Nested("default_action")[0]
			k.Eq(a, "type", "redirect")
			r := k.One(a, "redirect")
			k.Eq(r, "protocol", "HTTPS")
			k.Eq(r, "port", "443")
			k.Eq(r, "status_code", "HTTP_301")
		}
		for _, key := range sortedKeys(k.Cfg.Resources) {
			if strings.HasPrefix(key, "aws_lb_listener_rule.") {
				k.Errorf("%s: listener rules could forward plain HTTP", key)
			}
		}
	}},
	{"self-signed certificate from iam, private key outside the state", func(k *Check) {
		c := k.Data("aws_iam_server_certificate", "alb")
		k.SrcEq(c, "name", "var.server_certificate_name")
		for _, key := range sortedKeys(k.Cfg.Resources) {
			switch k.Cfg.Resources[key].Labels[0] {
			case "aws_iam_server_certificate", "tls_self_signed_cert", "tls_private_key", "aws_acm_certificate":
				k.Errorf("%s would store the certificate's private key in the state", key)
			}
		}
	}},
	{"waf managed rule set on the alb", func(k *Check) {
		acl := k.Resource("aws_wafv2_web_acl", "app")
		k.Eq(acl, "scope", "REGIONAL")
		found := false
		if acl != nil {
			for _, r := range acl.Nested("rule") {
				st := k.One(r, "statement")
				if st == nil || len(st.Nested("managed_rule_group_statement")) != 1 {
					continue
				}
				m := st.Nested("managed_rule_group_statement")[0]
				if v, err := m.Value("name"); err == nil && v.AsString() == "AWSManagedRulesCommonRuleSet" {
					found = true
					k.Eq(m, "vendor_name", "AWS")
					// "count" would only log what the rule set should block.
					o := k.One(r, "override_action")
					if o != nil && len(o.Nested("none")) != 1 {
						k.Errorf("%s: the common rule set must keep its own actions (override_action none)", acl.Name())
					}
				}
			}
		}
		if acl != nil && !found {
			k.Errorf("%s has no AWSManagedRulesCommonRuleSet rule", acl.Name())
		}
		as := k.Resource("aws_wafv2_web_acl_association", "app")
		k.SrcEq(as, "resource_arn", "aws_lb.app.arn")
		k.SrcEq(as, "web_acl_arn", "aws_wafv2_web_acl.app.arn")
	}},
}

func TestALB(t *testing.T) { runRules(t, albRules) }
