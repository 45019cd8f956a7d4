package backend

import "fmt"

// BackendConfig returns the settings for `terraform init -backend-config`
// (one "name=value" each) that point the configuration's empty `backend "s3"`
// block at this backend, storing state under key.
//
// LockS3 emits use_lockfile, which needs Terraform >= 1.10.
func BackendConfig(cfg Config, key string) map[string]string {
	m := map[string]string{
		"bucket":  cfg.Bucket,
		"key":     key,
		"region":  cfg.Region,
		"encrypt": "true",
	}
	if cfg.locking() == LockS3 {
		m["use_lockfile"] = "true"
	} else {
		m["dynamodb_table"] = cfg.Table
	}
	if cfg.KMSKeyID != "" {
		m["kms_key_id"] = cfg.KMSKeyID
	}
	if cfg.UsePathStyle {
		m["use_path_style"] = "true"
	}
	if cfg.Endpoint != "" {
		// Non-string backend arguments are parsed by Terraform as HCL expressions.
		m["endpoints"] = fmt.Sprintf("{s3=%q,dynamodb=%q,sts=%q,iam=%q}", cfg.Endpoint, cfg.Endpoint, cfg.Endpoint, cfg.Endpoint)
	}
	return m
}
