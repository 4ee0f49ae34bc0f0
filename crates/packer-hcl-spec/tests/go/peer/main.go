// Test peer for crates/packer-hcl-spec: gob-decodes a ConfigSpec from stdin the way the Packer SDK
// does (into hcldec.ObjectSpec, with the real hcldec types), prints it as canonical JSON, and,
// given an HCL file argument, decodes that file's body with the spec and prints the cty JSON
// Packer would send to Prepare.
//
// Built GOPATH-style by the Rust test, either as github.com/hashicorp/packer/... with hcl and cty in
// a vendor/ tree (reproducing Debian's Packer 1.6.6 gob names) or with plain import paths.
package main

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hcldec"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	ctyjson "github.com/zclconf/go-cty/cty/json"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read: %v", err)
	}
	spec := hcldec.ObjectSpec{}
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&spec); err != nil {
		fail("gob: %v", err)
	}
	described, err := describeObject(spec)
	if err != nil {
		fail("spec: %v", err)
	}
	out := map[string]interface{}{
		"object_spec_name": reflect.TypeOf(spec).PkgPath() + ".ObjectSpec",
		"spec":             described,
	}
	if len(os.Args) > 1 {
		value, err := decodeHCL(os.Args[1], spec)
		if err != nil {
			fail("hcl: %v", err)
		}
		out["value"] = value
	}
	encoded, err := json.Marshal(out)
	if err != nil {
		fail("json: %v", err)
	}
	fmt.Println(string(encoded))
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

func describeObject(spec hcldec.ObjectSpec) (map[string]interface{}, error) {
	out := map[string]interface{}{}
	for key, entry := range spec {
		described, err := describe(entry)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		out[key] = described
	}
	return out, nil
}

func describeNested(nested hcldec.Spec) (map[string]interface{}, error) {
	object, ok := nested.(hcldec.ObjectSpec)
	if !ok {
		return nil, fmt.Errorf("nested spec is %T, not an object spec", nested)
	}
	return describeObject(object)
}

func describe(entry hcldec.Spec) (map[string]interface{}, error) {
	switch s := entry.(type) {
	case *hcldec.AttrSpec:
		ty, err := ctyjson.MarshalType(s.Type)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"attr": map[string]interface{}{
			"name": s.Name, "type": json.RawMessage(ty), "required": s.Required,
		}}, nil
	case *hcldec.BlockSpec:
		nested, err := describeNested(s.Nested)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"block": map[string]interface{}{
			"type_name": s.TypeName, "required": s.Required, "nested": nested,
		}}, nil
	case *hcldec.BlockListSpec:
		nested, err := describeNested(s.Nested)
		if err != nil {
			return nil, err
		}
		return map[string]interface{}{"block_list": map[string]interface{}{
			"type_name": s.TypeName, "min_items": s.MinItems, "max_items": s.MaxItems, "nested": nested,
		}}, nil
	}
	return nil, fmt.Errorf("unexpected spec %T", entry)
}

// decodeHCL does what Packer does with a source block body: hcldec.Decode, then cty JSON with
// the type included (marshalled as DynamicPseudoType), as Prepare receives it.
func decodeHCL(path string, spec hcldec.ObjectSpec) (json.RawMessage, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	file, diags := hclsyntax.ParseConfig(src, path, hcl.Pos{Line: 1, Column: 1})
	if diags.HasErrors() {
		return nil, diags
	}
	value, diags := hcldec.Decode(file.Body, spec, nil)
	if diags.HasErrors() {
		return nil, diags
	}
	return ctyjson.Marshal(value, cty.DynamicPseudoType)
}
