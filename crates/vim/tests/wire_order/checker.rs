//! Checks an encoded vim25 request against the schema read from govmomi: element order, unknown
//! elements, repeated scalars, missing required elements, `xsi:type` on polymorphic values and
//! that every `xsi:type` names the declared type or a subtype of it.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::govmomi::{Field, Kind, Schema};

/// One parsed element.
#[derive(Debug, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<Element>,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

fn open(start: &BytesStart<'_>) -> Result<Element, String> {
    let mut element = Element {
        name: String::from_utf8_lossy(start.name().as_ref()).into_owned(),
        ..Element::default()
    };
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        element.attributes.push((
            String::from_utf8_lossy(attribute.key.as_ref()).into_owned(),
            attribute
                .unescape_value()
                .map_err(|error| error.to_string())?
                .into_owned(),
        ));
    }
    Ok(element)
}

/// Parses a whole document into its root element.
pub(crate) fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    loop {
        let finished = match reader.read_event().map_err(|error| error.to_string())? {
            Event::Start(start) => {
                stack.push(open(&start)?);
                None
            }
            Event::Empty(start) => Some(open(&start)?),
            Event::End(_) => Some(stack.pop().ok_or("unbalanced end tag")?),
            Event::Text(text) => {
                if let Some(top) = stack.last_mut() {
                    top.text
                        .push_str(&text.unescape().map_err(|error| error.to_string())?);
                }
                None
            }
            Event::Eof => return Err("end of input before the root element closed".into()),
            _ => None,
        };
        if let Some(element) = finished {
            match stack.last_mut() {
                Some(parent) => parent.children.push(element),
                None => return Ok(element),
            }
        }
    }
}

/// What [`check_envelope`] found.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// The method element's name.
    pub(crate) method: String,
    /// Elements checked (the method element included).
    pub(crate) elements: usize,
    /// Violations, each starting with the element path.
    pub(crate) errors: Vec<String>,
}

/// xsd primitives a value of an `AnyType` (or a leaf) field may be typed as.
const XSD_PRIMITIVES: [&str; 16] = [
    "string",
    "boolean",
    "byte",
    "short",
    "int",
    "long",
    "float",
    "double",
    "dateTime",
    "base64Binary",
    "anyURI",
    "anyType",
    "unsignedByte",
    "unsignedShort",
    "unsignedInt",
    "decimal",
];

/// Checks the request inside `envelope` (`soapenv:Envelope/soapenv:Body/<Method>`).
pub(crate) fn check_envelope(schema: &Schema, envelope: &str) -> Report {
    let mut report = Report::default();
    let root = match parse(envelope) {
        Ok(root) => root,
        Err(error) => {
            report.errors.push(format!("not well-formed XML: {error}"));
            return report;
        }
    };
    let local = |name: &str| name.rsplit(':').next().unwrap_or(name).to_owned();
    let body = (local(&root.name) == "Envelope")
        .then(|| {
            root.children
                .iter()
                .find(|child| local(&child.name) == "Body")
        })
        .flatten();
    let Some(body) = body else {
        report.errors.push(format!(
            "<{}> is not a SOAP envelope with a Body",
            root.name
        ));
        return report;
    };
    let [method] = body.children.as_slice() else {
        report.errors.push(format!(
            "the Body has {} children, expected exactly the method element",
            body.children.len()
        ));
        return report;
    };
    report.method.clone_from(&method.name);
    match schema.request_type(&method.name) {
        Ok(request_type) => {
            let mut checker = Checker {
                schema,
                elements: 0,
                errors: Vec::new(),
            };
            checker.check_complex(method, &request_type, &method.name);
            report.elements = checker.elements;
            report.errors = checker.errors;
        }
        Err(error) => report.errors.push(error),
    }
    report
}

struct Checker<'a> {
    schema: &'a Schema,
    elements: usize,
    errors: Vec<String>,
}

