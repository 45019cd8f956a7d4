# Test stack for ci/tfrunner: provider-free resources (terraform_data is
# built into Terraform), so init needs no registry access.
terraform {
  required_version = ">= 1.4.0"
  # Settings come from `terraform init -backend-config`.
  backend "s3" {}
}

variable "greeting" {
  type    = string
  default = "hello"
}

resource "terraform_data" "a" {
  input = "${var.greeting} from a"
}

output "a" {
  value = terraform_data.a.output
}
