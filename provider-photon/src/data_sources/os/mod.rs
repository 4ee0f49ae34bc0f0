//! Photon OS installation: kickstart files.

pub mod kickstart;
