// Package tests checks the Terraform configuration in terraform/ without the
// AWS provider (which cannot be downloaded here): it parses the .tf files with
// HCL and asserts the stack's rules on the parsed blocks.
//
// Each rule is a Rule whose Check records violations in a *Check; the Test*
// functions run them on the real configuration, and mutation_test.go runs
// them on broken copies to prove each one can fail.
package tests

import (
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// terraformDir is the configuration under test, relative to this package.
const terraformDir = ".."

// requiredVarValues stand in for what the deploy stage passes, so that
// expressions depending on required variables can be evaluated.
var requiredVarValues = map[string]cty.Value{
	"region":                     cty.StringVal("eu-west-3"),
	"image":                      cty.StringVal("registry.example.com/team/weather@sha256:" + strings.Repeat("ab", 32)),
	"app_version":                cty.StringVal("1.2.3"),
	"cosign_public_key":          cty.StringVal(testPublicKey),
	"cosign_sha256":              cty.StringVal(strings.Repeat("0", 64)),
	"weather_api_key_parameter":  cty.StringVal("/devsecops/weather-api-key"),
	"location_api_key_parameter": cty.StringVal("/devsecops/location-api-key"),
	"server_certificate_name":    cty.StringVal("devsecops-alb"),
}

const testPublicKey = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEtestkeytestkeytestkeytestkeyte\nc3RrZXl0ZXN0a2V5dGVzdGtleXRlc3RrZXl0ZXN0a2V5dGVzdGtleQ==\n-----END PUBLIC KEY-----\n"

// Config is the parsed configuration of one directory.
type Config struct {
	Dir       string
	Resources map[string]*Block // "type.name"
	Data      map[string]*Block // "type.name"
	Variables map[string]*Block
	Outputs   map[string]*Block
	Locals    map[string]*hclsyntax.Attribute
	Terraform []*Block
	Providers []*Block
	varValues map[string]cty.Value
	locals    map[string]cty.Value
}

// Block is one block of the configuration; index is count.index when set.
type Block struct {
	*hclsyntax.Block
	cfg    *Config
	file   string
	index  *int
	parent string // name of the enclosing block, for nested blocks
}

// LoadConfig parses every .tf file of dir (not recursively, like Terraform).
func LoadConfig(dir string) (*Config, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no .tf file in %s", dir)
	}
	c := &Config{
		Dir: dir, Resources: map[string]*Block{}, Data: map[string]*Block{},
		Variables: map[string]*Block{}, Outputs: map[string]*Block{}, Locals: map[string]*hclsyntax.Attribute{},
	}
	parser := hclparse.NewParser()
	for _, path := range files {
		f, diags := parser.ParseHCLFile(path)
		if diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %s", path, diags.Error())
		}
		body := f.Body.(*hclsyntax.Body)
		if len(body.Attributes) > 0 {
			return nil, fmt.Errorf("%s: unexpected top-level attribute", path)
		}
		for _, blk := range body.Blocks {
			b := &Block{Block: blk, cfg: c, file: filepath.Base(path)}
			key := strings.Join(blk.Labels, ".")
			switch blk.Type {
			case "resource":
				if _, dup := c.Resources[key]; dup {
					return nil, fmt.Errorf("duplicate resource %s", key)
				}
				c.Resources[key] = b
			case "data":
				c.Data[key] = b
			case "variable":
				c.Variables[key] = b
			case "output":
				c.Outputs[key] = b
			case "locals":
				for name, attr := range blk.Body.Attributes {
					c.Locals[name] = attr
				}
			case "terraform":
				c.Terraform = append(c.Terraform, b)
			case "provider":
				c.Providers = append(c.Providers, b)
			default:
				return nil, fmt.Errorf("%s: unexpected block %q", path, blk.Type)
			}
		}
	}
	c.varValues = map[string]cty.Value{}
	for name, v := range c.Variables {
		if def, ok := v.Body.Attributes["default"]; ok {
			val, diags := def.Expr.Value(nil)
			if diags.HasErrors() {
				return nil, fmt.Errorf("variable %s default: %s", name, diags.Error())
			}
			c.varValues[name] = val
		} else if val, ok := requiredVarValues[name]; ok {
			c.varValues[name] = val
		} else {
			c.varValues[name] = cty.DynamicVal
		}
	}
	c.evalLocals()
	return c, nil
}

