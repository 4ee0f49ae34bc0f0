//! Wire facts the rest of the SDK relies on: service names and the field numbers of core messages
//! (checked against the protocol reference, §2.4), read off encoded bytes.

use prost::Message;
use tfplugin_proto::{plugin, tfplugin5, tfplugin6};
use tonic::server::NamedService;

#[test]
fn grpc_service_names() {
    fn name<S: NamedService>() -> &'static str {
        S::NAME
    }
    assert_eq!(
        name::<tfplugin6::provider_server::ProviderServer<Provider6>>(),
        "tfplugin6.Provider"
    );
    assert_eq!(
        name::<tfplugin5::provider_server::ProviderServer<Provider5>>(),
        "tfplugin5.Provider"
    );
    assert_eq!(
        name::<plugin::grpc_controller_server::GrpcControllerServer<Controller>>(),
        "plugin.GRPCController"
    );
    assert_eq!(
        name::<plugin::grpc_stdio_server::GrpcStdioServer<Stdio>>(),
        "plugin.GRPCStdio"
    );
    assert_eq!(
        name::<plugin::grpc_broker_server::GrpcBrokerServer<Broker>>(),
        "plugin.GRPCBroker"
    );
}

// Every RPC has a default `Unimplemented` body, so empty impls compile.
struct Provider6;
impl tfplugin6::provider_server::Provider for Provider6 {}
struct Provider5;
impl tfplugin5::provider_server::Provider for Provider5 {}
struct Controller;
impl plugin::grpc_controller_server::GrpcController for Controller {}
struct Stdio;
impl plugin::grpc_stdio_server::GrpcStdio for Stdio {}
struct Broker;
impl plugin::grpc_broker_server::GrpcBroker for Broker {}

/// `(field << 3) | wire type` for fields below 16, the first byte of an encoded field.
const fn key(field: u8, wire_type: u8) -> u8 {
    (field << 3) | wire_type
}
const VARINT: u8 = 0;
const LEN: u8 = 2;

#[test]
fn shared_messages() {
    let value = tfplugin6::DynamicValue {
        msgpack: vec![0xc0],
        json: b"n".to_vec(),
    };
    assert_eq!(
        value.encode_to_vec(),
        [key(1, LEN), 1, 0xc0, key(2, LEN), 1, b'n']
    );

    let diagnostic = tfplugin6::Diagnostic {
        severity: tfplugin6::diagnostic::Severity::Error.into(),
        summary: "s".into(),
        detail: "d".into(),
        attribute: Some(tfplugin6::AttributePath::default()),
    };
    assert_eq!(
        diagnostic.encode_to_vec(),
        [
            key(1, VARINT),
            1,
            key(2, LEN),
            1,
            b's',
            key(3, LEN),
            1,
            b'd',
            key(4, LEN),
            0
        ]
    );

    let step = tfplugin5::attribute_path::Step {
        selector: Some(tfplugin5::attribute_path::step::Selector::ElementKeyInt(7)),
    };
    assert_eq!(step.encode_to_vec(), [key(3, VARINT), 7]);

    let stop = tfplugin6::stop_provider::Response { error: "e".into() };
    assert_eq!(stop.encode_to_vec(), [key(1, LEN), 1, b'e']);
    let stop = tfplugin5::stop::Response { error: "e".into() };
    assert_eq!(stop.encode_to_vec(), [key(1, LEN), 1, b'e']);
}

#[test]
fn schema_attribute_numbers_differ_between_5_and_6() {
    let nested = tfplugin6::schema::Attribute {
        nested_type: Some(tfplugin6::schema::Object::default()),
        ..Default::default()
    };
    assert_eq!(nested.encode_to_vec(), [key(10, LEN), 0]);

    let write_only6 = tfplugin6::schema::Attribute {
        write_only: true,
        ..Default::default()
    };
    assert_eq!(write_only6.encode_to_vec(), [key(11, VARINT), 1]);
    let write_only5 = tfplugin5::schema::Attribute {
        write_only: true,
        ..Default::default()
    };
    assert_eq!(write_only5.encode_to_vec(), [key(10, VARINT), 1]);

    let block = tfplugin6::schema::NestedBlock {
        nesting: tfplugin6::schema::nested_block::NestingMode::Group.into(),
        min_items: 1,
        max_items: 2,
        ..Default::default()
    };
    assert_eq!(
        block.encode_to_vec(),
        [key(3, VARINT), 5, key(4, VARINT), 1, key(5, VARINT), 2]
    );
}

#[test]
fn rpc_message_numbers() {
    // ValidateProviderConfig.Response: diagnostics is field 2, not 1.
    let response = tfplugin6::validate_provider_config::Response {
        diagnostics: vec![tfplugin6::Diagnostic::default()],
    };
    assert_eq!(response.encode_to_vec(), [key(2, LEN), 0]);

    let response = tfplugin6::get_provider_schema::Response {
        provider: Some(tfplugin6::Schema::default()),
        server_capabilities: Some(tfplugin6::ServerCapabilities::default()),
        ..Default::default()
    };
    assert_eq!(response.encode_to_vec(), [key(1, LEN), 0, key(6, LEN), 0]);

    let request = tfplugin6::plan_resource_change::Request {
        prior_private: b"p".to_vec(),
        provider_meta: Some(tfplugin6::DynamicValue::default()),
        ..Default::default()
    };
    assert_eq!(
        request.encode_to_vec(),
        [key(5, LEN), 1, b'p', key(6, LEN), 0]
    );

    let response = tfplugin5::apply_resource_change::Response {
        private: b"p".to_vec(),
        legacy_type_system: true,
        ..Default::default()
    };
    assert_eq!(
        response.encode_to_vec(),
        [key(2, LEN), 1, b'p', key(4, VARINT), 1]
    );

    let request = tfplugin6::upgrade_resource_state::Request {
        version: 3,
        raw_state: Some(tfplugin6::RawState::default()),
        ..Default::default()
    };
    assert_eq!(request.encode_to_vec(), [key(2, VARINT), 3, key(3, LEN), 0]);

    let response = tfplugin6::read_resource::Response {
        private: b"p".to_vec(),
        ..Default::default()
    };
    assert_eq!(response.encode_to_vec(), [key(3, LEN), 1, b'p']);
}

#[test]
fn go_plugin_messages() {
    let data = plugin::StdioData {
        channel: plugin::stdio_data::Channel::Stderr.into(),
        data: b"x".to_vec(),
    };
    assert_eq!(
        data.encode_to_vec(),
        [key(1, VARINT), 2, key(2, LEN), 1, b'x']
    );

    let info = plugin::ConnInfo {
        service_id: 1,
        knock: Some(plugin::conn_info::Knock {
            ack: true,
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        info.encode_to_vec(),
        [key(1, VARINT), 1, key(4, LEN), 2, key(2, VARINT), 1]
    );
}
