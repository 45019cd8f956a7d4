package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// requiredActions: the IAM actions the AWS provider calls to create, read,
// update, tag and destroy each resource type (and to read each data source).
// A type missing here fails the test: adding a resource means adding its actions.
var requiredActions = map[string][]string{
	// provider-local or always-allowed: no IAM action
	"data.aws_partition":           {},
	"data.aws_caller_identity":     {}, // sts:GetCallerIdentity cannot be denied
	"data.aws_iam_policy_document": {},

	"data.aws_availability_zones": {"ec2:DescribeAvailabilityZones"},
	"data.aws_ami":                {"ec2:DescribeImages"},
	// Read by Terraform; uploaded and rotated by the deploy stage (same identity).
	"data.aws_iam_server_certificate": {"iam:ListServerCertificates", "iam:GetServerCertificate",
		"iam:UploadServerCertificate", "iam:TagServerCertificate", "iam:DeleteServerCertificate"},

	"aws_vpc": {"ec2:CreateVpc", "ec2:DeleteVpc", "ec2:DescribeVpcs", "ec2:DescribeVpcAttribute", "ec2:ModifyVpcAttribute",
		"ec2:DescribeNetworkAcls", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroups", "ec2:CreateTags", "ec2:DeleteTags"},
	"aws_default_security_group": {"ec2:DescribeSecurityGroups", "ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress",
		"ec2:CreateTags", "ec2:DeleteTags"},
	"aws_internet_gateway": {"ec2:CreateInternetGateway", "ec2:AttachInternetGateway", "ec2:DetachInternetGateway",
		"ec2:DeleteInternetGateway", "ec2:DescribeInternetGateways", "ec2:CreateTags", "ec2:DeleteTags"},
	"aws_subnet": {"ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:DescribeSubnets", "ec2:ModifySubnetAttribute",
		"ec2:DescribeNetworkInterfaces", "ec2:CreateTags", "ec2:DeleteTags"},
	"aws_eip": {"ec2:AllocateAddress", "ec2:ReleaseAddress", "ec2:DisassociateAddress", "ec2:DescribeAddresses",
		"ec2:DescribeAddressesAttribute", "ec2:CreateTags", "ec2:DeleteTags"},
	"aws_nat_gateway": {"ec2:CreateNatGateway", "ec2:DeleteNatGateway", "ec2:DescribeNatGateways", "ec2:CreateTags", "ec2:DeleteTags"},
	"aws_route_table": {"ec2:CreateRouteTable", "ec2:DeleteRouteTable", "ec2:DescribeRouteTables", "ec2:CreateRoute",
		"ec2:ReplaceRoute", "ec2:DeleteRoute", "ec2:CreateTags", "ec2:DeleteTags"},
	"aws_route_table_association": {"ec2:AssociateRouteTable", "ec2:DisassociateRouteTable", "ec2:ReplaceRouteTableAssociation",
		"ec2:DescribeRouteTables"},
	"aws_network_acl": {"ec2:CreateNetworkAcl", "ec2:DeleteNetworkAcl", "ec2:DescribeNetworkAcls",
		"ec2:ReplaceNetworkAclAssociation", "ec2:CreateTags", "ec2:DeleteTags"},
	"aws_network_acl_rule": {"ec2:CreateNetworkAclEntry", "ec2:ReplaceNetworkAclEntry", "ec2:DeleteNetworkAclEntry",
		"ec2:DescribeNetworkAcls"},
	"aws_security_group": {"ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup", "ec2:DescribeSecurityGroups",
		"ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress", "ec2:DescribeNetworkInterfaces",
		"ec2:CreateTags", "ec2:DeleteTags"},
	"aws_vpc_security_group_ingress_rule": {"ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress",
		"ec2:DescribeSecurityGroupRules", "ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
		"ec2:CreateTags", "ec2:DeleteTags"},
	"aws_vpc_security_group_egress_rule": {"ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress",
		"ec2:DescribeSecurityGroupRules", "ec2:ModifySecurityGroupRules", "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
		"ec2:CreateTags", "ec2:DeleteTags"},
	"aws_instance": {"ec2:RunInstances", "ec2:TerminateInstances", "ec2:StartInstances", "ec2:StopInstances",
		"ec2:DescribeInstances", "ec2:DescribeInstanceAttribute", "ec2:DescribeInstanceTypes",
		"ec2:DescribeInstanceCreditSpecifications", "ec2:DescribeVolumes", "ec2:DescribeTags",
		"ec2:DescribeImages", // the AMI's root device, also when ami_id skips the lookup
		"ec2:ModifyInstanceAttribute", "ec2:ModifyInstanceMetadataOptions", "ec2:CreateTags", "ec2:DeleteTags",
		"iam:PassRole"},

	"aws_iam_role": {"iam:CreateRole", "iam:GetRole", "iam:DeleteRole", "iam:UpdateRole", "iam:UpdateAssumeRolePolicy",
		"iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies",
		"iam:ListInstanceProfilesForRole"},
	"aws_iam_role_policy":            {"iam:PutRolePolicy", "iam:GetRolePolicy", "iam:DeleteRolePolicy"},
	"aws_iam_role_policy_attachment": {"iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:ListAttachedRolePolicies"},
	"aws_iam_instance_profile": {"iam:CreateInstanceProfile", "iam:GetInstanceProfile", "iam:DeleteInstanceProfile",
		"iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile",
		"iam:UntagInstanceProfile"},

	"aws_lb": {"elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer",
		"elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
		"elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
		"elasticloadbalancing:SetSubnets", "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags",
		"elasticloadbalancing:DescribeTags", "iam:CreateServiceLinkedRole"},
	"aws_lb_target_group": {"elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:DeleteTargetGroup",
		"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes",
		"elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
		"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"},
	"aws_lb_target_group_attachment": {"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets",
		"elasticloadbalancing:DescribeTargetHealth"},
	"aws_lb_listener": {"elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener",
		"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeListenerAttributes",
		"elasticloadbalancing:ModifyListener", "elasticloadbalancing:ModifyListenerAttributes",
		"elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:DescribeTags"},

	"aws_wafv2_web_acl": {"wafv2:CreateWebACL", "wafv2:GetWebACL", "wafv2:UpdateWebACL", "wafv2:DeleteWebACL",
		"wafv2:ListTagsForResource", "wafv2:TagResource", "wafv2:UntagResource"},
	"aws_wafv2_web_acl_association": {"wafv2:AssociateWebACL", "wafv2:DisassociateWebACL", "wafv2:GetWebACLForResource",
		"elasticloadbalancing:SetWebAcl"},
}

// backendActions: the S3 backend's state object and DynamoDB lock.
var backendActions = map[string][]string{
	"s3": {"s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:DeleteObject",
		"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"},
}

type policyDoc struct {
	Version   string
	Statement []policyStatement
}

type policyStatement struct {
	Sid          string
	Effect       string
	Action       stringOrList
	NotAction    stringOrList
	Resource     stringOrList
	NotResource  stringOrList
	Principal    json.RawMessage
	NotPrincipal json.RawMessage
	Condition    map[string]map[string]stringOrList
}

// stringOrList decodes IAM's "x" or ["x", ...].
type stringOrList []string

func (s *stringOrList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

func loadPolicy(path string) (*policyDoc, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	var doc policyDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &doc, nil
}

// resourceTypes lists the configuration's resource types ("aws_vpc") and
// data source types ("data.aws_ami").
func resourceTypes(c *Config) []string {
	set := map[string]bool{}
	for _, b := range c.Resources {
		set[b.Labels[0]] = true
	}
	for _, b := range c.Data {
		set["data."+b.Labels[0]] = true
	}
	types := make([]string, 0, len(set))
	for t := range set {
		types = append(types, t)
	}
	sort.Strings(types)
	return types
}

// checkDeployerPolicy fails when a resource type has no mapping or misses an
// action, when the policy grants a wildcard or an action nothing needs, or
// when it uses the negative forms (NotAction, NotResource) or Deny-less tricks.
func checkDeployerPolicy(c *Config, policyPath string) error {
	doc, err := loadPolicy(policyPath)
	if err != nil {
		return err
	}
	var errs []string
	if doc.Version != "2012-10-17" {
		errs = append(errs, "policy Version must be 2012-10-17")
	}
	granted := map[string]bool{}
	for _, st := range doc.Statement {
		if st.Effect != "Allow" {
			errs = append(errs, fmt.Sprintf("statement %s: only Allow statements are expected", st.Sid))
		}
		if len(st.NotAction) > 0 || len(st.NotResource) > 0 || st.Principal != nil || st.NotPrincipal != nil {
			errs = append(errs, fmt.Sprintf("statement %s: NotAction/NotResource/Principal are not allowed in an identity policy", st.Sid))
		}
		if len(st.Action) == 0 || len(st.Resource) == 0 {
			errs = append(errs, fmt.Sprintf("statement %s: needs Action and Resource", st.Sid))
		}
		for _, a := range st.Action {
			if strings.ContainsAny(a, "*?") {
				errs = append(errs, fmt.Sprintf("statement %s: wildcard action %q", st.Sid, a))
			}
			granted[a] = true
		}
		for _, r := range st.Resource {
			// "*" is needed by actions without resource-level permissions;
			// a service-wide ARN wildcard is never needed.
			if r != "*" && regexp.MustCompile(`^arn:aws:[a-z0-9-]+:[^:]*:[^:]*:\*$`).MatchString(r) {
				errs = append(errs, fmt.Sprintf("statement %s: resource %q covers a whole service", st.Sid, r))
			}
		}
	}
	needed := map[string]bool{}
	for _, typ := range resourceTypes(c) {
		actions, ok := requiredActions[typ]
		if !ok {
			errs = append(errs, fmt.Sprintf("resource type %s has no entry in requiredActions: add the IAM actions it needs to the table and to %s", typ, filepath.Base(policyPath)))
			continue
		}
		for _, a := range actions {
			needed[a] = true
			if !granted[a] {
				errs = append(errs, fmt.Sprintf("%s needs %s, which the policy does not grant", typ, a))
			}
		}
	}
	if len(c.Terraform) == 1 {
		for _, be := range c.Terraform[0].Nested("backend") {
			for _, a := range backendActions[be.Labels[0]] {
				needed[a] = true
				if !granted[a] {
					errs = append(errs, fmt.Sprintf("backend %s needs %s", be.Labels[0], a))
				}
			}
		}
	}
	for _, a := range sortedKeys(granted) {
		if !needed[a] {
			errs = append(errs, fmt.Sprintf("the policy grants %s, which no resource of the configuration needs", a))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

func TestDeployerPolicyCoversExactlyTheConfiguration(t *testing.T) {
	c := loadReal(t)
	require.NoError(t, checkDeployerPolicy(c, filepath.Join(terraformDir, "iam", "deployer-policy.json")))
}

func TestDeployerPolicyScoping(t *testing.T) {
	doc, err := loadPolicy(filepath.Join(terraformDir, "iam", "deployer-policy.json"))
	require.NoError(t, err)
	byAction := map[string][]policyStatement{}
	for _, st := range doc.Statement {
		for _, a := range st.Action {
			byAction[a] = append(byAction[a], st)
		}
	}
	// Escalation paths: passing or attaching arbitrary roles/policies.
	for _, st := range byAction["iam:PassRole"] {
		require.Equal(t, []string{"ec2.amazonaws.com"}, []string(st.Condition["StringEquals"]["iam:PassedToService"]), "iam:PassRole must be limited to EC2")
	}
	for _, st := range byAction["iam:AttachRolePolicy"] {
		require.Equal(t, []string{"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}, []string(st.Condition["ArnEquals"]["iam:PolicyARN"]),
			"iam:AttachRolePolicy must be limited to the Session Manager policy")
	}
	for a, sts := range byAction {
		if !strings.HasPrefix(a, "iam:") || a == "iam:ListServerCertificates" {
			continue
		}
		for _, st := range sts {
			for _, r := range st.Resource {
				require.NotEqual(t, "*", r, "%s must be scoped to the project's IAM resources", a)
			}
		}
	}
}

func TestGitHubOIDCTrustPolicy(t *testing.T) {
	require.NoError(t, checkOIDCTrust(filepath.Join(terraformDir, "iam", "github-oidc-trust.json")))
}

// checkOIDCTrust: only GitHub's OIDC tokens for this repository's main
// branch, with the STS audience, may assume the deploy role.
func checkOIDCTrust(path string) error {
	doc, err := loadPolicy(path)
	if err != nil {
		return err
	}
	if len(doc.Statement) != 1 {
		return fmt.Errorf("want one statement, got %d", len(doc.Statement))
	}
	st := doc.Statement[0]
	var principal struct{ Federated string }
	if err := json.Unmarshal(st.Principal, &principal); err != nil {
		return fmt.Errorf("principal: %w", err)
	}
	switch {
	case st.Effect != "Allow":
		return fmt.Errorf("effect %q", st.Effect)
	case !regexp.MustCompile(`^arn:aws:iam::(ACCOUNT_ID|\d{12}):oidc-provider/token\.actions\.githubusercontent\.com$`).MatchString(principal.Federated):
		return fmt.Errorf("principal %q is not GitHub's OIDC provider", principal.Federated)
	case len(st.Action) != 1 || st.Action[0] != "sts:AssumeRoleWithWebIdentity":
		return fmt.Errorf("action %v, want only sts:AssumeRoleWithWebIdentity", st.Action)
	case len(st.Condition) != 1 || st.Condition["StringEquals"] == nil:
		return fmt.Errorf("want exactly a StringEquals condition (StringLike would allow wildcards)")
	}
	eq := st.Condition["StringEquals"]
	if aud := eq["token.actions.githubusercontent.com:aud"]; len(aud) != 1 || aud[0] != "sts.amazonaws.com" {
		return fmt.Errorf("aud %v, want sts.amazonaws.com", aud)
	}
	sub := eq["token.actions.githubusercontent.com:sub"]
	if len(sub) != 1 || !regexp.MustCompile(`^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:ref:refs/heads/main$`).MatchString(sub[0]) {
		return fmt.Errorf("sub %v, want repo:OWNER/REPO:ref:refs/heads/main", sub)
	}
	return nil
}
