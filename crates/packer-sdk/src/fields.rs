//! Configuration keys as data: one list per component feeds both its HCL2 spec and its
//! generated documentation page, so the two cannot drift apart.

use std::fmt::Write as _;

use hcl_spec::{CtyType, ObjectSpec};

/// Builder or post-processor (for docs titles and describe lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ComponentKind {
    /// `builders` / `start builder`.
    Builder,
    /// `post_processors` / `start post-processor`.
    PostProcessor,
}

impl ComponentKind {
    /// The word Packer's CLI uses (`start <kind> <name>`).
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::Builder => "builder",
            Self::PostProcessor => "post-processor",
        }
    }
}

/// One configuration key.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The key as written in templates.
    pub name: &'static str,
    /// Its type (blocks nest further fields).
    pub ty: FieldType,
    /// Whether Prepare/Configure refuses a configuration without it.
    pub required: bool,
    /// One or two sentences for the docs page.
    pub description: &'static str,
}

/// The key groups of a component (e.g. connection, location, its own) as one array, at compile
/// time: `pub const FIELDS: &[Field] = &concat_fields::<N>(&[CONNECT, LOCATION, OWN]);` with `N` the
/// sum of their lengths (a wrong `N` fails the build).
pub const fn concat_fields<const N: usize>(groups: &[&[Field]]) -> [Field; N] {
    const BLANK: Field = Field {
        name: "",
        ty: FieldType::String,
        required: false,
        description: "",
    };
    let mut out = [BLANK; N];
    let mut index = 0;
    let mut group = 0;
    while group < groups.len() {
        let fields = groups[group];
        let mut field = 0;
        while field < fields.len() {
            out[index] = fields[field];
            index += 1;
            field += 1;
        }
        group += 1;
    }
    assert!(index == N, "N must be the total number of fields");
    out
}

/// The type of a [`Field`].
#[derive(Debug, Clone, Copy)]
pub enum FieldType {
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(string)`.
    ListOfString,
    /// `map(string)` (an attribute: `tags = { a = "b" }`).
    MapOfString,
    /// One nested block.
    Block(&'static [Field]),
    /// A repeatable nested block.
    BlockList(&'static [Field]),
}

impl FieldType {
    fn label(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Bool => "bool",
            Self::ListOfString => "list(string)",
            Self::MapOfString => "map(string)",
            Self::Block(_) => "block",
            Self::BlockList(_) => "repeatable block",
        }
    }
}

/// The HCL2 spec of `fields`. Every attribute is optional for HCL (as `packer-sdc` generates
/// them) so that Prepare, not HCL, reports missing keys the same way for JSON and HCL2.
pub fn object_spec(fields: &[Field]) -> ObjectSpec {
    let mut spec = ObjectSpec::new();
    for field in fields {
        spec = match field.ty {
            FieldType::String => spec.attr(field.name, CtyType::String),
            FieldType::Number => spec.attr(field.name, CtyType::Number),
            FieldType::Bool => spec.attr(field.name, CtyType::Bool),
            FieldType::ListOfString => spec.attr(field.name, CtyType::list(CtyType::String)),
            FieldType::MapOfString => spec.attr(field.name, CtyType::map(CtyType::String)),
            FieldType::Block(nested) => spec.block(field.name, object_spec(nested)),
            FieldType::BlockList(nested) => spec.block_list(field.name, object_spec(nested)),
        };
    }
    spec
}

/// `spec` plus Packer's own `packer_*` keys, which every Go plugin's generated spec has and
/// which users may set in HCL2 (the SDK adds them to each ConfigSpec reply).
pub fn with_packer_keys(spec: ObjectSpec) -> ObjectSpec {
    let mut spec = spec;
    for (name, ty) in [
        ("packer_build_name", CtyType::String),
        ("packer_builder_type", CtyType::String),
        ("packer_core_version", CtyType::String),
        ("packer_debug", CtyType::Bool),
        ("packer_force", CtyType::Bool),
        ("packer_on_error", CtyType::String),
        ("packer_user_variables", CtyType::map(CtyType::String)),
        ("packer_sensitive_variables", CtyType::list(CtyType::String)),
    ] {
        if !spec.entries.contains_key(name) {
            spec = spec.attr(name, ty);
        }
    }
    spec
}

/// A registry-style Markdown page: title, summary, example templates, then the configuration
/// reference (required keys, optional keys, nested blocks with their own keys).
pub fn docs_page(
    kind: ComponentKind,
    name: &str,
    summary: &str,
    fields: &[Field],
    examples: &[(&str, &str)],
) -> String {
    let kind_word = match kind {
        ComponentKind::Builder => "Builder",
        ComponentKind::PostProcessor => "Post-processor",
    };
    let mut page = String::new();
    let _ = writeln!(
        page,
        "<!-- Generated from the component's FIELDS and examples/packer/; do not edit. -->"
    );
    let _ = writeln!(page, "# `{name}` {kind_word}\n");
    let _ = writeln!(page, "Type: `{name}`\n");
    let _ = writeln!(page, "{}\n", summary.trim());
    if !examples.is_empty() {
        let _ = writeln!(page, "## Example usage\n");
        for (title, contents) in examples {
            let language = if contents.trim_start().starts_with('{') {
                "json"
            } else {
                "hcl"
            };
            let _ = writeln!(page, "### {title}\n");
            let _ = writeln!(page, "```{language}\n{}\n```\n", contents.trim_end());
        }
    }
    let _ = writeln!(page, "## Configuration reference\n");
    write_fields(&mut page, fields, "");
    while page.ends_with("\n\n") {
        page.pop();
    }
    page
}

fn write_fields(page: &mut String, fields: &[Field], prefix: &str) {
    for (heading, required) in [("Required", true), ("Optional", false)] {
        let selected: Vec<&Field> = fields.iter().filter(|f| f.required == required).collect();
        if selected.is_empty() {
            continue;
        }
        let level = if prefix.is_empty() { "###" } else { "####" };
        let _ = writeln!(page, "{level} {heading}\n");
        for field in selected {
            let _ = writeln!(
                page,
                "- `{}` ({}) - {}",
                field.name,
                field.ty.label(),
                field.description.trim()
            );
        }
        page.push('\n');
    }
    for field in fields {
        let (nested, repeat) = match field.ty {
            FieldType::Block(nested) => (nested, ""),
            FieldType::BlockList(nested) => (nested, " (repeatable)"),
            _ => continue,
        };
        let path = format!("{prefix}{}", field.name);
        let _ = writeln!(page, "### `{path}` block{repeat}\n");
        let _ = writeln!(page, "{}\n", field.description.trim());
        write_fields(page, nested, &format!("{path}."));
    }
}
