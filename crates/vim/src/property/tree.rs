//! A minimal element tree over normalised `<returnval>` XML (see [`crate::Returnvals`]).
//!
//! Property values are polymorphic (`xsi:type`), which serde cannot dispatch on; walking a small
//! tree keeps the decoder simple and lets unknown values be kept verbatim instead of failing.

use quick_xml::Reader;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::writer::Writer;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Deepest element nesting accepted. vSphere data objects nest a few dozen levels at most; the
/// limit keeps the recursive walks (serialising, dropping) far from the stack's end whatever a
/// server sends (a fuzzed 10,000-level value used to overflow a tokio worker's stack).
pub(crate) const MAX_DEPTH: usize = 256;

/// One element: its local name, attributes, unescaped text and children.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
    pub(crate) text: String,
    pub(crate) children: Vec<Node>,
}

impl Node {
    /// Parses a document holding exactly one root element.
    pub(crate) fn parse(xml: &str) -> Result<Node, String> {
        let mut reader = Reader::from_str(xml);
        let mut stack: Vec<Node> = Vec::new();
        loop {
            let event = reader.read_event().map_err(|error| error.to_string())?;
            match event {
                Event::Start(start) => {
                    if stack.len() >= MAX_DEPTH {
                        return Err(format!("elements nested deeper than {MAX_DEPTH} levels"));
                    }
                    stack.push(open(&start)?);
                }
                Event::Empty(start) => {
                    let node = open(&start)?;
                    if let Some(done) = close(&mut stack, node) {
                        return Ok(done);
                    }
                }
                Event::End(_) => {
                    let node = stack.pop().ok_or("unbalanced end tag")?;
                    if let Some(done) = close(&mut stack, node) {
                        return Ok(done);
                    }
                }
                Event::Text(text) => {
                    let text = text.unescape().map_err(|error| error.to_string())?;
                    if let Some(node) = stack.last_mut() {
                        node.text.push_str(&text);
                    }
                }
                Event::CData(data) => {
                    if let Some(node) = stack.last_mut() {
                        node.text.push_str(&String::from_utf8_lossy(&data));
                    }
                }
                Event::Eof => return Err("end of input inside an element".into()),
                _ => {}
            }
        }
    }

