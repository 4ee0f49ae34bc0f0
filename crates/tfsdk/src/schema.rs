//! Schemas as data: what Terraform learns from GetProviderSchema, plus the plan modifiers and
//! validators that travel with each attribute.

use std::collections::BTreeMap;
use std::sync::Arc;

use cty::Type;

use crate::plan_modifier::PlanModifier;
use crate::validator::Validator;

/// A schema for a provider, a resource, a data source or provider metadata.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// The resource schema version: stored in state, drives UpgradeResourceState.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

impl Schema {
    /// A version-0 schema with `block`.
    pub fn new(block: Block) -> Self {
        Self { version: 0, block }
    }

    /// Sets the schema version.
    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }

    /// The cty type every value of this schema has.
    pub fn implied_type(&self) -> Type {
        self.block.implied_type()
    }
}

/// Text shown in docs and by language servers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    /// The text.
    pub text: String,
    /// Whether `text` is markdown (otherwise plain).
    pub markdown: bool,
}

/// A block: attributes and nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Attributes, in the order they are documented.
    pub attributes: Vec<Attribute>,
    /// Nested block types.
    pub blocks: Vec<NestedBlock>,
    /// What the block is for.
    pub description: Description,
    /// Whether the whole block is deprecated.
    pub deprecated: bool,
}

impl Block {
    /// An empty block.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an attribute.
    pub fn attribute(mut self, attribute: Attribute) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// Adds a nested block type.
    pub fn block(mut self, block: NestedBlock) -> Self {
        self.blocks.push(block);
        self
    }

    /// Sets a markdown description.
    pub fn description(mut self, markdown: &str) -> Self {
        self.description = Description {
            text: markdown.to_owned(),
            markdown: true,
        };
        self
    }

    /// Marks the block deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// The attribute called `name`.
    pub fn find_attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|attribute| attribute.name == name)
    }

    /// The nested block type called `name`.
    pub fn find_block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|block| block.type_name == name)
    }

    /// The object type of this block's values: one attribute per attribute and per block type.
    pub fn implied_type(&self) -> Type {
        let mut attributes: BTreeMap<String, Type> = self
            .attributes
            .iter()
            .map(|attribute| (attribute.name.clone(), attribute.value_type()))
            .collect();
        for block in &self.blocks {
            attributes.insert(block.type_name.clone(), block.implied_type());
        }
        Type::Object(attributes)
    }

    /// Whether any attribute, here or nested, has the dynamic type (which changes how LIST and
    /// MAP blocks are typed).
    pub fn contains_dynamic(&self) -> bool {
        self.attributes
            .iter()
            .any(|attribute| match &attribute.kind {
                AttributeKind::Type(ty) => type_contains_dynamic(ty),
                AttributeKind::Nested(nested) => nested
                    .attributes
                    .iter()
                    .any(|inner| type_contains_dynamic(&inner.value_type())),
            })
            || self
                .blocks
                .iter()
                .any(|block| block.block.contains_dynamic())
    }
}

fn type_contains_dynamic(ty: &Type) -> bool {
    match ty {
        Type::Dynamic => true,
        Type::List(inner) | Type::Set(inner) | Type::Map(inner) => type_contains_dynamic(inner),
        Type::Tuple(items) => items.iter().any(type_contains_dynamic),
        Type::Object(attributes) => attributes.values().any(type_contains_dynamic),
        Type::Bool | Type::Number | Type::String => false,
    }
}

/// Whether the user sets an attribute, the provider does, or either.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// The configuration must set it.
    Required,
    /// The configuration may set it; otherwise it stays null.
    Optional,
    /// Only the provider sets it.
    Computed,
    /// The configuration may set it; otherwise the provider does.
    OptionalComputed,
}

impl Presence {
    /// Terraform's (required, optional, computed) flags.
    pub fn flags(self) -> (bool, bool, bool) {
        match self {
            Presence::Required => (true, false, false),
            Presence::Optional => (false, true, false),
            Presence::Computed => (false, false, true),
            Presence::OptionalComputed => (false, true, true),
        }
    }