// evalLocals evaluates the locals that depend only on variables and other
// such locals; the rest (resource attributes, data sources) stay unknown.
func (c *Config) evalLocals() {
	c.locals = map[string]cty.Value{}
	for progress := true; progress; {
		progress = false
		for name, attr := range c.Locals {
			if _, done := c.locals[name]; done {
				continue
			}
			val, diags := attr.Expr.Value(c.evalContext(nil, nil))
			if !diags.HasErrors() && val.IsWhollyKnown() {
				c.locals[name] = val
				progress = true
			}
		}
	}
}

func (c *Config) evalContext(index *int, override map[string]cty.Value) *hcl.EvalContext {
	vars := map[string]cty.Value{}
	for k, v := range c.varValues {
		vars[k] = v
	}
	for k, v := range override {
		vars[k] = v
	}
	locals := map[string]cty.Value{}
	for k, v := range c.locals {
		locals[k] = v
	}
	for k := range c.Locals {
		if _, ok := locals[k]; !ok {
			locals[k] = cty.DynamicVal
		}
	}
	ctx := &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars), "local": cty.ObjectVal(locals)},
		Functions: terraformFunctions(),
	}
	if index != nil {
		ctx.Variables["count"] = cty.ObjectVal(map[string]cty.Value{"index": cty.NumberIntVal(int64(*index))})
	}
	return ctx
}

// terraformFunctions are the Terraform functions the checked expressions
// (validations, simple locals) use, from cty's stdlib where it has them.
func terraformFunctions() map[string]function.Function {
	return map[string]function.Function{
		"can":         tryfunc.CanFunc,
		"try":         tryfunc.TryFunc,
		"regex":       stdlib.RegexFunc,
		"length":      lengthFunc,
		"split":       stdlib.SplitFunc,
		"contains":    stdlib.ContainsFunc,
		"floor":       stdlib.FloorFunc,
		"tonumber":    stdlib.MakeToFunc(cty.Number),
		"compact":     stdlib.CompactFunc,
		"trimspace":   stdlib.TrimSpaceFunc,
		"startswith":  startsWithFunc,
		"alltrue":     allTrueFunc,
		"cidrnetmask": cidrNetmaskFunc,
	}
}

// lengthFunc is Terraform's length(): strings too, not only collections.
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		if args[0].Type() == cty.String {
			return stdlib.Strlen(args[0])
		}
		return stdlib.Length(args[0])
	},
})

var startsWithFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "s", Type: cty.String}, {Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		return cty.BoolVal(strings.HasPrefix(args[0].AsString(), args[1].AsString())), nil
	},
})

var allTrueFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
	Type:   function.StaticReturnType(cty.Bool),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		for it := args[0].ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() || v.False() {
				return cty.False, nil
			}
		}
		return cty.True, nil
	},
})

// cidrNetmaskFunc behaves like Terraform's cidrnetmask: IPv4 CIDRs only.
var cidrNetmaskFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "prefix", Type: cty.String}},
	Type:   function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		_, network, err := net.ParseCIDR(args[0].AsString())
		if err != nil {
			return cty.NilVal, fmt.Errorf("invalid CIDR expression: %w", err)
		}
		if network.IP.To4() == nil {
			return cty.NilVal, fmt.Errorf("only IPv4 is supported")
		}
		return cty.StringVal(net.IP(network.Mask).String()), nil
	},
})

// At returns the block as seen for count.index = i.
func (b *Block) At(i int) *Block {
	nb := *b
	nb.index = &i
	return &nb
}

