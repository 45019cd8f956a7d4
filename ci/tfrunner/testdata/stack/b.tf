# A second resource in its own file: the destroy-refusal test drops this file
# to make a plan that destroys terraform_data.b.
resource "terraform_data" "b" {
  input = "b"
}

output "b" {
  value = terraform_data.b.output
}