    /// Whether the provider may set a value the configuration left null.
    pub fn is_computed(self) -> bool {
        matches!(self, Presence::Computed | Presence::OptionalComputed)
    }
}

/// An attribute's type: a cty type, or (protocol 6 only) nested attributes.
#[derive(Clone, Debug)]
pub enum AttributeKind {
    /// A plain cty type.
    Type(Type),
    /// Nested attributes (protocol 6).
    Nested(NestedAttributes),
}

/// Nested attributes of a protocol-6 attribute.
#[derive(Clone, Debug)]
pub struct NestedAttributes {
    /// The inner attributes.
    pub attributes: Vec<Attribute>,
    /// How many objects the attribute holds.
    pub nesting: ObjectNesting,
}

/// Nesting of nested attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectNesting {
    /// One object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
}

/// One attribute.
#[derive(Clone)]
pub struct Attribute {
    /// Its name (`^[a-z0-9_]+$`).
    pub name: String,
    /// Its type.
    pub kind: AttributeKind,
    /// Who sets it.
    pub presence: Presence,
    /// Hidden in plan output and logs.
    pub sensitive: bool,
    /// Deprecated.
    pub deprecated: bool,
    /// What it is.
    pub description: Description,
    /// Applied during PlanResourceChange, in order.
    pub plan_modifiers: Vec<Arc<dyn PlanModifier>>,
    /// Applied during Validate*, to known, non-null values.
    pub validators: Vec<Arc<dyn Validator>>,
}

impl std::fmt::Debug for Attribute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attribute")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("presence", &self.presence)
            .field("sensitive", &self.sensitive)
            .field("plan_modifiers", &self.plan_modifiers.len())
            .field("validators", &self.validators.len())
            .finish()
    }
}

impl Attribute {
    fn new(name: &str, kind: AttributeKind, presence: Presence) -> Self {
        Self {
            name: name.to_owned(),
            kind,
            presence,
            sensitive: false,
            deprecated: false,
            description: Description::default(),
            plan_modifiers: Vec::new(),
            validators: Vec::new(),
        }
    }

    /// An attribute the configuration must set.
    pub fn required(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeKind::Type(ty), Presence::Required)
    }

    /// An attribute the configuration may set.
    pub fn optional(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeKind::Type(ty), Presence::Optional)
    }

    /// An attribute only the provider sets.
    pub fn computed(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeKind::Type(ty), Presence::Computed)
    }

    /// An attribute the configuration may set, else the provider does.
    pub fn optional_computed(name: &str, ty: Type) -> Self {
        Self::new(name, AttributeKind::Type(ty), Presence::OptionalComputed)
    }

    /// A protocol-6 nested attribute.
    pub fn nested(
        name: &str,
        presence: Presence,
        nesting: ObjectNesting,
        attributes: Vec<Attribute>,
    ) -> Self {
        Self::new(
            name,
            AttributeKind::Nested(NestedAttributes {
                attributes,
                nesting,
            }),
            presence,
        )
    }

    /// Sets the markdown description.
    pub fn description(mut self, markdown: &str) -> Self {
        self.description = Description {
            text: markdown.to_owned(),
            markdown: true,
        };
        self
    }

    /// Marks it sensitive.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// Marks it deprecated.
    pub fn deprecated(mut self) -> Self {
        self.deprecated = true;
        self
    }

    /// Adds a plan modifier.
    pub fn plan_modifier(mut self, modifier: impl PlanModifier + 'static) -> Self {
        self.plan_modifiers.push(Arc::new(modifier));
        self
    }

    /// Adds a validator.
    pub fn validator(mut self, validator: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(validator));
        self
    }

    /// The cty type of the attribute's values.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Type(ty) => ty.clone(),
            AttributeKind::Nested(nested) => {
                let object = Type::Object(
                    nested
                        .attributes
                        .iter()
                        .map(|attribute| (attribute.name.clone(), attribute.value_type()))
                        .collect(),
                );
                match nested.nesting {
                    ObjectNesting::Single => object,
                    ObjectNesting::List => Type::list(object),
                    ObjectNesting::Set => Type::set(object),
                    ObjectNesting::Map => Type::map(object),
                }
            }
        }
    }
}

