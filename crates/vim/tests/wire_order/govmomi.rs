//! A small reader of govmomi's generated vim25 Go sources: the data-object structs of
//! `types/types.go` (fields in WSDL order, base type embedded first), the request-type aliases
//! (`type CreateVM_Task CreateVMRequestType`), the enums of `types/enum.go` and the method names
//! of `methods/methods.go`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Where `scripts/bootstrap` (Debian package golang-github-vmware-govmomi-dev) installs govmomi.
const GOVMOMI_VIM25: &str = "/usr/share/gocode/src/github.com/vmware/govmomi/vim25";

/// What a Go field type says about the XML element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A data object declared in types.go (its fields are child elements).
    Complex(String),
    /// A leaf: Go primitive, `time.Time`, an enum, `[]byte`.
    Simple(String),
    /// `AnyType`: any xsd primitive or data object, named by `xsi:type`.
    Any,
}

/// One element of a data object.
#[derive(Clone, Debug)]
pub(crate) struct Field {
    /// The XML element name.
    pub(crate) name: String,
    /// The Go type with `[]`, `*` and the `Base` interface prefix stripped.
    pub(crate) kind: Kind,
    /// `[]T`: the element may repeat.
    pub(crate) array: bool,
    /// `BaseT`, `[]BaseT` or `AnyType`: every value needs an `xsi:type`.
    pub(crate) polymorphic: bool,
    /// Neither `omitempty` nor a pointer: minOccurs=1 in the WSDL.
    pub(crate) required: bool,
    /// The Go type as written, for messages.
    pub(crate) go_type: String,
}

#[derive(Debug, Default)]
struct Struct {
    /// Embedded structs (base types), in order.
    embeds: Vec<String>,
    /// The raw field lines: (element name, Go type, tag flags).
    own: Vec<(String, String, Vec<String>)>,
}

/// The parsed vim25 schema.
#[derive(Debug)]
pub(crate) struct Schema {
    structs: HashMap<String, Struct>,
    aliases: HashMap<String, String>,
    enums: HashMap<String, HashSet<String>>,
    methods: HashSet<String>,
    flattened: std::sync::Mutex<HashMap<String, std::sync::Arc<Vec<Field>>>>,
}

fn read(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "cannot read govmomi's generated vim25 source {} ({error}): the wire-order \
             conformance test needs it; run `scripts/bootstrap` or \
             `apt-get install golang-github-vmware-govmomi-dev`",
            path.display()
        )
    })
}

/// `xml:"name,omitempty,typeattr"` → ("name", ["omitempty", "typeattr"]).
fn xml_tag(line: &str) -> Option<(String, Vec<String>)> {
    let start = line.find("xml:\"")? + "xml:\"".len();
    let rest = &line[start..];
    let tag = &rest[..rest.find('"')?];
    let mut parts = tag.split(',');
    let name = parts.next()?.to_owned();
    Some((name, parts.map(str::to_owned).collect()))
}

impl Schema {
    /// Loads govmomi from its installed location; panics (never skips) when it is missing.
    pub(crate) fn load() -> Schema {
        let dir = PathBuf::from(GOVMOMI_VIM25);
        let types = read(&dir.join("types"), "types.go");
        let enums = read(&dir.join("types"), "enum.go");
        let methods = read(&dir.join("methods"), "methods.go");
        Schema::parse(&types, &enums, &methods)
    }

