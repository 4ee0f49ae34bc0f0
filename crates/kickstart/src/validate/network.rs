//! The `network` block: legacy form or version 2 form.

use super::identity::hostname_field;
use super::{Ctx, syntax};
use crate::allowed;
use crate::error::Path;
use crate::model::{Nameservers, Network};

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let kickstart = ctx.kickstart;
    let Some(network) = &kickstart.network else {
        return;
    };
    let path = Path::root().field("network");
    if let Some(hostname) = &network.hostname {
        hostname_field(ctx, &path.field("hostname"), hostname);
    }
    let version2 = !network.ethernets.is_empty() || !network.vlans.is_empty();
    match (&network.r#type, version2) {
        (Some(_), true) => ctx.error(
            &path,
            "expected either the legacy form (`type`) or the version 2 form (`ethernets`, `vlans`), not both",
        ),
        (Some(kind), false) => legacy(ctx, &path, network, kind),
        (None, true) => version_2(ctx, &path, network),
        (None, false) => ctx.error(
            &path.field("type"),
            format!(
                "expected `type` ({}) for the legacy form, or `ethernets` for the version 2 form",
                allowed::list(allowed::NETWORK_TYPES)
            ),
        ),
    }
}

/// The legacy fields and the only `type` that takes each.
fn legacy_fields(network: &Network) -> [(&'static str, bool, &'static str); 6] {
    [
        ("hostname", network.hostname.is_some(), "dhcp"),
        ("ip_addr", network.ip_addr.is_some(), "static"),
        ("netmask", network.netmask.is_some(), "static"),
        ("gateway", network.gateway.is_some(), "static"),
        ("nameserver", network.nameserver.is_some(), "static"),
        ("vlan_id", network.vlan_id.is_some(), "vlan"),
    ]
}

fn legacy(ctx: &mut Ctx<'_>, path: &Path, network: &Network, kind: &str) {
    if !ctx.one_of(&path.field("type"), kind, allowed::NETWORK_TYPES) {
        return;
    }
    for (field, set, owner) in legacy_fields(network) {
        if set && owner != kind {
            ctx.error(
                &path.field(field),
                format!("expected no `{field}` with type `{kind}`; only type `{owner}` takes it"),
            );
        }
    }
    match kind {
        "static" => {
            let required = [
                (
                    "ip_addr",
                    &network.ip_addr,
                    "an IPv4 address without prefix (the prefix comes from `netmask`)",
                ),
                (
                    "netmask",
                    &network.netmask,
                    "a contiguous IPv4 netmask such as `255.255.255.0`",
                ),
                (
                    "gateway",
                    &network.gateway,
                    "the IPv4 address of the default gateway",
                ),
                (
                    "nameserver",
                    &network.nameserver,
                    "the IP address of a name server",
                ),
            ];
            for (field, value, what) in required {
                let valid = |v: &str| match field {
                    "netmask" => syntax::netmask_ok(v),
                    "nameserver" => syntax::ip_ok(v),
                    _ => syntax::ipv4_ok(v),
                };
                match value {
                    None => ctx.error(
                        &path.field(field),
                        format!("expected {what} (required with type `static`)"),
                    ),
                    Some(v) if !valid(v) => {
                        ctx.error(&path.field(field), format!("expected {what}; got `{v}`"))
                    }
                    Some(_) => {}
                }
            }
        }
        "vlan" => match network.vlan_id {
            None => ctx.error(
                &path.field("vlan_id"),
                "expected a VLAN id from 1 to 4094 (required with type `vlan`)",
            ),
            Some(id) if !(1..=4094).contains(&id) => {
                ctx.error(
                    &path.field("vlan_id"),
                    format!("expected a VLAN id from 1 to 4094; got {id}"),
                );
            }
            Some(_) => {}
        },
        _ => {}
    }
}

