//! The SOAP envelope: requests encoded with quick-xml's serde serialiser, responses decoded with a
//! namespace-aware reader.
//!
//! Encoding never concatenates caller data into XML: a method is a [`Request`] struct, serialised
//! as the only child of `soapenv:Body`, so every string (morefs included) is escaped by the
//! serialiser. The envelope declares `urn:vim25` as the default namespace, so the method element
//! and its children are in the vim25 namespace.
//!
//! Decoding looks for the `Body` element, then either a `Fault` or the `<Method>Response` element,
//! and matches elements by local name and attributes by namespace URI, so any prefix a server
//! chooses works. Each `<returnval>` is re-serialised in a normalised form (no prefixes, no
//! namespace declarations, the schema-instance `type` attribute spelled `xsi:type`) and handed
//! to serde.

use std::borrow::Cow;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::name::{Namespace, QName, ResolveResult};
use quick_xml::reader::NsReader;
use quick_xml::writer::Writer;
use serde::de::DeserializeOwned;
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::fault::{Fault, FaultKind};

/// The SOAP 1.1 envelope namespace.
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The vim25 namespace.
pub const VIM25_NS: &str = "urn:vim25";
/// The XML Schema instance namespace (`xsi:type`).
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
/// The XML Schema namespace (`xsd:string`).
pub const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// A vim25 method call: a struct whose fields are the method's parameters in WSDL order, the
/// first being `_this` (the moref the method is called on).
///
/// ```
/// use serde::Serialize;
/// use vim::{ManagedObjectReference, Request, Returnvals};
///
/// /// `CurrentTime` on the `ServiceInstance`.
/// #[derive(Serialize)]
/// struct Now {
///     #[serde(rename = "_this")]
///     this: ManagedObjectReference,
/// }
///
/// impl Request for Now {
///     const METHOD: &'static str = "CurrentTime";
///     const IDEMPOTENT: bool = true;
///     type Response = String;
///     fn decode(returnvals: Returnvals) -> Result<String, String> {
///         returnvals.one()
///     }
/// }
/// ```
pub trait Request: Serialize {
    /// The method name, which is also the request element's name, e.g. `Login`.
    const METHOD: &'static str;
    /// Whether the call may be repeated safely (reads, `CurrentTime`, ...). Only idempotent calls
    /// are retried after connection-level errors.
    const IDEMPOTENT: bool;
    /// What the call returns.
    type Response;
    /// Turns the `<returnval>` elements of the response into [`Request::Response`]; the error is
    /// a message for [`Error::Decode`](crate::Error::Decode).
    fn decode(returnvals: Returnvals) -> Result<Self::Response, String>;
}

/// The `<returnval>` elements of a response, normalised (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Returnvals(Vec<String>);

impl Returnvals {
    /// Exactly one value (a method with a required return value).
    pub fn one<T: DeserializeOwned>(self) -> Result<T, String> {
        match self.optional()? {
            Some(value) => Ok(value),
            None => Err("no returnval in the response".into()),
        }
    }

    /// At most one value (a method whose return value may be unset, e.g. `FindByInventoryPath`).
    pub fn optional<T: DeserializeOwned>(self) -> Result<Option<T>, String> {
        let mut values = self.many()?;
        match values.len() {
            0 => Ok(None),
            1 => Ok(values.pop()),
            n => Err(format!("expected one returnval, got {n}")),
        }
    }

    /// Any number of values (a method returning an array: one `<returnval>` per item).
    pub fn many<T: DeserializeOwned>(self) -> Result<Vec<T>, String> {
        self.0
            .iter()
            .map(|xml| {
                quick_xml::de::from_str::<T>(xml).map_err(|error| format!("returnval: {error}"))
            })
            .collect()
    }

    /// No value (a method returning `void`); any returnval is ignored.
    pub fn none(self) -> Result<(), String> {
        Ok(())
    }

    /// The normalised XML of each `<returnval>`, for callers that decode it themselves.
    pub fn into_xml(self) -> Vec<String> {
        self.0
    }
}