    /// The value of attribute `name`.
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first child named `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|child| child.name == name)
    }

    /// Every child named `name`.
    pub(crate) fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |child| child.name == name)
    }

    /// The text of the first child named `name`.
    pub(crate) fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|child| child.text.as_str())
    }

    /// The element re-serialised (escaped, normalised names).
    pub(crate) fn to_xml(&self) -> String {
        let mut writer = Writer::new(Vec::new());
        self.write(&mut writer);
        String::from_utf8(writer.into_inner()).unwrap_or_default()
    }

    fn write(&self, writer: &mut Writer<Vec<u8>>) {
        let mut start = BytesStart::new(self.name.as_str());
        for (key, value) in &self.attributes {
            start.push_attribute((key.as_str(), value.as_str()));
        }
        // Writing into a Vec cannot fail.
        if self.text.is_empty() && self.children.is_empty() {
            let _ = writer.write_event(Event::Empty(start));
            return;
        }
        let _ = writer.write_event(Event::Start(start));
        if !self.text.is_empty() {
            let _ = writer.write_event(Event::Text(BytesText::new(&self.text)));
        }
        for child in &self.children {
            child.write(writer);
        }
        let _ = writer.write_event(Event::End(BytesEnd::new(self.name.as_str())));
    }
}

/// XML Schema types whose `xsi:type` must keep the `xsd:` prefix the envelope declares.
const XSD_TYPES: [&str; 14] = [
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
    "decimal",
];

impl Node {
    /// Rewrites every `xsi:type` value to the prefixes our envelope declares (`xsd:` for XML
    /// Schema types, none for vim25 types), whatever prefixes the server used, so the tree can
    /// be sent back inside one of our requests.
    pub(crate) fn normalise_types(&mut self) {
        for (key, value) in &mut self.attributes {
            if key == "xsi:type" {
                let local = crate::envelope::strip_prefix(value.trim()).to_owned();
                *value = if XSD_TYPES.contains(&local.as_str()) {
                    format!("xsd:{local}")
                } else {
                    local
                };
            }
        }
        for child in &mut self.children {
            child.normalise_types();
        }
    }
}

/// Serialises the element's content (attributes, text, children) as a map so quick-xml writes
/// it under whatever name the enclosing field gives it: attributes become `@name` entries (e.g.
/// `@xsi:type`), the text `$text`, every child an entry named after it (repeated names stay
/// repeated, in order). This lets a value the server sent (an `ImportSpec`) go back to it
/// unchanged without building XML by hand.
impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = usize::from(!self.text.is_empty());
        let mut map =
            serializer.serialize_map(Some(self.attributes.len() + text + self.children.len()))?;
        for (key, value) in &self.attributes {
            map.serialize_entry(&format!("@{key}"), value)?;
        }
        if !self.text.is_empty() {
            map.serialize_entry("$text", &self.text)?;
        }
        for child in &self.children {
            map.serialize_entry(&child.name, child)?;
        }
        map.end()
    }
}

fn open(start: &BytesStart<'_>) -> Result<Node, String> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| error.to_string())?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute
            .unescape_value()
            .map_err(|error| error.to_string())?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Node {
        name,
        attributes,
        ..Node::default()
    })
}

/// Attaches a finished `node` to its parent; returns it when it was the root.
fn close(stack: &mut [Node], mut node: Node) -> Option<Node> {
    // Indentation between child elements is not content.
    if !node.children.is_empty() && node.text.trim().is_empty() {
        node.text.clear();
    }
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(node);
            None
        }
        None => Some(node),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reserialises() {
        let node = Node::parse(r#"<a x="1&amp;2"><b>t &lt; u</b><c/><b>v</b></a>"#).unwrap();
        assert_eq!(node.attribute("x"), Some("1&2"));
        assert_eq!(node.child_text("b"), Some("t < u"));
        assert_eq!(node.children("b").count(), 2);
        assert_eq!(
            node.to_xml(),
            r#"<a x="1&amp;2"><b>t &lt; u</b><c/><b>v</b></a>"#
        );
        assert!(Node::parse("<a><b></a>").is_err());
        assert!(Node::parse("<a>").is_err());
    }

    #[derive(serde::Serialize)]
    #[serde(rename = "wrapper")]
    struct Wrapper {
        #[serde(rename = "@xmlns:xsi")]
        xsi: &'static str,
        spec: Node,
    }

    #[test]
    fn serialises_as_the_content_of_the_enclosing_field() {
        let xml = r#"<importSpec xsi:type="VirtualMachineImportSpec"><configSpec><name>a &amp; b</name><deviceChange><operation>add</operation></deviceChange><deviceChange><operation>edit</operation></deviceChange><extraConfig xsi:type="OptionValue"><key>k</key><value xsi:type="xsd:string">v &lt; w</value></extraConfig><empty/></configSpec><resPoolEntity type="ResourcePool">resgroup-22</resPoolEntity></importSpec>"#;
        let node = Node::parse(xml).unwrap();
        let mut out = String::new();
        Wrapper {
            xsi: crate::XSI_NS,
            spec: node.clone(),
        }
        .serialize(quick_xml::se::Serializer::new(&mut out))
        .unwrap();
        let back = Node::parse(&out).unwrap();
        assert_eq!(back.attribute("xmlns:xsi"), Some(crate::XSI_NS));
        let spec = back.child("spec").unwrap();
        // Same content under the field's name: attributes, text, children and their order.
        assert_eq!(
            Node {
                name: node.name.clone(),
                ..spec.clone()
            },
            node
        );
        assert!(
            out.contains(r#"<spec xsi:type="VirtualMachineImportSpec">"#),
            "{out}"
        );
        assert!(out.contains("<name>a &amp; b</name>"), "{out}");
        assert!(out.contains("<empty/>"), "{out}");
    }
}
