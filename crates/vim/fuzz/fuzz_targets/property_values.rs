//! Bytes wrapped as the `<returnval>` of a `RetrievePropertiesEx` response (with the namespace
//! declarations vCenter and vcsim send), decoded into `ObjectContent`s and typed `Value`s the way
//! `Client::retrieve_properties` does. Any `Ok` or `Err` is fine; a panic, hang or abort is a
//! bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vim::fuzzing::decode_call;
use vim::property::RetrievePropertiesEx;

const HEAD: &[u8] = br#"<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>"#;
const TAIL: &[u8] = b"</returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>";

fuzz_target!(|data: &[u8]| {
    let mut body = Vec::with_capacity(HEAD.len() + data.len() + TAIL.len());
    body.extend_from_slice(HEAD);
    body.extend_from_slice(data);
    body.extend_from_slice(TAIL);
    match decode_call::<RetrievePropertiesEx>(&body) {
        Ok(result) => {
            let _ = format!("{result:?}");
            for object in &result.objects {
                for property in &object.prop_set {
                    let value = object.get(&property.name);
                    assert!(value.is_some(), "prop_set entry not found by its own name");
                    if let Some(value) = value {
                        let _ = value.as_str();
                        let _ = value.as_i64();
                        let _ = value.as_bool();
                        let _ = value.as_mor();
                        let _ = value.as_mors();
                        let _ = value.as_strings();
                    }
                }
                for missing in &object.missing_set {
                    let fault = object.missing(&missing.path);
                    assert!(fault.is_some(), "missing_set entry not found by its own path");
                    if let Some(fault) = fault {
                        let _ = fault.is_auth();
                        let _ = fault.to_string();
                    }
                }
            }
        }
        Err(error) => {
            let _ = error.to_string();
        }
    }
});
