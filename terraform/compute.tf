# App instance (private subnet), optional bastion (public subnet), and the
# instance role that lets the app read its two API keys from SSM at boot.

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

# Latest Amazon Linux 2023 (x86_64), unless var.ami_id pins one.
data "aws_ami" "al2023" {
  count = var.ami_id == "" ? 1 : 0

  most_recent = true
  owners      = ["amazon"]

  filter {
    name   = "name"
    values = ["al2023-ami-2023.*-x86_64"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }
}

locals {
  ami_id = var.ami_id != "" ? var.ami_id : one(data.aws_ami.al2023[*].id)

  ssm_parameter_arn_prefix = "arn:${data.aws_partition.current.partition}:ssm:${var.region}:${data.aws_caller_identity.current.account_id}:parameter"
  # Parameter names start with "/", so prefix + name is a full ARN.
  app_parameter_arns = [
    for name in compact([var.weather_api_key_parameter, var.location_api_key_parameter, var.registry_auth_parameter]) :
    "${local.ssm_parameter_arn_prefix}${name}"
  ]

  # Only names, the public key and non-secret settings go into user data; the
  # script fetches the secrets itself, so they never reach Terraform state.
  user_data = templatefile("${path.module}/scripts/user-data.sh.tftpl", {
    image                      = var.image
    app_version                = var.app_version
    app_port                   = var.app_port
    region                     = var.region
    weather_api_key_parameter  = var.weather_api_key_parameter
    location_api_key_parameter = var.location_api_key_parameter
    registry_auth_parameter    = var.registry_auth_parameter
    cosign_version             = var.cosign_version
    cosign_sha256              = var.cosign_sha256
    cosign_verify_tlog         = var.cosign_verify_tlog
    cosign_public_key          = trimspace(var.cosign_public_key)
    script                     = file("${path.module}/scripts/user-data.sh")
  })
}

# --- instance role: read the app's parameters, nothing else ---

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "app_parameters" {
  statement {
    sid     = "ReadAppParameters"
    actions = ["ssm:GetParameter"]
    # Exactly the named parameters. They are SecureStrings under the AWS
    # managed key aws/ssm, whose key policy already lets SSM decrypt for
    # this account; a customer managed key would also need kms:Decrypt here.
    resources = local.app_parameter_arns
  }
}

resource "aws_iam_role" "app" {
  name               = "${var.name_prefix}-app"
  description        = "App instance: reads its API keys from SSM"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json

  tags = { Name = "${var.name_prefix}-app" }
}

resource "aws_iam_role_policy" "app_parameters" {
  name   = "read-app-parameters"
  role   = aws_iam_role.app.id
  policy = data.aws_iam_policy_document.app_parameters.json
}

# Session Manager access (the default way in, see README).
resource "aws_iam_role_policy_attachment" "app_ssm_core" {
  count = local.ssh_enabled ? 0 : 1

  role       = aws_iam_role.app.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_instance_profile" "app" {
  name = "${var.name_prefix}-app"
  role = aws_iam_role.app.name

  tags = { Name = "${var.name_prefix}-app" }
}

# --- app instance ---

resource "aws_instance" "app" {
  ami                         = local.ami_id
  instance_type               = var.instance_type
  subnet_id                   = aws_subnet.private.id
  vpc_security_group_ids      = [aws_security_group.app.id]
  iam_instance_profile        = aws_iam_instance_profile.app.name
  associate_public_ip_address = false

  user_data = local.user_data
  # The image digest and app version are in the user data: a new version is a
  # new instance, no manual taint.
  user_data_replace_on_change = true

  metadata_options {
    http_endpoint = "enabled"
    # IMDSv2 only: a session token defeats SSRF reads of the role credentials.
    http_tokens = "required"
    # 1 hop: the container (one hop further) cannot reach the instance credentials.
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    encrypted             = true
    volume_type           = "gp3"
    volume_size           = 16
    delete_on_termination = true
  }

  tags = {
    Name       = "${var.name_prefix}-app"
    AppVersion = var.app_version
  }

  lifecycle {
    # The new instance exists before the old one goes, shortening the gap.
    create_before_destroy = true
  }
}

# --- bastion (bastion_mode = "ssh") ---
# No key pair: operators push a one-minute public key with EC2 Instance
# Connect (preinstalled on Amazon Linux 2023), so no private key is ever
# generated by Terraform, stored in state, or written on the runner.

resource "aws_instance" "bastion" {
  count = local.ssh_enabled ? 1 : 0

  ami                    = local.ami_id
  instance_type          = var.instance_type
  subnet_id              = aws_subnet.public[0].id
  vpc_security_group_ids = [aws_security_group.bastion[0].id]
  # A public address is the point of a bastion; its SG admits only ssh_ingress_cidr.
  associate_public_ip_address = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    encrypted             = true
    volume_type           = "gp3"
    delete_on_termination = true
  }

  tags = { Name = "${var.name_prefix}-bastion" }

  lifecycle {
    precondition {
      condition     = var.ssh_ingress_cidr != ""
      error_message = "bastion_mode = \"ssh\" needs ssh_ingress_cidr (the operators' CIDR)."
    }
  }
}