// Name is "type.name" for resources and data sources.
func (b *Block) Name() string {
	if b.parent != "" {
		return b.parent + "." + b.Type
	}
	name := strings.Join(b.Labels, ".")
	if b.index != nil {
		name += fmt.Sprintf("[%d]", *b.index)
	}
	return name
}

// Src is the source text of an attribute with whitespace collapsed, or "".
func (b *Block) Src(attr string) string {
	a, ok := b.Body.Attributes[attr]
	if !ok {
		return ""
	}
	src, err := os.ReadFile(filepath.Join(b.cfg.Dir, b.file))
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(string(a.Expr.Range().SliceBytes(src))), " ")
}

// Value evaluates an attribute with the variables' defaults (or the
// stand-ins of required ones) and the locals that could be evaluated.
func (b *Block) Value(attr string) (cty.Value, error) {
	a, ok := b.Body.Attributes[attr]
	if !ok {
		return cty.NilVal, fmt.Errorf("%s: no attribute %q", b.Name(), attr)
	}
	val, diags := a.Expr.Value(b.cfg.evalContext(b.index, nil))
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("%s.%s: cannot evaluate: %s", b.Name(), attr, diags.Error())
	}
	return val, nil
}

// Nested returns the nested blocks of a type, as Blocks of the same file.
func (b *Block) Nested(typ string) []*Block {
	var out []*Block
	for _, nb := range b.Body.Blocks {
		if nb.Type == typ {
			out = append(out, &Block{Block: nb, cfg: b.cfg, file: b.file, index: b.index, parent: b.Name()})
		}
	}
	return out
}

// Check collects the violations of one rule.
type Check struct {
	Cfg  *Config
	errs []string
}

func (k *Check) Errorf(format string, args ...any) {
	k.errs = append(k.errs, fmt.Sprintf(format, args...))
}

// Err is nil when the rule holds.
func (k *Check) Err() error {
	if len(k.errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(k.errs, "\n"))
}

// Resource returns a resource block, recording a violation if it is missing.
func (k *Check) Resource(typ, name string) *Block {
	b, ok := k.Cfg.Resources[typ+"."+name]
	if !ok {
		k.Errorf("resource %s.%s is missing", typ, name)
		return nil
	}
	return b
}

func (k *Check) Data(typ, name string) *Block {
	b, ok := k.Cfg.Data[typ+"."+name]
	if !ok {
		k.Errorf("data source %s.%s is missing", typ, name)
		return nil
	}
	return b
}

func (k *Check) Variable(name string) *Block {
	b, ok := k.Cfg.Variables[name]
	if !ok {
		k.Errorf("variable %s is missing", name)
		return nil
	}
	return b
}

// One returns the single nested block of a type.
func (k *Check) One(b *Block, typ string) *Block {
	if b == nil {
		return nil
	}
	n := b.Nested(typ)
	if len(n) != 1 {
		k.Errorf("%s: want exactly one %s block, got %d", b.Name(), typ, len(n))
		return nil
	}
	return n[0]
}

// Eq asserts that an attribute evaluates to want (string, int, bool or []string).
func (k *Check) Eq(b *Block, attr string, want any) {
	if b == nil {
		return
	}
	got, err := b.Value(attr)
	if err != nil {
		k.Errorf("%v", err)
		return
	}
	if msg := compareValue(got, want); msg != "" {
		k.Errorf("%s.%s: %s", b.Name(), attr, msg)
	}
}

// SrcEq asserts an attribute's source text, for references such as aws_vpc.main.id.
func (k *Check) SrcEq(b *Block, attr, want string) {
	if b == nil {
		return
	}
	if got := b.Src(attr); got != want {
		k.Errorf("%s.%s = %q, want %q", b.Name(), attr, got, want)
	}
}

// Absent asserts an attribute is not set.
func (k *Check) Absent(b *Block, attr string) {
	if b == nil {
		return
	}
	if _, ok := b.Body.Attributes[attr]; ok {
		k.Errorf("%s.%s must not be set", b.Name(), attr)
	}
}

