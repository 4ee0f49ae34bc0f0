//! A typed model of the Photon OS installer's kickstart, with validation and rendering.
//!
//! The installer reads one JSON (or YAML) document, the kickstart, and aborts on any key it does
//! not know. Which keys it knows depends on the installer code base, so everything here is done for
//! an [`InstallerGeneration`]: the Photon OS 3.0 installer, photon-os-installer 2.7 (the installer
//! of Photon OS 4.0, 5.0 and 6.0; the default) or photon-os-installer master.
//!
//! [`Kickstart`] uses the field names Terraform and Packer users write; rendering maps them to the
//! installer's keys and value shapes for the chosen generation. This crate knows nothing of
//! Terraform or Packer and never logs.
//!
//! ```
//! use kickstart::{InstallerGeneration, Kickstart};
//!
//! let kickstart: Kickstart = serde_json::from_value(serde_json::json!({
//!     "hostname": "photon-web",
//!     "password": { "text": "changeme", "age": 0 },
//!     "disk": "/dev/sda",
//!     "packages": ["minimal", "linux", "initramfs"],
//! }))?;
//! assert!(kickstart.validate(InstallerGeneration::Poi27).is_empty());
//! let json = kickstart.to_json(InstallerGeneration::Poi27).expect("valid");
//! assert!(json.starts_with(r#"{"disk":"/dev/sda","hostname":"photon-web","packages":"#));
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod allowed;
mod docs;
mod error;
mod generation;
mod model;
mod render;
mod secret;
mod serde_util;
mod support;
mod validate;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

pub use crate::docs::field_docs;
pub use crate::error::{FieldError, PathSegment};
pub use crate::generation::{InstallerGeneration, ParseGenerationError};
pub use crate::model::{
    AdditionalFile, AnsiblePlaybook, Archive, Btrfs, BtrfsSubvolume, Disk, Docker, DockerImage,
    Ethernet, Firstboot, Grub, InterfaceMatch, Kickstart, Lvm, Nameservers, Network, Ostree,
    Partition, Password, Repo, Security, Vlan,
};
pub use crate::secret::Secret;
pub use crate::support::supported_generations;

impl Kickstart {
    /// Checks the kickstart against `generation` and returns every problem found (empty when
    /// valid): settings the generation does not know, missing required settings, invalid values
    /// and contradicting combinations. Messages never contain password values.
    pub fn validate(&self, generation: InstallerGeneration) -> Vec<FieldError> {
        validate::validate(self, generation)
    }

    /// Validates, then builds the installer's JSON document for `generation`, with object keys in
    /// sorted order.
    pub fn render(
        &self,
        generation: InstallerGeneration,
    ) -> Result<serde_json::Value, Vec<FieldError>> {
        let errors = self.validate(generation);
        if errors.is_empty() {
            Ok(render::render(self, generation))
        } else {
            Err(errors)
        }
    }

    /// [`Kickstart::render`] as compact JSON text. The same kickstart always gives the same bytes.
    pub fn to_json(&self, generation: InstallerGeneration) -> Result<String, Vec<FieldError>> {
        let value = self.render(generation)?;
        Ok(serde_json::to_string(&value)
            .expect("a serde_json::Value has string keys and always serialises"))
    }

    /// Standard (padded) base64 of [`Kickstart::to_json`], the form VMware's
    /// `guestinfo.kickstart.data` carries.
    pub fn to_base64(&self, generation: InstallerGeneration) -> Result<String, Vec<FieldError>> {
        Ok(STANDARD.encode(self.to_json(generation)?))
    }
}
