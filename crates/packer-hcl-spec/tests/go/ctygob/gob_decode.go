// This file is added to a copy of Debian's go-cty (1.12) by the hcl-spec tests. go-cty dropped its
// gob support in 1.11; Packer 1.6.6 vendors 1.4, which had it. Only the decoding half is restored
// here, with the wire shape 1.4 used: a cty.Type is a GobEncoder whose bytes are a separate gob
// stream of struct{Version int; Impl typeImpl}, the implementations registered under explicit,
// path-free names.

package cty

import (
	"bytes"
	"encoding/gob"
	"fmt"
)

func init() {
	gob.RegisterName("github.com/zclconf/go-cty/cty.primitiveType", primitiveType{})
	gob.RegisterName("github.com/zclconf/go-cty/cty.typeList", typeList{})
	gob.RegisterName("github.com/zclconf/go-cty/cty.typeMap", typeMap{})
	gob.RegisterName("github.com/zclconf/go-cty/cty.typeSet", typeSet{})
	gob.RegisterName("github.com/zclconf/go-cty/cty.typeObject", typeObject{})
}

// peerWireType is what a cty.Type's GobEncode bytes hold.
type peerWireType struct {
	Version int
	Impl    typeImpl
}

// GobDecode reads a type sent by a gob-speaking plugin.
func (t *Type) GobDecode(buf []byte) error {
	var wire peerWireType
	if err := gob.NewDecoder(bytes.NewReader(buf)).Decode(&wire); err != nil {
		return fmt.Errorf("cty.Type: %w", err)
	}
	if wire.Version != 0 {
		return fmt.Errorf("cty.Type: unsupported gob version %d", wire.Version)
	}
	if wire.Impl == nil {
		return fmt.Errorf("cty.Type: no implementation")
	}
	if p, ok := wire.Impl.(primitiveType); ok {
		switch p.Kind {
		case primitiveTypeBool, primitiveTypeNumber, primitiveTypeString:
		default:
			return fmt.Errorf("cty.Type: unknown primitive kind %q", p.Kind)
		}
	}
	t.typeImpl = wire.Impl
	return nil
}