/// How many blocks of a type a configuration may hold, and how they are typed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockNesting {
    /// At most one block; null when absent.
    Single,
    /// Exactly one block; its attributes are null when absent.
    Group,
    /// An ordered list.
    List,
    /// An unordered set.
    Set,
    /// Blocks with a label each.
    Map,
}

/// A nested block type.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// The block type name.
    pub type_name: String,
    /// Its content.
    pub block: Block,
    /// How many there may be.
    pub nesting: BlockNesting,
    /// Lower bound for LIST and SET (0 = none).
    pub min_items: i64,
    /// Upper bound for LIST and SET (0 = none).
    pub max_items: i64,
}

impl NestedBlock {
    /// A block type with the given nesting and no item bounds.
    pub fn new(type_name: &str, nesting: BlockNesting, block: Block) -> Self {
        Self {
            type_name: type_name.to_owned(),
            block,
            nesting,
            min_items: 0,
            max_items: 0,
        }
    }

    /// Sets LIST/SET bounds.
    pub fn items(mut self, min: i64, max: i64) -> Self {
        self.min_items = min;
        self.max_items = max;
        self
    }

    /// The cty type of this block type's value inside its parent.
    pub fn implied_type(&self) -> Type {
        let object = self.block.implied_type();
        match self.nesting {
            BlockNesting::Single | BlockNesting::Group => object,
            BlockNesting::List if self.block.contains_dynamic() => Type::Dynamic,
            BlockNesting::List => Type::list(object),
            BlockNesting::Set => Type::set(object),
            BlockNesting::Map if self.block.contains_dynamic() => Type::Dynamic,
            BlockNesting::Map => Type::map(object),
        }
    }
}

/// A problem with a schema, found by [`check_schema`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaProblem {
    /// Dotted path to the attribute or block.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Checks the rules Terraform ≥ 1.1 enforces on provider schemas (1.0.3 does not, so we do).
pub fn check_schema(schema: &Schema) -> Vec<SchemaProblem> {
    let mut problems = Vec::new();
    if schema.version < 0 {
        problems.push(SchemaProblem {
            path: String::new(),
            message: "schema version must not be negative".into(),
        });
    }
    check_block(&schema.block, "", &mut problems);
    problems
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
}

