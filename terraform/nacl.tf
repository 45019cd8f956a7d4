# Subnet-level filters. NACLs are stateless, so every allowed flow needs its
# return path listed too (the ephemeral-port rules).

locals {
  ssh_enabled = var.bastion_mode == "ssh"
  # SSH to the bastion is opened only when it exists and a source CIDR is given.
  ssh_ingress_enabled = local.ssh_enabled && var.ssh_ingress_cidr != ""
}

# --- private subnet (app instance) ---

resource "aws_network_acl" "private" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.private.id]

  tags = { Name = "${var.name_prefix}-private" }
}

# ALB -> app, bastion -> app SSH, and replies to the instance's own VPC traffic.
resource "aws_network_acl_rule" "private_in_vpc_tcp" {
  network_acl_id = aws_network_acl.private.id
  rule_number    = 100
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = var.vpc_cidr
  from_port      = 0
  to_port        = 65535
}

# Return traffic of the app's outbound HTTPS calls (weather API, SSM, registry).
# Replies come from arbitrary internet hosts, hence 0.0.0.0/0 (trivy AWS-0105, MEDIUM).
resource "aws_network_acl_rule" "private_in_ephemeral" {
  network_acl_id = aws_network_acl.private.id
  rule_number    = 110
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 1024
  to_port        = 65535
}

resource "aws_network_acl_rule" "private_out_vpc_tcp" {
  network_acl_id = aws_network_acl.private.id
  rule_number    = 100
  egress         = true
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = var.vpc_cidr
  from_port      = 0
  to_port        = 65535
}

# HTTPS out through the NAT: image pull, cosign download, SSM, weather API.
resource "aws_network_acl_rule" "private_out_https" {
  network_acl_id = aws_network_acl.private.id
  rule_number    = 110
  egress         = true
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 443
  to_port        = 443
}

# --- public subnets (ALB, NAT gateway, bastion) ---

resource "aws_network_acl" "public" {
  vpc_id     = aws_vpc.main.id
  subnet_ids = aws_subnet.public[*].id

  tags = { Name = "${var.name_prefix}-public" }
}

# HTTP is only redirected to HTTPS by the ALB.
# A public web entry point and a NAT gateway accept traffic from the internet.
resource "aws_network_acl_rule" "public_in_http" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 100
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 80
  to_port        = 80
}

# HTTPS to the ALB, and the private subnet's HTTPS calls entering the NAT.
resource "aws_network_acl_rule" "public_in_https" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 110
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 443
  to_port        = 443
}

# Replies to the NAT's, the ALB's and the bastion's own connections.
resource "aws_network_acl_rule" "public_in_ephemeral" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 120
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 1024
  to_port        = 65535
}

# SSH to the bastion, from the operators' CIDR only.
resource "aws_network_acl_rule" "public_in_ssh" {
  count = local.ssh_ingress_enabled ? 1 : 0

  network_acl_id = aws_network_acl.public.id
  rule_number    = 130
  egress         = false
  protocol       = "tcp"
  rule_action    = "allow"
  cidr_block     = var.ssh_ingress_cidr
  from_port      = 22
  to_port        = 22
}

# The seed's "outbound all": the NAT forwards the private subnet's traffic and
# the ALB answers clients on their ephemeral ports; security groups do the
# fine-grained filtering.
# trivy AWS-0102 (CRITICAL) allowlisted for that reason.
resource "aws_network_acl_rule" "public_out_all" {
  network_acl_id = aws_network_acl.public.id
  rule_number    = 100
  egress         = true
  protocol       = "-1"
  rule_action    = "allow"
  cidr_block     = "0.0.0.0/0"
  from_port      = 0
  to_port        = 0
}
