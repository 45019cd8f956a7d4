// Package pins holds every container image and Python tool version the
// pipeline uses, in one place. Images are pinned by tag and digest; each one
// can be overridden from the module's constructor (private mirrors, air-gapped
// machines, this repository's offline tests).
package pins

const (
	// Python runs Bandit, the dependency audit and the app's own build stage.
	Python = "docker.io/library/python:3.11-slim-bookworm@sha256:2e32f7d302adc1c37428355c1e646897c0c53f4fd60b6a551245fb90ee129f91"
	// Trivy checks IaC and Dockerfiles (embedded checks) and scans images.
	Trivy = "docker.io/aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c"
	// Gitleaks ships git in its image, which history scanning needs.
	Gitleaks = "docker.io/zricethezav/gitleaks:v8.30.1@sha256:c00b6bd0aeb3071cbcb79009cb16a60dd9e0a7c60e2be9ab65d25e6bc8abbb7f"
)

const (
	// Cosign signs, attests and verifies the published image (v2: v3 bundles
	// cannot be verified by v2, so the whole pipeline stays on one major).
	Cosign = "gcr.io/projectsigstore/cosign:v2.6.5@sha256:ad281047f85c5e1fc6ffbc30c2b55be3b07b4032bef715a12122ce5829619aca"
	// Registry is the OCI registry the pipeline runs as a service when no
	// external registry is configured.
	Registry = "docker.io/library/registry:3@sha256:1be55279f18a2fe1a74edf2664cac61c1bea305b7b4642dab412e7affdcb3e33"
	// Crane pushes image tarballs to registries, including registry services
	// inside the pipeline that the engine's own push path cannot reach.
	Crane = "gcr.io/go-containerregistry/crane:v0.22.1@sha256:1f968817b95790bed063f71175aa6b8ff879fa17064020415f3e18bb6e6a36e1"
	// TestRunner runs the integration suite; without an override, Chromium
	// and chromedriver are added to it from Debian's packages.
	TestRunner = Python
)

const (
	// Golang builds the deploy stage's program (ci/cmd/deployer) from the source.
	Golang = "docker.io/library/golang:1.26-bookworm@sha256:b305420a68d0f229d91eb3b3ed9e519fcf2cf5461da4bef997bf927e8c0bfd2b"
	// Terraform is the deployer image's base: the Terraform the stack is
	// checked with (terraform fmt in CI uses the same 1.8.5).
	Terraform = "docker.io/hashicorp/terraform:1.8.5@sha256:c2de8d7f1919b8e534c4e7cb92c2b327baafd87010d5a3bba036da05caa12db0"
)
