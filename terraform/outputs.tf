output "alb_dns_name" {
  description = "DNS name of the ALB (HTTPS on 443)."
  value       = aws_lb.app.dns_name
}

output "instance_id" {
  description = "Id of the app instance (also the Session Manager target)."
  value       = aws_instance.app.id
}

output "image" {
  description = "Image reference deployed, pinned by digest."
  value       = var.image
}

output "app_version" {
  description = "App version deployed."
  value       = var.app_version
}

output "bastion_public_ip" {
  description = "Public IP of the bastion when bastion_mode is \"ssh\", else null."
  value       = one(aws_instance.bastion[*].public_ip)
}
