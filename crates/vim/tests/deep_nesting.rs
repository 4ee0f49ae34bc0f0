//! Regression for a fuzz finding: a property value nested tens of thousands of levels deep used
//! to overflow the stack (recursive serialisation and drop of the element tree) and abort the
//! whole process. It must be a decode error instead, even on a tokio worker's 2 MiB stack.

#![allow(clippy::unwrap_used)]

use vim::property::RetrievePropertiesEx;

fn response(levels: usize, value_type: &str) -> String {
    let nested = format!("{}{}", "<a>".repeat(levels), "</a>".repeat(levels));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj><propSet><name>config.hardware.device</name><val xsi:type="{value_type}">{nested}</val></propSet></objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#
    )
}

fn decode_on_small_stack(body: String) -> Result<String, String> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            vim::fuzzing::decode_call::<RetrievePropertiesEx>(body.as_bytes())
                .map(|result| format!("{} objects", result.objects.len()))
                .map_err(|error| error.to_string())
        })
        .unwrap()
        .join()
        .expect("decoding must not crash the thread")
}

#[test]
fn deeply_nested_values_are_an_error_not_a_crash() {
    for value_type in ["ArrayOfVirtualDevice", "xsd:string"] {
        let error = decode_on_small_stack(response(30_000, value_type)).unwrap_err();
        assert!(error.contains("nested deeper"), "{value_type}: {error}");
    }
}

#[test]
fn ordinary_nesting_still_decodes() {
    assert_eq!(
        decode_on_small_stack(response(40, "ArrayOfVirtualDevice")).unwrap(),
        "1 objects"
    );
}