    pub(crate) fn parse(types: &str, enums: &str, methods: &str) -> Schema {
        let mut structs = HashMap::new();
        let mut aliases = HashMap::new();
        let mut current: Option<(String, Struct)> = None;
        for line in types.lines() {
            if let Some((name, body)) = current.as_mut() {
                if line.starts_with('}') {
                    let (name, body) = (std::mem::take(name), std::mem::take(body));
                    structs.insert(name, body);
                    current = None;
                    continue;
                }
                let trimmed = line.trim();
                if trimmed.is_empty() || trimmed.starts_with("//") {
                    continue;
                }
                let tokens: Vec<&str> = trimmed.split_whitespace().collect();
                if tokens.len() == 1 {
                    body.embeds
                        .push(tokens[0].trim_start_matches('*').to_owned());
                } else if let Some((element, flags)) = xml_tag(trimmed) {
                    let not_element = element.is_empty()
                        || element == "-"
                        || flags
                            .iter()
                            .any(|flag| flag == "attr" || flag == "chardata");
                    if !not_element {
                        body.own.push((element, tokens[1].to_owned(), flags));
                    }
                }
                continue;
            }
            let Some(rest) = line.strip_prefix("type ") else {
                continue;
            };
            let tokens: Vec<&str> = rest.split_whitespace().collect();
            match tokens.as_slice() {
                [name, "struct", "{"] => current = Some(((*name).to_owned(), Struct::default())),
                [name, "struct", "{}"] => {
                    structs.insert((*name).to_owned(), Struct::default());
                }
                [name, target] if *target != "interface" => {
                    aliases.insert((*name).to_owned(), (*target).to_owned());
                }
                _ => {}
            }
        }

        let mut enum_values: HashMap<String, HashSet<String>> = HashMap::new();
        for line in enums.lines() {
            let trimmed = line.trim();
            if let Some(rest) = line.strip_prefix("type ") {
                if let [name, "string"] = rest.split_whitespace().collect::<Vec<_>>().as_slice() {
                    enum_values.entry((*name).to_owned()).or_default();
                }
            } else if let Some((_, value)) = trimmed.split_once(" = ") {
                // VirtualDeviceConfigSpecOperationAdd = VirtualDeviceConfigSpecOperation("add")
                if let Some((kind, literal)) = value.split_once("(\"") {
                    if let Some(literal) = literal.strip_suffix("\")") {
                        enum_values
                            .entry(kind.trim().to_owned())
                            .or_default()
                            .insert(literal.to_owned());
                    }
                }
            }
        }

        let method_names = methods
            .lines()
            .filter_map(|line| {
                let start = line.find("xml:\"urn:vim25 ")? + "xml:\"urn:vim25 ".len();
                let rest = &line[start..];
                let end = rest.find([',', '"'])?;
                Some(rest[..end].to_owned())
            })
            .collect();

        Schema {
            structs,
            aliases,
            enums: enum_values,
            methods: method_names,
            flattened: std::sync::Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn struct_count(&self) -> usize {
        self.structs.len()
    }

    pub(crate) fn method_count(&self) -> usize {
        self.methods.len()
    }

    pub(crate) fn is_struct(&self, name: &str) -> bool {
        self.structs.contains_key(name)
    }

    /// The request type of method `method` (`CreateVM_Task` → `CreateVMRequestType`).
    pub(crate) fn request_type(&self, method: &str) -> Result<String, String> {
        if !self.methods.contains(method) {
            return Err(format!(
                "{method} is not a vim25 method in govmomi's methods.go"
            ));
        }
        let alias = self
            .aliases
            .get(method)
            .ok_or_else(|| format!("types.go has no `type {method} <Method>RequestType`"))?;
        if self.structs.contains_key(alias) {
            Ok(alias.clone())
        } else {
            Err(format!(
                "{method}: request type {alias} not found in types.go"
            ))
        }
    }

    /// The enum values of `go_type`, when it is an enum of enum.go.
    pub(crate) fn enum_values(&self, go_type: &str) -> Option<&HashSet<String>> {
        self.enums.get(go_type)
    }

    /// Whether `sub` is `base` or (transitively) embeds it.
    pub(crate) fn is_subtype(&self, sub: &str, base: &str) -> bool {
        if sub == base {
            return true;
        }
        self.structs
            .get(sub)
            .is_some_and(|s| s.embeds.iter().any(|embed| self.is_subtype(embed, base)))
    }

    fn kind_of(&self, go_type: &str) -> (Kind, bool, bool) {
        let array = go_type.starts_with("[]");
        let bare = go_type.trim_start_matches("[]").trim_start_matches('*');
        if bare == "AnyType" {
            return (Kind::Any, array, true);
        }
        if self.structs.contains_key(bare) {
            return (Kind::Complex(bare.to_owned()), array, false);
        }
        if let Some(base) = bare.strip_prefix("Base") {
            if self.structs.contains_key(base) {
                return (Kind::Complex(base.to_owned()), array, true);
            }
        }
        (Kind::Simple(bare.to_owned()), array, false)
    }

    /// Every element of `type_name`, base types' fields first, in WSDL order.
    pub(crate) fn fields(&self, type_name: &str) -> std::sync::Arc<Vec<Field>> {
        if let Some(cached) = self.flattened.lock().unwrap().get(type_name) {
            return cached.clone();
        }
        let mut fields = Vec::new();
        if let Some(body) = self.structs.get(type_name) {
            for embed in &body.embeds {
                fields.extend(self.fields(embed).iter().cloned());
            }
            for (name, go_type, flags) in &body.own {
                let (kind, array, polymorphic) = self.kind_of(go_type);
                let optional =
                    flags.iter().any(|flag| flag == "omitempty") || go_type.starts_with('*');
                fields.push(Field {
                    name: name.clone(),
                    kind,
                    array,
                    polymorphic,
                    required: !optional,
                    go_type: go_type.clone(),
                });
            }
        }
        let fields = std::sync::Arc::new(fields);
        self.flattened
            .lock()
            .unwrap()
            .insert(type_name.to_owned(), fields.clone());
        fields
    }
}