/// `soapenv:Envelope` with the namespaces every vim25 request declares.
#[derive(Serialize)]
#[serde(rename = "soapenv:Envelope")]
struct Envelope<'a, R: Request> {
    #[serde(rename = "@xmlns")]
    xmlns: &'static str,
    #[serde(rename = "@xmlns:soapenv")]
    xmlns_soapenv: &'static str,
    #[serde(rename = "@xmlns:xsd")]
    xmlns_xsd: &'static str,
    #[serde(rename = "@xmlns:xsi")]
    xmlns_xsi: &'static str,
    #[serde(rename = "soapenv:Body")]
    body: Body<'a, R>,
}

/// `soapenv:Body`, whose only child is named after the method.
struct Body<'a, R: Request>(&'a R);

impl<R: Request> Serialize for Body<'_, R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut body = serializer.serialize_struct("Body", 1)?;
        body.serialize_field(R::METHOD, self.0)?;
        body.end()
    }
}

/// The complete request document for `request`.
pub fn encode<R: Request>(request: &R) -> Result<String, quick_xml::SeError> {
    let envelope = Envelope {
        xmlns: VIM25_NS,
        xmlns_soapenv: SOAP_ENV_NS,
        xmlns_xsd: XSD_NS,
        xmlns_xsi: XSI_NS,
        body: Body(request),
    };
    let mut xml = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    envelope.serialize(quick_xml::se::Serializer::new(&mut xml))?;
    Ok(xml)
}

/// What a response body held.
#[derive(Debug)]
pub(crate) enum Decoded {
    /// A `<Method>Response` and its return values.
    Response(Returnvals),
    /// A SOAP fault.
    Fault(Fault),
}

/// Why a response body could not be decoded.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// Nothing but whitespace.
    Empty,
    /// Not well-formed XML, or truncated.
    Malformed(String),
    /// Well-formed, but not a SOAP response to this method.
    Unexpected(String),
}

impl From<quick_xml::Error> for DecodeError {
    fn from(error: quick_xml::Error) -> Self {
        DecodeError::Malformed(error.to_string())
    }
}

impl From<quick_xml::events::attributes::AttrError> for DecodeError {
    fn from(error: quick_xml::events::attributes::AttrError) -> Self {
        DecodeError::Malformed(error.to_string())
    }
}

fn is_ns(resolved: &ResolveResult<'_>, uri: &str) -> bool {
    matches!(resolved, ResolveResult::Bound(Namespace(bound)) if *bound == uri.as_bytes())
}

fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|error| DecodeError::Malformed(error.to_string()))
}

/// A type name without its prefix: `xsd:string` → `string`, `ns1:TraversalSpec` → `TraversalSpec`.
pub(crate) fn strip_prefix(type_name: &str) -> &str {
    type_name.rsplit(':').next().unwrap_or(type_name)
}

