package tests

import "testing"

// networkRules: the seed's VPC, subnets, gateways and routes.
var networkRules = []Rule{
	{"vpc cidr 10.0.0.0/16", func(k *Check) {
		k.Eq(k.Resource("aws_vpc", "main"), "cidr_block", "10.0.0.0/16")
	}},
	{"internet gateway in the vpc", func(k *Check) {
		k.SrcEq(k.Resource("aws_internet_gateway", "main"), "vpc_id", "aws_vpc.main.id")
	}},
	{"private subnet 10.0.1.0/24, no public ip", func(k *Check) {
		s := k.Resource("aws_subnet", "private")
		k.SrcEq(s, "vpc_id", "aws_vpc.main.id")
		k.Eq(s, "cidr_block", "10.0.1.0/24")
		k.Eq(s, "map_public_ip_on_launch", false)
	}},
	{"two public subnets 10.0.2.0/24 and 10.0.3.0/24 in two azs", func(k *Check) {
		s := k.Resource("aws_subnet", "public")
		k.Eq(s, "count", 2)
		k.SrcEq(s, "vpc_id", "aws_vpc.main.id")
		k.SrcEq(s, "availability_zone", "local.azs[count.index]")
		// local.azs must be two distinct zones.
		if src := k.Cfg.Locals["azs"]; src == nil {
			k.Errorf("local.azs is missing")
		} else if s != nil {
			got := srcOf(k.Cfg, src.Expr.Range())
			if got != "slice(data.aws_availability_zones.available.names, 0, 2)" {
				k.Errorf("local.azs = %q, want two distinct available zones", got)
			}
		}
		if s != nil {
			for i, want := range []string{"10.0.2.0/24", "10.0.3.0/24"} {
				k.Eq(s.At(i), "cidr_block", want)
			}
			k.Eq(s, "map_public_ip_on_launch", false)
		}
	}},
	{"nat gateway with elastic ip in a public subnet", func(k *Check) {
		eip := k.Resource("aws_eip", "nat")
		k.Eq(eip, "domain", "vpc")
		nat := k.Resource("aws_nat_gateway", "main")
		k.SrcEq(nat, "allocation_id", "aws_eip.nat.id")
		k.SrcEq(nat, "subnet_id", "aws_subnet.public[0].id")
	}},
	{"private route table: 0.0.0.0/0 to the nat", func(k *Check) {
		rt := k.Resource("aws_route_table", "private")
		k.SrcEq(rt, "vpc_id", "aws_vpc.main.id")
		r := k.One(rt, "route")
		k.Eq(r, "cidr_block", "0.0.0.0/0")
		k.SrcEq(r, "nat_gateway_id", "aws_nat_gateway.main.id")
		k.Absent(r, "gateway_id")
	}},
	{"public route table: 0.0.0.0/0 to the igw", func(k *Check) {
		rt := k.Resource("aws_route_table", "public")
		k.SrcEq(rt, "vpc_id", "aws_vpc.main.id")
		r := k.One(rt, "route")
		k.Eq(r, "cidr_block", "0.0.0.0/0")
		k.SrcEq(r, "gateway_id", "aws_internet_gateway.main.id")
	}},
	{"route table associations", func(k *Check) {
		p := k.Resource("aws_route_table_association", "private")
		k.SrcEq(p, "subnet_id", "aws_subnet.private.id")
		k.SrcEq(p, "route_table_id", "aws_route_table.private.id")
		pub := k.Resource("aws_route_table_association", "public")
		k.Eq(pub, "count", 2)
		k.SrcEq(pub, "subnet_id", "aws_subnet.public[count.index].id")
		k.SrcEq(pub, "route_table_id", "aws_route_table.public.id")
	}},
	{"default security group emptied", func(k *Check) {
		d := k.Resource("aws_default_security_group", "default")
		if d != nil && (len(d.Nested("ingress")) > 0 || len(d.Nested("egress")) > 0) {
			k.Errorf("the default security group must have no rules")
		}
	}},
}

func TestNetwork(t *testing.T) { runRules(t, networkRules) }
