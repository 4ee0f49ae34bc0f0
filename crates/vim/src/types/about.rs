//! `AboutInfo`: what the server says it is.

use serde::Deserialize;

/// Product and API identification of the server (`ServiceContent.about`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct AboutInfo {
    /// Short product name, e.g. `VMware vCenter Server`.
    pub name: String,
    /// Product name with version and build.
    pub full_name: String,
    /// Vendor name.
    pub vendor: String,
    /// Product version, e.g. `6.5.0`.
    pub version: String,
    /// Build number.
    pub build: String,
    /// Operating system type and architecture.
    pub os_type: String,
    /// Product line, e.g. `vpx` (vCenter) or `embeddedEsx`.
    pub product_line_id: String,
    /// `VirtualCenter` for vCenter, `HostAgent` for a standalone ESXi host.
    pub api_type: String,
    /// The newest API version the server supports, e.g. `6.5`.
    pub api_version: String,
    /// Unique identifier of this vCenter instance (absent on ESXi).
    pub instance_uuid: Option<String>,
}

impl AboutInfo {
    /// Whether the server is a vCenter (as opposed to a standalone ESXi host).
    pub fn is_vcenter(&self) -> bool {
        self.api_type == "VirtualCenter"
    }
}
