//! Registry-format documentation pages generated from schemas, in the layout of HashiCorp's
//! tfplugindocs, so the Terraform registry renders them like any other provider's.

use std::fmt::Write as _;

use cty::Type;

use crate::schema::{
    Attribute, AttributeKind, Block, BlockNesting, NestedBlock, ObjectNesting, Presence, Schema,
};

/// What kind of page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// `docs/index.md`.
    Provider,
    /// `docs/resources/<name>.md`.
    Resource,
    /// `docs/data-sources/<name>.md`.
    DataSource,
}

/// One page's inputs.
#[derive(Debug)]
pub struct Page<'a> {
    /// Kind of page.
    pub kind: PageKind,
    /// Full type name (`photon_folder`), or the provider's name for the index.
    pub name: &'a str,
    /// The provider binary's name, for the title (`terraform-provider-photon`).
    pub provider_binary: &'a str,
    /// The schema.
    pub schema: &'a Schema,
    /// The example configuration (`examples/…/resource.tf`).
    pub example: &'a str,
    /// The import example (`examples/resources/<type>/import.sh`), for resources.
    pub import: Option<&'a str>,
}

/// Renders a page.
pub fn render(page: &Page<'_>) -> String {
    let (title, heading) = match page.kind {
        PageKind::Provider => (
            format!("{} Provider", page.name),
            format!("{} Provider", page.name),
        ),
        PageKind::Resource => (
            format!("{} Resource - {}", page.name, page.provider_binary),
            format!("{} (Resource)", page.name),
        ),
        PageKind::DataSource => (
            format!("{} Data Source - {}", page.name, page.provider_binary),
            format!("{} (Data Source)", page.name),
        ),
    };
    let description = page.schema.block.description.text.trim();
    let mut out = String::new();
    let _ = writeln!(out, "---");
    let _ = writeln!(out, "page_title: {title:?}");
    let _ = writeln!(out, "subcategory: \"\"");
    let _ = writeln!(out, "description: |-");
    for line in description.lines() {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(out, "---\n");
    let _ = writeln!(out, "# {heading}\n");
    if !description.is_empty() {
        let _ = writeln!(out, "{description}\n");
    }
    let _ = writeln!(out, "## Example Usage\n");
    let _ = writeln!(out, "```terraform\n{}\n```\n", page.example.trim_end());
    let _ = writeln!(
        out,
        "<!-- schema generated from the provider's schema; do not edit -->"
    );
    let _ = writeln!(out, "## Schema\n");
    let mut nested = Vec::new();
    render_block(&mut out, &page.schema.block, "", &mut nested);
    while !nested.is_empty() {
        let pending = std::mem::take(&mut nested);
        for (anchor, title, block) in pending {
            let _ = writeln!(out, "<a id=\"{anchor}\"></a>");
            let _ = writeln!(out, "### Nested Schema for `{title}`\n");
            render_block(&mut out, &block, &format!("{title}."), &mut nested);
        }
    }
    if let Some(import) = page.import {
        let _ = writeln!(out, "## Import\n");
        let _ = writeln!(out, "Import is supported using the following syntax:\n");
        let _ = writeln!(out, "```shell\n{}\n```", import.trim_end());
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

type PendingBlock = (String, String, Block);

fn render_block(out: &mut String, block: &Block, prefix: &str, nested: &mut Vec<PendingBlock>) {
    type Wanted = fn(Presence) -> bool;
    let groups: [(&str, Wanted); 3] = [
        ("Required", |presence| presence == Presence::Required),
        ("Optional", |presence| {
            matches!(presence, Presence::Optional | Presence::OptionalComputed)
        }),
        ("Read-Only", |presence| presence == Presence::Computed),
    ];
    for (heading, wanted) in groups {
        let attributes: Vec<&Attribute> = block
            .attributes
            .iter()
            .filter(|attribute| wanted(attribute.presence))
            .collect();
        let blocks: Vec<&NestedBlock> = block
            .blocks
            .iter()
            .filter(|nested_block| wanted(block_presence(nested_block)))
            .collect();
        if attributes.is_empty() && blocks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {heading}\n");
        for attribute in attributes {
            let mut line = format!("- `{}` ({}", attribute.name, attribute_type_name(attribute));
            if attribute.sensitive {
                line.push_str(", Sensitive");
            }
            if attribute.deprecated {
                line.push_str(", Deprecated");
            }
            line.push(')');
            let description = full_description(attribute);
            if !description.is_empty() {
                let _ = write!(line, " {description}");
            }
            if let AttributeKind::Nested(inner) = &attribute.kind {
                let anchor = format!("nestedatt--{prefix}{}", attribute.name).replace('.', "--");
                let _ = write!(line, " (see [below for nested schema](#{anchor}))");
                nested.push((
                    anchor,
                    format!("{prefix}{}", attribute.name),
                    Block {
                        attributes: inner.attributes.clone(),
                        ..Block::default()
                    },
                ));
            }
            let _ = writeln!(out, "{line}");
        }
        for nested_block in blocks {
            let anchor =
                format!("nestedblock--{prefix}{}", nested_block.type_name).replace('.', "--");
            let mut line = format!(
                "- `{}` ({})",
                nested_block.type_name,
                block_type_name(nested_block)
            );
            let description = nested_block
                .block
                .description
                .text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            if !description.is_empty() {
                let _ = write!(line, " {description}");
            }
            let _ = write!(line, " (see [below for nested schema](#{anchor}))");
            let _ = writeln!(out, "{line}");
            nested.push((
                anchor,
                format!("{prefix}{}", nested_block.type_name),
                nested_block.block.clone(),
            ));
        }
        let _ = writeln!(out);
    }
}

fn block_presence(block: &NestedBlock) -> Presence {
    if block.min_items > 0 {
        Presence::Required
    } else {
        Presence::Optional
    }
}

fn full_description(attribute: &Attribute) -> String {
    // A list item is one line: paragraphs in a description are joined.
    let mut text = attribute
        .description
        .text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for validator in &attribute.validators {
        push_sentence(&mut text, &validator.description());
    }
    for modifier in &attribute.plan_modifiers {
        push_sentence(&mut text, &modifier.description());
    }
    text
}

fn push_sentence(text: &mut String, sentence: &str) {
    if sentence.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push(' ');
    }
    text.push_str(sentence);
}

fn attribute_type_name(attribute: &Attribute) -> String {
    match &attribute.kind {
        AttributeKind::Type(ty) => type_name(ty),
        AttributeKind::Nested(nested) => match nested.nesting {
            ObjectNesting::Single => "Attributes".into(),
            ObjectNesting::List => "Attributes List".into(),
            ObjectNesting::Set => "Attributes Set".into(),
            ObjectNesting::Map => "Attributes Map".into(),
        },
    }
}

fn block_type_name(block: &NestedBlock) -> String {
    let base = match block.nesting {
        BlockNesting::Single | BlockNesting::Group => "Block".to_owned(),
        BlockNesting::List => "Block List".to_owned(),
        BlockNesting::Set => "Block Set".to_owned(),
        BlockNesting::Map => "Block Map".to_owned(),
    };
    let mut bounds = Vec::new();
    if block.min_items > 0 {
        bounds.push(format!("Min: {}", block.min_items));
    }
    if block.max_items > 0 {
        bounds.push(format!("Max: {}", block.max_items));
    }
    if bounds.is_empty() {
        base
    } else {
        format!("{base}, {}", bounds.join(", "))
    }
}

/// tfplugindocs' names for types: `String`, `List of Number`, `Map of String`, `Object`…
pub fn type_name(ty: &Type) -> String {
    match ty {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(inner) => format!("List of {}", type_name(inner)),
        Type::Set(inner) => format!("Set of {}", type_name(inner)),
        Type::Map(inner) => format!("Map of {}", type_name(inner)),
        Type::Tuple(_) => "Tuple".into(),
        Type::Object(_) => "Object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validator::OneOf;

    #[test]
    fn a_resource_page_has_front_matter_example_schema_and_import() {
        let schema = Schema::new(
            Block::new()
                .description("Manages a folder.")
                .attribute(Attribute::required("path", Type::String).description("Inventory path."))
                .attribute(
                    Attribute::optional("type", Type::String)
                        .description("Folder type.")
                        .validator(OneOf(&["vm", "host"])),
                )
                .attribute(
                    Attribute::computed("id", Type::String).description("Managed object id."),
                )
                .attribute(
                    Attribute::optional("password", Type::String)
                        .sensitive()
                        .description("Secret."),
                )
                .block(
                    NestedBlock::new(
                        "tag",
                        BlockNesting::List,
                        Block::new().description("A tag.").attribute(
                            Attribute::required("name", Type::String).description("Its name."),
                        ),
                    )
                    .items(0, 3),
                ),
        );
        let page = render(&Page {
            kind: PageKind::Resource,
            name: "photon_folder",
            provider_binary: "terraform-provider-photon",
            schema: &schema,
            example: "resource \"photon_folder\" \"x\" {}\n",
            import: Some("terraform import photon_folder.x /DC0/vm/x"),
        });
        let expected = r#"---
page_title: "photon_folder Resource - terraform-provider-photon"
subcategory: ""
description: |-
  Manages a folder.
---

# photon_folder (Resource)

Manages a folder.

## Example Usage

```terraform
resource "photon_folder" "x" {}
```

<!-- schema generated from the provider's schema; do not edit -->
## Schema

### Required

- `path` (String) Inventory path.

### Optional

- `type` (String) Folder type. Must be one of `vm`, `host`.
- `password` (String, Sensitive) Secret.
- `tag` (Block List, Max: 3) A tag. (see [below for nested schema](#nestedblock--tag))

### Read-Only

- `id` (String) Managed object id.

<a id="nestedblock--tag"></a>
### Nested Schema for `tag`

### Required

- `name` (String) Its name.

## Import

Import is supported using the following syntax:

```shell
terraform import photon_folder.x /DC0/vm/x
```
"#;
        assert_eq!(page, expected);
    }
}
