# Rules are separate resources (aws_vpc_security_group_*_rule): one rule per
# resource can be changed without re-creating the others, and each is a test case.

# --- ALB ---

resource "aws_security_group" "alb" {
  name        = "${var.name_prefix}-alb"
  description = "Public HTTPS entry point; HTTP only to redirect"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${var.name_prefix}-alb" }
}

# The public entry point of the app.
resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# The HTTP listener answers only with a redirect to 443 (alb.tf).
resource "aws_vpc_security_group_ingress_rule" "alb_http_redirect" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from anywhere, redirected to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_app" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Forward to the app and health-check it"
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.app.id
}

# --- app instance ---

resource "aws_security_group" "app" {
  name        = "${var.name_prefix}-app"
  description = "App instance: HTTP from the ALB only, SSH from the bastion only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${var.name_prefix}-app" }
}

resource "aws_vpc_security_group_ingress_rule" "app_http_from_alb" {
  security_group_id            = aws_security_group.app.id
  description                  = "App port from the ALB"
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.alb.id
}

resource "aws_vpc_security_group_ingress_rule" "app_ssh_from_bastion" {
  count = local.ssh_enabled ? 1 : 0

  security_group_id            = aws_security_group.app.id
  description                  = "SSH from the bastion"
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22
  referenced_security_group_id = aws_security_group.bastion[0].id
}

# Docker image and cosign download, SSM, the weather API: all HTTPS, whose
# addresses are not fixed, hence the internet as destination.
# trivy AWS-0104 (CRITICAL) allowlisted for that reason.
resource "aws_vpc_security_group_egress_rule" "app_https_out" {
  security_group_id = aws_security_group.app.id
  description       = "HTTPS to the internet through the NAT"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

# --- bastion (bastion_mode = "ssh" only) ---

resource "aws_security_group" "bastion" {
  count = local.ssh_enabled ? 1 : 0

  name        = "${var.name_prefix}-bastion"
  description = "Bastion: SSH from the operators' CIDR, SSH out to the app only"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${var.name_prefix}-bastion" }
}

resource "aws_vpc_security_group_ingress_rule" "bastion_ssh" {
  count = local.ssh_ingress_enabled ? 1 : 0

  security_group_id = aws_security_group.bastion[0].id
  description       = "SSH from the operators' CIDR"
  ip_protocol       = "tcp"
  from_port         = 22
  to_port           = 22
  cidr_ipv4         = var.ssh_ingress_cidr
}

resource "aws_vpc_security_group_egress_rule" "bastion_ssh_to_app" {
  count = local.ssh_enabled ? 1 : 0

  security_group_id            = aws_security_group.bastion[0].id
  description                  = "SSH to the app instance"
  ip_protocol                  = "tcp"
  from_port                    = 22
  to_port                      = 22
  referenced_security_group_id = aws_security_group.app.id
}
