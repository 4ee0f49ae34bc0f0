#!/usr/bin/env python3
"""Regenerates the property_values regression inputs (deeply nested elements under <val>).

property_values-1.bin: 30,000 nested <a> under a <val> of an unknown type -> Value::Other ->
    Node::to_xml -> Node::write recursion overflows the stack.
property_values-2.bin: 150,000 nested <a> under a <val xsi:type="xsd:string"> -> the element tree
    is built iteratively but dropped recursively (drop_in_place::<Node>) -> stack overflow.
"""
import pathlib

here = pathlib.Path(__file__).resolve().parent


def deep(type_name: str, depth: int) -> bytes:
    return (
        '<objects><obj type="VirtualMachine">vm-1</obj><propSet><name>n</name>'
        f'<val xsi:type="{type_name}">' + "<a>" * depth + "</a>" * depth + "</val></propSet></objects>"
    ).encode()


# Run it to recreate them (they are not committed: 1.2 MB; tests/deep_nesting.rs covers the bug).
(here / "property_values-1.bin").write_bytes(deep("ArrayOfVirtualDevice", 30_000))
(here / "property_values-2.bin").write_bytes(deep("xsd:string", 150_000))
