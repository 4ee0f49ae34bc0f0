//! Packer's plugin transport, spoken from the plugin side.
//!
//! Layers, outermost first (reference §2–§3):
//! * [`handshake`]: the magic-cookie check, the single-connection listener and the
//!   stdout handshake line Packer parses;
//! * [`mux`]: a yamux server session over that connection (Packer is the client);
//! * [`broker`]: the stream broker that pairs yamux streams with 4-byte ids;
//! * [`netrpc`]: Go net/rpc over msgpack on one brokered stream.

pub mod broker;
pub mod handshake;
pub mod mux;
pub mod netrpc;

pub use broker::{Broker, BrokerError};
pub use handshake::{HandshakeError, HandshakeForm, ListenAddr, PluginConnection, PluginListener};
pub use mux::{Incoming, MuxError, Session, Stream};