fn check_block(block: &Block, prefix: &str, problems: &mut Vec<SchemaProblem>) {
    let mut seen = std::collections::BTreeSet::new();
    let mut problem =
        |path: String, message: String| problems.push(SchemaProblem { path, message });
    for attribute in &block.attributes {
        let path = format!("{prefix}{}", attribute.name);
        if !valid_name(&attribute.name) {
            problem(path.clone(), "names may use only a-z, 0-9 and _".into());
        }
        if !seen.insert(attribute.name.clone()) {
            problem(path.clone(), "name is used twice".into());
        }
        if let AttributeKind::Nested(nested) = &attribute.kind {
            let inner = Block {
                attributes: nested.attributes.clone(),
                ..Block::default()
            };
            if nested.nesting == ObjectNesting::Set && inner.contains_dynamic() {
                problem(
                    path.clone(),
                    "a set of nested attributes cannot contain dynamic types".into(),
                );
            }
            let mut nested_problems = Vec::new();
            check_block(&inner, &format!("{path}."), &mut nested_problems);
            for found in nested_problems {
                problem(found.path, found.message);
            }
        }
    }
    for nested in &block.blocks {
        let path = format!("{prefix}{}", nested.type_name);
        if !valid_name(&nested.type_name) {
            problem(path.clone(), "names may use only a-z, 0-9 and _".into());
        }
        if !seen.insert(nested.type_name.clone()) {
            problem(
                path.clone(),
                "name is used by an attribute or another block".into(),
            );
        }
        let (min, max) = (nested.min_items, nested.max_items);
        if min < 0 || max < 0 {
            problem(
                path.clone(),
                "min_items and max_items must not be negative".into(),
            );
        }
        match nested.nesting {
            BlockNesting::Single if !matches!((min, max), (0, 0) | (1, 1)) => {
                problem(path.clone(), "SINGLE blocks take min/max 0/0 or 1/1".into());
            }
            BlockNesting::Group | BlockNesting::Map if (min, max) != (0, 0) => {
                problem(path.clone(), "GROUP and MAP blocks take no min/max".into());
            }
            BlockNesting::List | BlockNesting::Set if max != 0 && min > max => {
                problem(path.clone(), "min_items is greater than max_items".into());
            }
            BlockNesting::Set if nested.block.contains_dynamic() => {
                problem(
                    path.clone(),
                    "a SET block cannot contain dynamic types".into(),
                );
            }
            _ => {}
        }
        let mut nested_problems = Vec::new();
        check_block(&nested.block, &format!("{path}."), &mut nested_problems);
        for found in nested_problems {
            problem(found.path, found.message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Schema {
        Schema::new(
            Block::new()
                .attribute(Attribute::required("name", Type::String))
                .attribute(Attribute::computed("id", Type::String))
                .attribute(Attribute::nested(
                    "ports",
                    Presence::Optional,
                    ObjectNesting::List,
                    vec![Attribute::required("internal", Type::Number)],
                ))
                .block(NestedBlock::new(
                    "disk",
                    BlockNesting::List,
                    Block::new().attribute(Attribute::required("size", Type::Number)),
                ))
                .block(NestedBlock::new(
                    "clone",
                    BlockNesting::Single,
                    Block::new().attribute(Attribute::required("template_uuid", Type::String)),
                )),
        )
    }

    #[test]
    fn implied_type_has_one_attribute_per_attribute_and_block() {
        let disk = Type::object([("size", Type::Number)]);
        let expected = Type::object([
            ("name", Type::String),
            ("id", Type::String),
            (
                "ports",
                Type::list(Type::object([("internal", Type::Number)])),
            ),
            ("disk", Type::list(disk)),
            ("clone", Type::object([("template_uuid", Type::String)])),
        ]);
        assert_eq!(sample().implied_type(), expected);
    }

    #[test]
    fn list_blocks_with_dynamic_attributes_become_dynamic() {
        let block = NestedBlock::new(
            "item",
            BlockNesting::List,
            Block::new().attribute(Attribute::optional("value", Type::Dynamic)),
        );
        assert_eq!(block.implied_type(), Type::Dynamic);
    }

    #[test]
    fn a_valid_schema_has_no_problems() {
        assert_eq!(check_schema(&sample()), vec![]);
    }

    #[test]
    fn schema_rules_are_checked_with_paths() {
        let schema = Schema::new(
            Block::new()
                .attribute(Attribute::optional("Bad-Name", Type::String))
                .attribute(Attribute::optional("twice", Type::String))
                .block(NestedBlock::new("twice", BlockNesting::List, Block::new()))
                .block(NestedBlock::new("one", BlockNesting::Single, Block::new()).items(0, 2))
                .block(
                    NestedBlock::new(
                        "set",
                        BlockNesting::Set,
                        Block::new().attribute(Attribute::optional("any", Type::Dynamic)),
                    )
                    .items(3, 1),
                ),
        )
        .version(-1);
        let problems = check_schema(&schema);
        let paths: Vec<&str> = problems
            .iter()
            .map(|problem| problem.path.as_str())
            .collect();
        assert_eq!(
            paths,
            ["", "Bad-Name", "twice", "one", "set"],
            "{problems:?}"
        );
    }
}