fn version_2(ctx: &mut Ctx<'_>, path: &Path, network: &Network) {
    for (field, set) in [
        ("ethernets", !network.ethernets.is_empty()),
        ("vlans", !network.vlans.is_empty()),
    ] {
        if set {
            ctx.supported(&path.field(field), &format!("network.{field}"));
        }
    }
    for (field, set, _) in legacy_fields(network) {
        if set && field != "hostname" {
            ctx.error(
                &path.field(field),
                format!(
                    "expected no `{field}` in the version 2 form; set addresses per interface in `ethernets`, \
                     or use `type = \"static\"`"
                ),
            );
        }
    }
    let ethernets = path.field("ethernets");
    for (id, ethernet) in &network.ethernets {
        let entry = ethernets.key(id);
        interface_id(ctx, &entry, id);
        match &ethernet.r#match {
            None => ctx.error(
                &entry.field("match"),
                "expected `match` with `name` or `macaddress`",
            ),
            Some(matcher) => {
                let match_path = entry.field("match");
                if matcher.name.is_none() && matcher.macaddress.is_none() {
                    ctx.error(
                        &match_path,
                        "expected `name` (may be a glob such as `e*`) or `macaddress`",
                    );
                }
                if let Some(name) = &matcher.name {
                    if name.is_empty() || name.chars().any(char::is_whitespace) {
                        ctx.error(
                            &match_path.field("name"),
                            format!("expected an interface name or glob without whitespace; got `{name}`"),
                        );
                    }
                }
                if let Some(mac) = &matcher.macaddress {
                    if !syntax::mac_ok(mac) {
                        ctx.error(
                            &match_path.field("macaddress"),
                            format!(
                                "expected a MAC address such as `00:50:56:aa:bb:cc`; got `{mac}`"
                            ),
                        );
                    }
                }
            }
        }
        addressing(
            ctx,
            &entry,
            &ethernet.addresses,
            ethernet.gateway.as_deref(),
            ethernet.nameservers.as_ref(),
        );
    }
    let vlans = path.field("vlans");
    for (id, vlan) in &network.vlans {
        let entry = vlans.key(id);
        interface_id(ctx, &entry, id);
        match vlan.id {
            None => ctx.error(&entry.field("id"), "expected a VLAN id from 1 to 4094"),
            Some(vlan_id) if !(1..=4094).contains(&vlan_id) => {
                ctx.error(
                    &entry.field("id"),
                    format!("expected a VLAN id from 1 to 4094; got {vlan_id}"),
                );
            }
            Some(_) => {}
        }
        match &vlan.link {
            None => ctx.error(
                &entry.field("link"),
                "expected `link`: the id of the `ethernets` entry to run on",
            ),
            Some(link) => {
                let exact_name = network
                    .ethernets
                    .get(link)
                    .and_then(|ethernet| ethernet.r#match.as_ref())
                    .and_then(|matcher| matcher.name.as_deref())
                    .is_some_and(|name| !syntax::has_glob(name));
                if !network.ethernets.contains_key(link) {
                    let ids: Vec<&str> = network.ethernets.keys().map(String::as_str).collect();
                    ctx.error(
                        &entry.field("link"),
                        format!(
                            "expected the id of an `ethernets` entry ({}); got `{link}`",
                            allowed::list(&ids)
                        ),
                    );
                } else if !exact_name {
                    ctx.error(
                        &entry.field("link"),
                        format!(
                            "expected an `ethernets` entry matched by an exact interface `name` (no glob, not only a \
                             MAC address); `{link}` is not"
                        ),
                    );
                }
            }
        }
        addressing(
            ctx,
            &entry,
            &vlan.addresses,
            vlan.gateway.as_deref(),
            vlan.nameservers.as_ref(),
        );
    }
}

fn interface_id(ctx: &mut Ctx<'_>, path: &Path, id: &str) {
    if !syntax::id_ok(id) {
        ctx.error(
            path,
            format!("expected an interface id without whitespace or '/'; got `{id}`"),
        );
    }
}

fn addressing(
    ctx: &mut Ctx<'_>,
    path: &Path,
    addresses: &[String],
    gateway: Option<&str>,
    dns: Option<&Nameservers>,
) {
    for (index, address) in addresses.iter().enumerate() {
        if !syntax::cidr_ok(address) {
            ctx.error(
                &path.field("addresses").index(index),
                format!("expected an IPv4 or IPv6 address with prefix length, e.g. `192.168.2.58/24`; got `{address}`"),
            );
        }
    }
    if let Some(gateway) = gateway {
        if !syntax::ip_ok(gateway) {
            ctx.error(
                &path.field("gateway"),
                format!("expected the gateway's IP address; got `{gateway}`"),
            );
        } else if addresses.is_empty() {
            ctx.error(
                &path.field("gateway"),
                "expected static `addresses` on an interface with a `gateway`",
            );
        }
    }
    if let Some(dns) = dns {
        let dns_path = path.field("nameservers");
        for (index, server) in dns.addresses.iter().enumerate() {
            if !syntax::ip_ok(server) {
                ctx.error(
                    &dns_path.field("addresses").index(index),
                    format!("expected a name server IP address; got `{server}`"),
                );
            }
        }
        for (index, domain) in dns.search.iter().enumerate() {
            if !syntax::domain_ok(domain) {
                ctx.error(
                    &dns_path.field("search").index(index),
                    format!("expected a search domain such as `example.com`; got `{domain}`"),
                );
            }
        }
    }
}
