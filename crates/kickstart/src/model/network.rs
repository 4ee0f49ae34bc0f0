//! Network configuration: the legacy form (`type`) and the netplan-like version 2 form.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::serde_util::null_default;

/// Network settings of the installed system.
///
/// Either the legacy form — `type` with `hostname` (dhcp), `ip_addr`/`netmask`/`gateway`/
/// `nameserver` (static) or `vlan_id` (vlan) — or the version 2 form with `ethernets` and `vlans`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Network {
    /// Legacy form: `dhcp`, `static` or `vlan`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// DHCP client host name (legacy dhcp) or host name (version 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Legacy static: IPv4 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_addr: Option<String>,
    /// Legacy static: IPv4 netmask, e.g. `255.255.255.0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netmask: Option<String>,
    /// Legacy static: default gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// Legacy static: name server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nameserver: Option<String>,
    /// Legacy vlan: VLAN id (1–4094).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan_id: Option<i64>,
    /// Version 2: ethernet interfaces by id.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub ethernets: BTreeMap<String, Ethernet>,
    /// Version 2: VLAN interfaces by id.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub vlans: BTreeMap<String, Vlan>,
}

/// A version 2 ethernet interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Ethernet {
    /// Which interface(s) this entry configures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub r#match: Option<InterfaceMatch>,
    /// Use DHCPv4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dhcp4: Option<bool>,
    /// Use DHCPv6.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dhcp6: Option<bool>,
    /// Accept IPv6 router advertisements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_ra: Option<bool>,
    /// Static addresses in CIDR notation.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<String>,
    /// Default gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// DNS servers and search domains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nameservers: Option<Nameservers>,
}

/// A version 2 VLAN interface on top of an ethernet entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Vlan {
    /// VLAN id (1–4094).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// Id of the `ethernets` entry the VLAN runs on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Use DHCPv4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dhcp4: Option<bool>,
    /// Use DHCPv6.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dhcp6: Option<bool>,
    /// Accept IPv6 router advertisements.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_ra: Option<bool>,
    /// Static addresses in CIDR notation.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<String>,
    /// Default gateway.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// DNS servers and search domains.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nameservers: Option<Nameservers>,
}

/// How an ethernet entry finds its interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InterfaceMatch {
    /// Interface name; shell globs such as `e*` are allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MAC address, e.g. `00:50:56:aa:bb:cc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub macaddress: Option<String>,
}

/// DNS settings of an interface.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Nameservers {
    /// Name server addresses.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<String>,
    /// Search domains.
    #[serde(
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub search: Vec<String>,
}
