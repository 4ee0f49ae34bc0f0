#![allow(clippy::unwrap_used)]
//! Tests of the Lightwave client: wire types against the JSON Lightwave produces, and every API
//! area against the simulator (`photon-lightwave-sim`) over verified TLS.

mod live;
mod wire;
