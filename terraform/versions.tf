terraform {
  # 1.5: `check` blocks and the current S3 backend options; CI formats with 1.8.5.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.80 is the oldest release with every argument used here; 6.x is
      # accepted because nothing here uses an argument it removed.
      version = ">= 5.80, < 7.0"
    }
  }

  # Partial configuration: the deploy stage passes bucket, key, region and the
  # lock settings (dynamodb_table, or use_lockfile on Terraform >= 1.10) with
  # `terraform init -backend-config=...`, so no account detail lives here.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project   = var.name_prefix
      ManagedBy = "terraform"
    }
  }
}
