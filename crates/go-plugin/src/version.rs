//! Application protocol version negotiation (go-plugin `server.go`, `protocolVersion`).

/// Chooses the application protocol version from the plugin's `supported` versions and the host's
/// `PLUGIN_PROTOCOL_VERSIONS` value.
///
/// Like go-plugin: the highest version both sides list; with no common version, or no list at all,
/// the plugin's lowest version, so that the host reports the mismatch itself ("Incompatible API
/// version"). Entries that are not integers are skipped. Returns `None` only when `supported` is
/// empty.
pub fn negotiate_version(supported: &[u32], client_versions: Option<&str>) -> Option<u32> {
    let lowest = supported.iter().copied().min()?;
    let client: Vec<u32> = client_versions
        .unwrap_or_default()
        .split(',')
        .filter_map(|entry| {
            let parsed = entry.trim().parse().ok();
            if parsed.is_none() && !entry.trim().is_empty() {
                tracing::warn!(entry, "ignoring invalid entry in PLUGIN_PROTOCOL_VERSIONS");
            }
            parsed
        })
        .collect();
    Some(
        supported
            .iter()
            .copied()
            .filter(|version| client.contains(version))
            .max()
            .unwrap_or(lowest),
    )
}

#[cfg(test)]
mod tests {
    use super::negotiate_version;

    #[test]
    fn picks_the_highest_common_version_in_any_order() {
        assert_eq!(negotiate_version(&[5, 6], Some("5,6")), Some(6));
        assert_eq!(negotiate_version(&[5, 6], Some("6,5")), Some(6));
        assert_eq!(negotiate_version(&[6, 5], Some("5,6")), Some(6));
        assert_eq!(negotiate_version(&[5, 6], Some("5")), Some(5));
        assert_eq!(negotiate_version(&[6], Some("5,6")), Some(6));
        assert_eq!(negotiate_version(&[5], Some(" 6 , 5 ")), Some(5));
    }

    #[test]
    fn falls_back_to_the_lowest_supported_version() {
        assert_eq!(negotiate_version(&[5, 6], None), Some(5));
        assert_eq!(negotiate_version(&[6, 5], Some("")), Some(5));
        assert_eq!(negotiate_version(&[5, 6], Some("4,7")), Some(5));
        assert_eq!(negotiate_version(&[6], Some("5")), Some(6));
        assert_eq!(negotiate_version(&[5, 6], Some("x,y")), Some(5));
        assert_eq!(negotiate_version(&[5, 6], Some("x,6")), Some(6));
    }

    #[test]
    fn nothing_supported_means_no_version() {
        assert_eq!(negotiate_version(&[], Some("5,6")), None);
    }
}
