# The self-signed certificate is generated and uploaded to IAM by the deploy
# stage (AWS SDK, iam:UploadServerCertificate) before `terraform apply`.
# Terraform only looks it up, so the private key never enters Terraform state
# (an aws_iam_server_certificate *resource* would store it there in clear).
data "aws_iam_server_certificate" "alb" {
  name   = var.server_certificate_name
  latest = true
}