impl Checker<'_> {
    fn error(&mut self, path: &str, message: String) {
        self.errors.push(format!("{path}: {message}"));
    }

    /// Checks the children of `element`, an instance of data object `type_name`.
    fn check_complex(&mut self, element: &Element, type_name: &str, path: &str) {
        self.elements += 1;
        let fields = self.schema.fields(type_name);
        if type_name == "ManagedObjectReference" && element.attribute("type").is_none() {
            self.error(
                path,
                "ManagedObjectReference without its `type` attribute".into(),
            );
        }
        let index_of = |name: &str| fields.iter().position(|field| field.name == name);
        // The order the present elements must come in, for messages.
        let expected_order = || {
            let mut present: Vec<(usize, &str)> = element
                .children
                .iter()
                .filter_map(|child| Some((index_of(&child.name)?, child.name.as_str())))
                .collect();
            present.sort_unstable();
            present.dedup();
            present
                .iter()
                .map(|(_, name)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut previous: Option<(usize, &str)> = None;
        let mut occurrences: std::collections::HashMap<&str, usize> =
            std::collections::HashMap::new();
        for child in &element.children {
            let Some(index) = index_of(&child.name) else {
                let known: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
                self.error(
                    path,
                    format!(
                        "unknown element {} in {type_name} (its elements: {})",
                        child.name,
                        known.join(", ")
                    ),
                );
                continue;
            };
            let field = &fields[index];
            let seen = occurrences.entry(child.name.as_str()).or_default();
            let child_path = if field.array {
                format!("{path}/{}[{seen}]", child.name)
            } else {
                format!("{path}/{}", child.name)
            };
            *seen += 1;
            match previous {
                Some((last, last_name)) if index < last => self.error(
                    path,
                    format!(
                        "element {} after {last_name} in {type_name}; expected order: {}",
                        child.name,
                        expected_order()
                    ),
                ),
                Some((last, _)) if index == last && !field.array => self.error(
                    path,
                    format!(
                        "element {} repeated, but {type_name}.{} is not an array ({})",
                        child.name, child.name, field.go_type
                    ),
                ),
                _ => {}
            }
            if previous.is_none_or(|(last, _)| index >= last) {
                previous = Some((index, child.name.as_str()));
            }
            self.check_value(child, field, &child_path);
        }
        for field in fields.iter().filter(|field| field.required) {
            if !element
                .children
                .iter()
                .any(|child| child.name == field.name)
            {
                self.error(
                    path,
                    format!(
                        "required element {} ({}) of {type_name} is missing",
                        field.name, field.go_type
                    ),
                );
            }
        }
    }

    /// Checks `element`, the value of `field`.
    fn check_value(&mut self, element: &Element, field: &Field, path: &str) {
        let xsi_type = element.attribute("xsi:type");
        if field.polymorphic && xsi_type.is_none() {
            self.error(
                path,
                format!(
                    "value of polymorphic field {} ({}) has no xsi:type",
                    field.name, field.go_type
                ),
            );
        }
        let Some(xsi_type) = xsi_type else {
            match &field.kind {
                Kind::Complex(type_name) => self.check_complex(element, type_name, path),
                Kind::Simple(go_type) => self.check_leaf(element, Some(go_type), path),
                Kind::Any => self.check_leaf(element, None, path),
            }
            return;
        };
        let (prefix, name) = match xsi_type.split_once(':') {
            Some((prefix, name)) => (Some(prefix), name),
            None => (None, xsi_type),
        };
        let is_xsd = prefix == Some("xsd") || prefix == Some("xs");
        if is_xsd {
            if !XSD_PRIMITIVES.contains(&name) {
                self.error(path, format!("xsi:type {xsi_type} is not an xsd primitive"));
            }
            match &field.kind {
                Kind::Complex(type_name) => self.error(
                    path,
                    format!(
                        "xsi:type {xsi_type} in field {} declared as {type_name}",
                        field.name
                    ),
                ),
                Kind::Simple(go_type) => self.check_leaf(element, Some(go_type), path),
                Kind::Any => self.check_leaf(element, None, path),
            }
            return;
        }
        if !self.schema.is_struct(name) {
            self.error(
                path,
                format!("xsi:type {xsi_type} is not a vim25 type in govmomi's types.go"),
            );
            return;
        }
        match &field.kind {
            Kind::Complex(declared) if !self.schema.is_subtype(name, declared) => {
                self.error(
                    path,
                    format!(
                        "xsi:type {name} is not {declared} nor a subtype of it (field {}: {})",
                        field.name, field.go_type
                    ),
                );
            }
            Kind::Simple(go_type) => {
                self.error(
                    path,
                    format!(
                        "xsi:type {name} on field {} whose type is the leaf {go_type}",
                        field.name
                    ),
                );
                return;
            }
            _ => {}
        }
        self.check_complex(element, name, path);
    }

    fn check_leaf(&mut self, element: &Element, go_type: Option<&str>, path: &str) {
        self.elements += 1;
        if let Some(child) = element.children.first() {
            self.error(
                path,
                format!(
                    "leaf value ({}) has child element {}",
                    go_type.unwrap_or("xsd primitive"),
                    child.name
                ),
            );
        }
        if let Some(values) = go_type.and_then(|go_type| self.schema.enum_values(go_type)) {
            if !values.contains(element.text.as_str()) {
                let mut sorted: Vec<&String> = values.iter().collect();
                sorted.sort();
                self.error(
                    path,
                    format!(
                        "{:?} is not a value of enum {} ({sorted:?})",
                        element.text,
                        go_type.unwrap_or_default()
                    ),
                );
            }
        }
    }
}