// Str evaluates a string attribute ("" and a violation if it is not one).
func (k *Check) Str(b *Block, attr string) string {
	if b == nil {
		return ""
	}
	v, err := b.Value(attr)
	if err != nil {
		k.Errorf("%v", err)
		return ""
	}
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		k.Errorf("%s.%s is not a known string", b.Name(), attr)
		return ""
	}
	return v.AsString()
}

// CountIs asserts the count attribute's source text ("" = no count).
func (k *Check) CountIs(b *Block, want string) {
	k.SrcEq(b, "count", want)
}

func compareValue(got cty.Value, want any) string {
	if !got.IsWhollyKnown() || got.IsNull() {
		return fmt.Sprintf("is unknown or null, want %v", want)
	}
	switch w := want.(type) {
	case string:
		if got.Type() != cty.String || got.AsString() != w {
			return fmt.Sprintf("= %s, want %q", render(got), w)
		}
	case int:
		if got.Type() != cty.Number || got.AsBigFloat().Cmp(new(big.Float).SetInt64(int64(w))) != 0 {
			return fmt.Sprintf("= %s, want %d", render(got), w)
		}
	case bool:
		if got.Type() != cty.Bool || got.True() != w {
			return fmt.Sprintf("= %s, want %v", render(got), w)
		}
	case []string:
		if !got.CanIterateElements() {
			return fmt.Sprintf("= %s, want a list", render(got))
		}
		var list []string
		for it := got.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.Type() != cty.String {
				return fmt.Sprintf("= %s, want a list of strings", render(got))
			}
			list = append(list, v.AsString())
		}
		if strings.Join(list, ",") != strings.Join(w, ",") {
			return fmt.Sprintf("= %v, want %v", list, w)
		}
	default:
		return fmt.Sprintf("unsupported want type %T", want)
	}
	return ""
}

func render(v cty.Value) string {
	switch {
	case !v.IsKnown():
		return "(unknown)"
	case v.IsNull():
		return "null"
	case v.Type() == cty.String:
		return fmt.Sprintf("%q", v.AsString())
	case v.Type() == cty.Number:
		return v.AsBigFloat().Text('f', -1)
	case v.Type() == cty.Bool:
		return fmt.Sprintf("%v", v.True())
	}
	return v.GoString()
}

// Rule is one rule of the stack, checked on a parsed configuration.
type Rule struct {
	Name  string
	Check func(k *Check)
}

// Run applies the rule to a configuration.
func (r Rule) Run(c *Config) error {
	k := &Check{Cfg: c}
	r.Check(k)
	return k.Err()
}

// runRules checks rules on the real configuration, one subtest per rule.
func runRules(t *testing.T, rules []Rule) {
	t.Helper()
	c := loadReal(t)
	for _, r := range rules {
		t.Run(r.Name, func(t *testing.T) {
			if err := r.Run(c); err != nil {
				t.Errorf("%s:\n%v", r.Name, err)
			}
		})
	}
}

func loadReal(t *testing.T) *Config {
	t.Helper()
	c, err := LoadConfig(terraformDir)
	if err != nil {
		t.Fatalf("load %s: %v", terraformDir, err)
	}
	return c
}

// allRules is every rule, by name, for the mutation tests.
func allRules() map[string]Rule {
	m := map[string]Rule{}
	for _, group := range [][]Rule{networkRules, naclRules, securityGroupRules, computeRules, albRules, variableRules, stackRules} {
		for _, r := range group {
			if _, dup := m[r.Name]; dup {
				panic("duplicate rule name " + r.Name)
			}
			m[r.Name] = r
		}
	}
	return m
}

// sortedKeys is for stable messages.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// srcOf is the whitespace-collapsed source text of a range in a file of c.
func srcOf(c *Config, r hcl.Range) string {
	src, err := os.ReadFile(filepath.Join(c.Dir, filepath.Base(r.Filename)))
	if err != nil {
		return ""
	}
	return strings.Join(strings.Fields(string(r.SliceBytes(src))), " ")
}
