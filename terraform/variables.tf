# Every input the deploy stage passes. None of them is a secret: API keys and
# registry credentials are SSM parameter *names*, read by the instance at boot.

variable "region" {
  type        = string
  description = "AWS region to deploy into, e.g. eu-west-3."

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$", var.region))
    error_message = "The region must look like an AWS region name, e.g. eu-west-3."
  }
}

variable "name_prefix" {
  type        = string
  description = "Prefix of every resource name; the deployer IAM policy scopes IAM, ELB and WAF resources to it."
  default     = "devsecops"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.name_prefix))
    error_message = "The name prefix must be 2-16 characters of lowercase letters, digits and '-', starting with a letter."
  }
}

variable "vpc_cidr" {
  type        = string
  description = "CIDR block of the VPC."
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "The VPC CIDR must be a valid IPv4 CIDR block."
  }
}

variable "private_subnet_cidr" {
  type        = string
  description = "CIDR block of the private subnet that holds the app instance."
  default     = "10.0.1.0/24"

  validation {
    condition     = can(cidrnetmask(var.private_subnet_cidr))
    error_message = "The private subnet CIDR must be a valid IPv4 CIDR block."
  }
}

variable "public_subnet_cidrs" {
  type        = list(string)
  description = "CIDR blocks of the two public subnets (ALB, NAT gateway, bastion), one per availability zone."
  default     = ["10.0.2.0/24", "10.0.3.0/24"]

  validation {
    condition     = length(var.public_subnet_cidrs) == 2 && alltrue([for c in var.public_subnet_cidrs : can(cidrnetmask(c))])
    error_message = "Exactly two valid IPv4 CIDR blocks are required (an ALB needs two availability zones)."
  }
}

variable "image" {
  type        = string
  description = "Container image to run, pinned by digest: registry/repository@sha256:<64 hex>. A tag is refused so that what was signed and scanned is what runs."

  validation {
    condition     = can(regex("^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)+@sha256:[0-9a-f]{64}$", var.image))
    error_message = "The image must be a digest reference: registry/repository@sha256:<64 lowercase hex>."
  }
}

variable "app_version" {
  type        = string
  description = "Version label of the application; part of the user data, so a new version replaces the instance."

  validation {
    condition     = can(regex("^[0-9A-Za-z][0-9A-Za-z._+-]{0,63}$", var.app_version))
    error_message = "The app version must be 1-64 characters of letters, digits, '.', '_', '+' and '-'."
  }
}

variable "app_port" {
  type        = number
  description = "TCP port the container listens on and the ALB forwards to."
  default     = 8080

  validation {
    condition     = var.app_port >= 1024 && var.app_port <= 65535 && floor(var.app_port) == var.app_port
    error_message = "The app port must be an unprivileged port (1024-65535)."
  }
}

variable "cosign_public_key" {
  type        = string
  description = "PEM public key the image signature is verified against on the instance (public, not a secret)."

  validation {
    condition     = can(regex("^-----BEGIN PUBLIC KEY-----\\n[A-Za-z0-9+/=\\n]+\\n-----END PUBLIC KEY-----\\n?$", var.cosign_public_key))
    error_message = "The cosign public key must be a single PEM 'PUBLIC KEY' block."
  }
}

variable "cosign_version" {
  type        = string
  description = "cosign release the instance downloads to verify the image signature."
  default     = "v2.6.5"

  validation {
    condition     = can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+$", var.cosign_version))
    error_message = "The cosign version must look like v2.6.5."
  }
}

variable "cosign_sha256" {
  type        = string
  description = "SHA-256 of cosign-linux-amd64 for cosign_version, from the release's cosign_checksums.txt. No default: a checksum that was not checked against the release is worse than none."

  validation {
    condition     = can(regex("^[0-9a-f]{64}$", var.cosign_sha256))
    error_message = "The cosign checksum must be 64 lowercase hex characters."
  }
}

variable "cosign_verify_tlog" {
  type        = bool
  description = "Require the signature to be in the Rekor transparency log. Set false only when the pipeline signs with --tlog-upload=false (no Rekor reachable)."
  default     = true
}

variable "weather_api_key_parameter" {
  type        = string
  description = "Name (not value) of the SSM SecureString parameter holding the weather API key."

  validation {
    condition     = can(regex("^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.weather_api_key_parameter))
    error_message = "The parameter name must be a hierarchical SSM name such as /devsecops/weather-api-key."
  }
}

variable "location_api_key_parameter" {
  type        = string
  description = "Name (not value) of the SSM SecureString parameter holding the location API key."

  validation {
    condition     = can(regex("^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.location_api_key_parameter))
    error_message = "The parameter name must be a hierarchical SSM name such as /devsecops/location-api-key."
  }
}

variable "registry_auth_parameter" {
  type        = string
  description = "Name of an SSM SecureString parameter holding 'username:password' for a private registry; empty for a public image."
  default     = ""

  validation {
    condition     = var.registry_auth_parameter == "" || can(regex("^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.registry_auth_parameter))
    error_message = "The parameter name must be empty or a hierarchical SSM name."
  }
}

variable "bastion_mode" {
  type        = string
  description = "How operators reach the instances: \"ssm\" (default: Session Manager, no bastion, no inbound port) or \"ssh\" (a bastion in a public subnet, keys pushed by EC2 Instance Connect)."
  default     = "ssm"

  validation {
    condition     = contains(["ssm", "ssh"], var.bastion_mode)
    error_message = "The bastion mode must be \"ssm\" or \"ssh\"."
  }
}

variable "ssh_ingress_cidr" {
  type        = string
  description = "CIDR allowed to SSH to the bastion when bastion_mode is \"ssh\"; empty means no SSH rule. Never the whole internet."
  default     = ""

  validation {
    # try(): Terraform's || does not short-circuit, and split() of "" has no [1].
    condition     = var.ssh_ingress_cidr == "" || try(can(cidrnetmask(var.ssh_ingress_cidr)) && tonumber(split("/", var.ssh_ingress_cidr)[1]) >= 8, false)
    error_message = "The SSH ingress CIDR must be empty or a valid IPv4 CIDR block of prefix /8 or narrower (never the whole internet)."
  }
}

variable "server_certificate_name" {
  type        = string
  description = "Name of the IAM server certificate (self-signed, uploaded by the deploy stage) the HTTPS listener presents."

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.server_certificate_name))
    error_message = "The certificate name must be a valid IAM server certificate name."
  }
}

variable "ami_id" {
  type        = string
  description = "AMI to use instead of the latest Amazon Linux 2023 found by filter; empty for the lookup."
  default     = ""

  validation {
    condition     = var.ami_id == "" || can(regex("^ami-[0-9a-f]{8}([0-9a-f]{9})?$", var.ami_id))
    error_message = "The AMI id must be empty or look like ami-0123456789abcdef0."
  }
}

variable "instance_type" {
  type        = string
  description = "EC2 instance type of the app instance and the bastion (x86_64, to match the AMI filter and the cosign binary)."
  default     = "t3.micro"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "The instance type must look like t3.micro."
  }
}