/// Decodes the response to `method` (e.g. `Login`, expecting `LoginResponse` or a fault).
pub(crate) fn decode(method: &str, body: &str) -> Result<Decoded, DecodeError> {
    if body.trim().is_empty() {
        return Err(DecodeError::Empty);
    }
    let mut reader = NsReader::from_str(body);
    let mut depth = 0usize;
    let mut in_body = false;
    loop {
        let (resolved, event) = reader.read_resolved_event()?;
        match event {
            Event::Start(start) => {
                depth += 1;
                let local = start.local_name();
                if !in_body {
                    if local.as_ref() == b"Body" && is_ns(&resolved, SOAP_ENV_NS) {
                        in_body = true;
                    } else if depth == 1 && local.as_ref() != b"Envelope" {
                        return Err(DecodeError::Unexpected(format!(
                            "root element is <{}>, not a SOAP envelope",
                            String::from_utf8_lossy(start.name().as_ref())
                        )));
                    }
                    continue;
                }
                let decoded = if local.as_ref() == b"Fault" && is_ns(&resolved, SOAP_ENV_NS) {
                    Decoded::Fault(read_fault(&mut reader)?)
                } else {
                    Decoded::Response(read_response(&mut reader, method, &start, false)?)
                };
                // The element just read is closed; Body and Envelope must close too.
                return finish(&mut reader, depth - 1).map(|()| decoded);
            }
            Event::Empty(start) => {
                if in_body {
                    if start.local_name().as_ref() == b"Fault" {
                        finish(&mut reader, depth)?;
                        return Ok(Decoded::Fault(Fault {
                            kind: FaultKind::Other(String::new()),
                            type_name: String::new(),
                            code: String::new(),
                            message: String::new(),
                            detail_xml: String::new(),
                        }));
                    }
                    let values = read_response(&mut reader, method, &start, true)?;
                    return finish(&mut reader, depth).map(|()| Decoded::Response(values));
                }
                if depth == 0 {
                    return Err(DecodeError::Unexpected("empty root element".into()));
                }
            }
            Event::End(_) => {
                if in_body {
                    return Err(DecodeError::Unexpected("empty SOAP body".into()));
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => {
                return Err(if depth > 0 {
                    DecodeError::Malformed("truncated: end of input inside the envelope".into())
                } else {
                    DecodeError::Unexpected("no SOAP body".into())
                });
            }
            Event::Text(text) if depth == 0 && !text.iter().all(u8::is_ascii_whitespace) => {
                return Err(DecodeError::Malformed("text outside of any element".into()));
            }
            _ => {}
        }
    }
}

/// Reads the rest of the document, which must close the `open` elements still open: a body cut
/// short after the response element is still a truncated body.
fn finish(reader: &mut NsReader<&[u8]>, mut open: usize) -> Result<(), DecodeError> {
    loop {
        match reader.read_event()? {
            Event::Start(_) => open += 1,
            Event::End(_) => open = open.saturating_sub(1),
            Event::Eof if open > 0 => return Err(truncated()),
            Event::Eof => return Ok(()),
            _ => {}
        }
    }
}

/// Reads `<MethodResponse>` (already opened) to its end, collecting each `<returnval>`.
fn read_response(
    reader: &mut NsReader<&[u8]>,
    method: &str,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<Returnvals, DecodeError> {
    let local = utf8(start.local_name().into_inner())?;
    if local.strip_suffix("Response") != Some(method) {
        return Err(DecodeError::Unexpected(format!(
            "expected <{method}Response>, got <{local}>"
        )));
    }
    let mut values = Vec::new();
    if empty {
        return Ok(Returnvals(values));
    }
    loop {
        match reader.read_event()? {
            Event::Start(child) => {
                if child.local_name().as_ref() == b"returnval" {
                    values.push(copy_element(reader, &child, false)?);
                } else {
                    reader.read_to_end(child.name())?;
                }
            }
            Event::Empty(child) if child.local_name().as_ref() == b"returnval" => {
                values.push(copy_element(reader, &child, true)?);
            }
            Event::End(_) => return Ok(Returnvals(values)),
            Event::Eof => return Err(truncated()),
            _ => {}
        }
    }
}

fn truncated() -> DecodeError {
    DecodeError::Malformed("truncated: end of input inside the envelope".into())
}

/// Reads `<soapenv:Fault>` (already opened) to its end.
fn read_fault(reader: &mut NsReader<&[u8]>) -> Result<Fault, DecodeError> {
    let mut code = String::new();
    let mut message = String::new();
    let mut type_name: Option<String> = None;
    let mut detail_xml = String::new();
    loop {
        match reader.read_event()? {
            Event::Start(child) => match child.local_name().as_ref() {
                b"faultcode" => code = read_text(reader, &child)?,
                b"faultstring" => message = read_text(reader, &child)?,
                b"detail" => {
                    if let Some((name, xml)) = read_detail(reader)? {
                        type_name = Some(name);
                        detail_xml = xml;
                    }
                }
                _ => {
                    reader.read_to_end(child.name())?;
                }
            },
            Event::End(_) => break,
            Event::Eof => return Err(truncated()),
            _ => {}
        }
    }
    let type_name = type_name.unwrap_or_default();
    let kind = FaultKind::from_detail(&type_name, &detail_xml);
    Ok(Fault {
        kind,
        type_name,
        code,
        message,
        detail_xml,
    })
}

/// The text content of `start` (already opened), unescaped.
fn read_text(reader: &mut NsReader<&[u8]>, start: &BytesStart<'_>) -> Result<String, DecodeError> {
    let raw = reader.read_text(start.name())?;
    let text = quick_xml::escape::unescape(&raw)
        .map_err(|error| DecodeError::Malformed(error.to_string()))?;
    Ok(text.trim().to_owned())
}

/// Reads `<detail>` (already opened) to its end: the fault type and the normalised XML of its
/// first element.
fn read_detail(reader: &mut NsReader<&[u8]>) -> Result<Option<(String, String)>, DecodeError> {
    let mut found = None;
    loop {
        match reader.read_event()? {
            Event::Start(child) if found.is_none() => {
                let name = fault_type(reader, &child)?;
                found = Some((name, copy_element(reader, &child, false)?));
            }
            Event::Empty(child) if found.is_none() => {
                let name = fault_type(reader, &child)?;
                found = Some((name, copy_element(reader, &child, true)?));
            }
            Event::Start(child) => {
                reader.read_to_end(child.name())?;
            }
            Event::End(_) => return Ok(found),
            Event::Eof => return Err(truncated()),
            _ => {}
        }
    }
}

/// The fault type of a detail element: its schema-instance `type` attribute under any prefix,
/// else its element name without the `Fault` suffix.
fn fault_type(reader: &NsReader<&[u8]>, element: &BytesStart<'_>) -> Result<String, DecodeError> {
    for attribute in element.attributes() {
        let attribute = attribute?;
        let (ns, local) = reader.resolve_attribute(attribute.key);
        if is_ns(&ns, XSI_NS) && local.as_ref() == b"type" {
            let value = attribute.unescape_value()?;
            return Ok(strip_prefix(value.trim()).to_owned());
        }
    }
    let local = utf8(element.local_name().into_inner())?;
    Ok(local.strip_suffix("Fault").unwrap_or(local).to_owned())
}

/// Re-serialises `start` (already read) and its content in normalised form: element and
/// attribute names without prefixes, no namespace declarations, the schema-instance `type`
/// attribute as `xsi:type`. Text is copied as is (still escaped).
fn copy_element(
    reader: &mut NsReader<&[u8]>,
    start: &BytesStart<'_>,
    empty: bool,
) -> Result<String, DecodeError> {
    let mut writer = Writer::new(Vec::new());
    let write_error = |error: std::io::Error| DecodeError::Malformed(error.to_string());
    let first = normalised_start(reader, start)?;
    if empty {
        writer
            .write_event(Event::Empty(first))
            .map_err(write_error)?;
    } else {
        writer
            .write_event(Event::Start(first))
            .map_err(write_error)?;
        let mut depth = 1usize;
        while depth > 0 {
            let event = match reader.read_event()? {
                Event::Start(element) => {
                    depth += 1;
                    Event::Start(normalised_start(reader, &element)?)
                }
                Event::Empty(element) => Event::Empty(normalised_start(reader, &element)?),
                Event::End(end) => {
                    depth -= 1;
                    let local = utf8(end.local_name().into_inner())?.to_owned();
                    Event::End(BytesEnd::new(local))
                }
                Event::Text(text) => Event::Text(text),
                Event::CData(data) => Event::CData(data),
                Event::Eof => return Err(truncated()),
                _ => continue,
            };
            writer.write_event(event).map_err(write_error)?;
        }
    }
    String::from_utf8(writer.into_inner())
        .map_err(|error| DecodeError::Malformed(error.to_string()))
}

fn normalised_start(
    reader: &NsReader<&[u8]>,
    element: &BytesStart<'_>,
) -> Result<BytesStart<'static>, DecodeError> {
    let local = utf8(element.local_name().into_inner())?;
    let mut out = BytesStart::new(local.to_owned());
    for attribute in element.attributes() {
        let attribute = attribute?;
        if attribute.key.as_namespace_binding().is_some() {
            continue;
        }
        let (ns, local) = reader.resolve_attribute(attribute.key);
        let name: Cow<'_, [u8]> = if is_ns(&ns, XSI_NS) && local.as_ref() == b"type" {
            Cow::Borrowed(b"xsi:type")
        } else {
            Cow::Owned(local.as_ref().to_vec())
        };
        out.push_attribute(Attribute {
            key: QName(&name),
            value: attribute.value,
        });
    }
    Ok(out)
}

/// `/sdk/vimServiceVersions.xml`: the API versions per namespace.
#[derive(Debug, Deserialize)]
struct Namespaces {
    #[serde(default, rename = "namespace")]
    namespaces: Vec<NamespaceVersion>,
}

#[derive(Debug, Deserialize)]
struct NamespaceVersion {
    name: String,
    version: String,
}

/// The `urn:vim25` version announced in a `vimServiceVersions.xml` document.
pub(crate) fn vim25_version(document: &str) -> Result<String, String> {
    let parsed: Namespaces =
        quick_xml::de::from_str(document).map_err(|error| error.to_string())?;
    parsed
        .namespaces
        .into_iter()
        .find(|namespace| namespace.name.trim() == VIM25_NS)
        .map(|namespace| namespace.version.trim().to_owned())
        .filter(|version| !version.is_empty())
        .ok_or_else(|| format!("no {VIM25_NS} namespace listed"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::{CurrentTime, Login, Logout, RetrieveServiceContent};
    use crate::types::{ManagedObjectReference, ServiceContent, UserSession};

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>"#;
    const TAIL: &str = "</soapenv:Body></soapenv:Envelope>";

    fn wrap(body: &str) -> String {
        format!("{HEAD}{body}{TAIL}")
    }

    fn fault(body: &str) -> Fault {
        match decode("Destroy_Task", &wrap(body)) {
            Ok(Decoded::Fault(fault)) => fault,
            other => panic!("not a fault: {other:?}"),
        }
    }

    fn returnvals(method: &str, body: &str) -> Returnvals {
        match decode(method, &wrap(body)) {
            Ok(Decoded::Response(values)) => values,
            other => panic!("not a response: {other:?}"),
        }
    }

    #[test]
    fn envelope_escapes_an_opaque_moref_and_declares_namespaces() {
        let tricky = r#"vm-1<&"/@[x]'>"#;
        let request = Logout {
            this: ManagedObjectReference::new(r#"Virtual"Machine<&"#, tricky),
        };
        let xml = encode(&request).unwrap();
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns="urn:vim25" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/""#), "{xml}");
        assert!(xml.contains("<soapenv:Body><Logout><_this type="), "{xml}");
        assert!(!xml.contains(tricky), "value not escaped: {xml}");
        assert!(xml.contains("&lt;&amp;"), "{xml}");

        // A namespace-aware parser gets the exact moref back, in the vim25 namespace.
        let mut reader = NsReader::from_str(&xml);
        loop {
            let (ns, event) = reader.read_resolved_event().unwrap();
            match event {
                Event::Start(start) if start.local_name().as_ref() == b"_this" => {
                    assert!(is_ns(&ns, VIM25_NS));
                    let kind = start
                        .try_get_attribute("type")
                        .unwrap()
                        .unwrap()
                        .unescape_value()
                        .unwrap()
                        .into_owned();
                    assert_eq!(kind, r#"Virtual"Machine<&"#);
                    let text = reader.read_text(start.name()).unwrap();
                    assert_eq!(quick_xml::escape::unescape(&text).unwrap(), tricky);
                    break;
                }
                Event::Eof => panic!("no _this in {xml}"),
                _ => {}
            }
        }
    }

    #[test]
    fn envelope_follows_field_order_and_skips_unset_options() {
        let xml = encode(&Login {
            this: ManagedObjectReference::new("SessionManager", "SessionManager"),
            user_name: "administrator@vsphere.local".into(),
            password: "p<w>&d".into(),
            locale: None,
        })
        .unwrap();
        assert!(
            xml.contains(r#"<Login><_this type="SessionManager">SessionManager</_this><userName>administrator@vsphere.local</userName><password>p&lt;w&gt;&amp;d</password></Login>"#),
            "{xml}"
        );
    }

    #[test]
    fn login_response_decodes_into_user_session() {
        let values = returnvals(
            "Login",
            r#"<LoginResponse xmlns="urn:vim25"><returnval><key>28f6</key><userName>admin</userName><fullName>admin</fullName><loginTime>2026-11-27T11:10:38Z</loginTime><lastActiveTime>2026-11-27T11:10:38Z</lastActiveTime><locale>en_US</locale><messageLocale>en_US</messageLocale><extensionSession>false</extensionSession><ipAddress>127.0.0.1</ipAddress><callCount>1</callCount></returnval></LoginResponse>"#,
        );
        let session: UserSession = Login::decode(values).unwrap();
        assert_eq!(session.key, "28f6");
        assert_eq!(session.user_name, "admin");
        assert_eq!(session.ip_address.as_deref(), Some("127.0.0.1"));
        assert_eq!(session.user_agent, None);
    }

    #[test]
    fn prefixed_response_elements_decode_the_same() {
        let values = returnvals(
            "RetrieveServiceContent",
            r#"<v:RetrieveServiceContentResponse xmlns:v="urn:vim25"><v:returnval><v:rootFolder type="Folder">group-d1</v:rootFolder><v:propertyCollector type="PropertyCollector">propertyCollector</v:propertyCollector><v:about><v:name>VMware vCenter Server</v:name><v:apiType>VirtualCenter</v:apiType><v:apiVersion>6.5</v:apiVersion><v:unknownNewField>x</v:unknownNewField></v:about><v:sessionManager type="SessionManager">SessionManager</v:sessionManager></v:returnval></v:RetrieveServiceContentResponse>"#,
        );
        let content: ServiceContent = RetrieveServiceContent::decode(values).unwrap();
        assert_eq!(
            content.root_folder,
            ManagedObjectReference::new("Folder", "group-d1")
        );
        assert!(content.about.is_vcenter());
        assert_eq!(content.about.api_version, "6.5");
        assert_eq!(
            content.session_manager,
            Some(ManagedObjectReference::new(
                "SessionManager",
                "SessionManager"
            ))
        );
        assert_eq!(content.search_index, None);
    }

    #[test]
    fn returnval_normalisation_keeps_xsi_type_under_any_prefix() {
        let values = returnvals(
            "RetrievePropertiesEx",
            r#"<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">a &amp; b</val></returnval></RetrievePropertiesExResponse>"#,
        );
        assert_eq!(
            values.into_xml(),
            vec![r#"<returnval><val xsi:type="xsd:string">a &amp; b</val></returnval>"#.to_owned()]
        );
    }

    #[test]
    fn scalar_and_void_responses() {
        let time = returnvals(
            "CurrentTime",
            r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-11-27T11:10:38.472Z</returnval></CurrentTimeResponse>"#,
        );
        assert_eq!(
            CurrentTime::decode(time).unwrap(),
            "2026-11-27T11:10:38.472Z"
        );
        let none = returnvals(
            "Logout",
            r#"<LogoutResponse xmlns="urn:vim25"></LogoutResponse>"#,
        );
        assert_eq!(none, Returnvals::default());
        let empty = returnvals("Logout", r#"<LogoutResponse xmlns="urn:vim25"/>"#);
        assert_eq!(empty, Returnvals::default());
        let missing = returnvals("CurrentTime", r#"<CurrentTimeResponse/>"#);
        assert!(CurrentTime::decode(missing).is_err());
    }

    #[test]
    fn fault_kind_comes_from_xsi_type() {
        let fault = fault(
            r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>managed object not found: VirtualMachine:vm-99999</faultstring><detail><ManagedObjectNotFoundFault xmlns="urn:vim25" xsi:type="ManagedObjectNotFound"><obj type="VirtualMachine">vm-99999</obj></ManagedObjectNotFoundFault></detail></soapenv:Fault>"#,
        );
        assert_eq!(
            fault.kind,
            FaultKind::ManagedObjectNotFound {
                obj: Some(ManagedObjectReference::new("VirtualMachine", "vm-99999"))
            }
        );
        assert_eq!(fault.type_name, "ManagedObjectNotFound");
        assert_eq!(fault.code, "ServerFaultCode");
        assert_eq!(
            fault.message,
            "managed object not found: VirtualMachine:vm-99999"
        );
    }

    #[test]
    fn fault_kind_under_a_locally_declared_schema_instance_prefix() {
        for prefix in ["XMLSchema-instance", "_XMLSchema-instance", "i"] {
            let fault = fault(&format!(
                r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring/><detail><DuplicateNameFault xmlns="urn:vim25" xmlns:{prefix}="http://www.w3.org/2001/XMLSchema-instance" {prefix}:type="vim25:DuplicateName"><name>web&amp;01</name><object type="Folder">group-v3</object></DuplicateNameFault></detail></soapenv:Fault>"#
            ));
            assert_eq!(
                fault.kind,
                FaultKind::DuplicateName {
                    name: Some("web&01".into()),
                    object: Some(ManagedObjectReference::new("Folder", "group-v3")),
                },
                "prefix {prefix}"
            );
            assert_eq!(fault.message, "");
        }
    }

    #[test]
    fn a_type_attribute_in_another_namespace_is_not_the_fault_type() {
        // `xsi` bound to something else, the real schema-instance namespace under `s`.
        let fault = fault(
            r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail><FileNotFoundFault xmlns="urn:vim25" xmlns:xsi="urn:not-schema-instance" xmlns:s="http://www.w3.org/2001/XMLSchema-instance" xsi:type="InvalidLogin" s:type="FileNotFound"><file>[LocalDS_0] a/b.vmdk</file></FileNotFoundFault></detail></soapenv:Fault>"#,
        );
        assert_eq!(
            fault.kind,
            FaultKind::FileNotFound {
                file: Some("[LocalDS_0] a/b.vmdk".into())
            }
        );
    }

    #[test]
    fn empty_faultstring_still_classifies() {
        let fault = fault(
            r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail><NotAuthenticatedFault xmlns="urn:vim25" xsi:type="NotAuthenticated"><object type="ServiceInstance">ServiceInstance</object><privilegeId>System.View</privilegeId></NotAuthenticatedFault></detail></soapenv:Fault>"#,
        );
        assert_eq!(
            fault.kind,
            FaultKind::NotAuthenticated {
                object: Some(ManagedObjectReference::new(
                    "ServiceInstance",
                    "ServiceInstance"
                )),
                privilege_id: Some("System.View".into()),
            }
        );
        assert!(fault.is_auth());
        assert_eq!(fault.message, "");
        assert!(fault.to_string().contains("NotAuthenticated"), "{fault}");
    }

    #[test]
    fn other_fault_kinds_and_fields() {
        let cases = [
            (
                r#"<InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"></InvalidLoginFault>"#,
                FaultKind::InvalidLogin,
            ),
            (
                r#"<InvalidPowerStateFault xmlns="urn:vim25" xsi:type="InvalidPowerState"><requestedState>poweredOn</requestedState><existingState>poweredOff</existingState></InvalidPowerStateFault>"#,
                FaultKind::InvalidPowerState {
                    requested_state: Some("poweredOn".into()),
                    existing_state: Some("poweredOff".into()),
                },
            ),
            (
                r#"<InvalidStateFault xmlns="urn:vim25" xsi:type="InvalidState"/>"#,
                FaultKind::InvalidState,
            ),
            (
                r#"<InvalidArgumentFault xmlns="urn:vim25" xsi:type="InvalidArgument"><invalidProperty>spec.name</invalidProperty></InvalidArgumentFault>"#,
                FaultKind::InvalidArgument {
                    invalid_property: Some("spec.name".into()),
                },
            ),
            (
                r#"<MethodNotFoundFault xmlns="urn:vim25" xsi:type="MethodNotFound"><receiver type="Folder">group-d1</receiver><method>Nope</method></MethodNotFoundFault>"#,
                FaultKind::MethodNotFound {
                    receiver: Some(ManagedObjectReference::new("Folder", "group-d1")),
                    method: Some("Nope".into()),
                },
            ),
            (
                r#"<InvalidRequestFault xmlns="urn:vim25" xsi:type="InvalidRequest"></InvalidRequestFault>"#,
                FaultKind::InvalidRequest,
            ),
            (
                r#"<TaskInProgressFault xmlns="urn:vim25" xsi:type="TaskInProgress"><task type="Task">task-1</task></TaskInProgressFault>"#,
                FaultKind::Other("TaskInProgress".into()),
            ),
            // No xsi:type at all: fall back to the element name.
            (
                r#"<NoPermissionFault xmlns="urn:vim25"><privilegeId>X</privilegeId></NoPermissionFault>"#,
                FaultKind::Other("NoPermission".into()),
            ),
        ];
        for (detail, expected) in cases {
            let fault = fault(&format!(
                "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>x &#39;y&#39;</faultstring><detail>{detail}</detail></soapenv:Fault>"
            ));
            assert_eq!(fault.kind, expected, "{detail}");
            assert_eq!(fault.message, "x 'y'");
        }
    }

    #[test]
    fn fault_without_detail() {
        let fault = fault(
            "<soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>boom</faultstring></soapenv:Fault>",
        );
        assert_eq!(fault.kind, FaultKind::Other(String::new()));
        assert_eq!(fault.message, "boom");
        assert_eq!(fault.detail_xml, "");
    }

    #[test]
    fn empty_malformed_truncated_and_foreign_bodies_are_errors() {
        assert_eq!(decode("Login", "").unwrap_err(), DecodeError::Empty);
        assert_eq!(decode("Login", " \r\n").unwrap_err(), DecodeError::Empty);
        let full = wrap(
            r#"<LoginResponse xmlns="urn:vim25"><returnval><key>k</key></returnval></LoginResponse>"#,
        );
        for cut in [
            10,
            HEAD.len() - 5,
            HEAD.len() + 20,
            full.len() - 10,
            full.len() - 1,
        ] {
            match decode("Login", &full[..cut]) {
                Err(DecodeError::Malformed(_)) => {}
                other => panic!("cut at {cut}: {other:?}"),
            }
        }
        match decode(
            "Login",
            &wrap("<LoginResponse><returnval><key>k</returnval></LoginResponse>"),
        ) {
            Err(DecodeError::Malformed(_)) => {}
            other => panic!("mismatched tags: {other:?}"),
        }
        match decode("Login", "<html><body>Bad Gateway</body></html>") {
            Err(DecodeError::Unexpected(_)) => {}
            other => panic!("html: {other:?}"),
        }
        match decode("Login", "Service Unavailable") {
            Err(DecodeError::Malformed(_)) => {}
            other => panic!("plain text: {other:?}"),
        }
        match decode("Login", &wrap(r#"<LogoutResponse xmlns="urn:vim25"/>"#)) {
            Err(DecodeError::Unexpected(reason)) => assert!(reason.contains("LoginResponse")),
            other => panic!("wrong response: {other:?}"),
        }
        match decode("Login", &wrap("")) {
            Err(DecodeError::Unexpected(_)) => {}
            other => panic!("empty body: {other:?}"),
        }
    }

    #[test]
    fn service_versions_document() {
        let document = r#"<?xml version="1.0" encoding="UTF-8"?>
<namespaces version="1.0">
 <namespace>
  <name>urn:vim25</name>
  <version>6.5</version>
  <priorVersions>
   <version>6.0</version>
   <version>5.5</version>
  </priorVersions>
 </namespace>
</namespaces>"#;
        assert_eq!(vim25_version(document).unwrap(), "6.5");
        assert!(vim25_version("<namespaces/>").is_err());
        assert!(vim25_version("<namespaces><namespace><name>urn:pbm</name><version>1</version></namespace></namespaces>").is_err());
    }
}
