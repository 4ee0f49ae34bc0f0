//! Go `net/rpc` over msgpack, the way Packer's plugin RPC speaks it (reference §3.4, §4).
//!
//! Each message is a msgpack header value followed immediately by a msgpack body value — no
//! length prefix. Requests carry `{ServiceMethod, Seq}`, responses `{ServiceMethod, Seq, Error}`;
//! an error response has body `{}` (`80`). Both roles are fully concurrent: the [`Server`] runs
//! every request in its own task and the [`Client`] keeps many calls in flight matched by `Seq`,
//! because Packer calls back into the plugin while the plugin's own call is outstanding
//! (Hook.Run ↔ Ui.Say, Builder.Cancel during Builder.Run).
//!
//! Everything here works over any `AsyncRead + AsyncWrite` stream; it knows nothing of yamux.

mod client;
pub mod codec;
mod serde_value;
mod server;
mod stream;

pub use client::{CallError, Client};
pub use codec::{DecodeError, EncodeError, Timestamp, Value};
pub use serde_value::{ValueError, from_value, to_value};
pub use server::{BoxFuture, MethodResult, Request, ServeError, Server, Service};
pub use stream::{ReadError, ValueReader};

/// The request header Go's `net/rpc` client writes: `{"ServiceMethod": str, "Seq": uint64}`.
pub fn request_header(service_method: &str, seq: u64) -> Value {
    Value::record([
        ("ServiceMethod", Value::from(service_method)),
        ("Seq", Value::Uint(seq)),
    ])
}

/// The response header Go's `net/rpc` server writes: `{"ServiceMethod", "Seq", "Error"}`;
/// `Error` is always present, `""` on success.
pub fn response_header(service_method: &str, seq: u64, error: &str) -> Value {
    Value::record([
        ("ServiceMethod", Value::from(service_method)),
        ("Seq", Value::Uint(seq)),
        ("Error", Value::from(error)),
    ])
}

/// A decoded request or response header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Header {
    service_method: String,
    seq: u64,
    error: String,
}

/// Reads a header the way ugorji fills Go's `rpc.Request`/`rpc.Response`: missing or nil fields
/// keep their zero value, unknown keys are ignored, a wrongly typed field is an error.
fn parse_header(value: &Value) -> Result<Header, String> {
    let Value::Map(entries) = value else {
        return Err(format!("rpc header is not a map: {value}"));
    };
    let mut header = Header {
        service_method: String::new(),
        seq: 0,
        error: String::new(),
    };
    for (key, field) in entries {
        let Some(key) = key.as_str() else { continue };
        if field.is_nil() {
            continue;
        }
        match key {
            "ServiceMethod" => {
                header.service_method = field
                    .as_str()
                    .ok_or_else(|| format!("rpc header ServiceMethod is not a string: {field}"))?
                    .to_owned();
            }
            "Seq" => {
                header.seq = field
                    .as_u64()
                    .ok_or_else(|| format!("rpc header Seq is not an unsigned int: {field}"))?;
            }
            "Error" => {
                header.error = field
                    .as_str()
                    .ok_or_else(|| format!("rpc header Error is not a string: {field}"))?
                    .to_owned();
            }
            _ => {}
        }
    }
    Ok(header)
}

/// Encodes header and body into one frame, so they are written together.
fn frame(header: &Value, body: &Value) -> Result<Vec<u8>, EncodeError> {
    let mut out = codec::to_bytes(header)?;
    codec::encode(body, &mut out)?;
    Ok(out)
}
