//! Installer generations: which code parses the kickstart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The installer code base that will read the kickstart.
///
/// The generations differ in the keys they accept (each aborts on a key it does not know) and in the
/// shape of some values, so a kickstart is always rendered for one of them.
///
/// The default is [`InstallerGeneration::Poi27`]: photon-os-installer 2.7 is what the Photon OS 4.0,
/// 5.0 and 6.0 media ship, i.e. every supported Photon OS release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum InstallerGeneration {
    /// Photon OS 3.0: the installer inside `vmware/photon` (`installer/`). Legacy network form only,
    /// `public_key` is a string, `release_version` is expected, partitions need an explicit `size`.
    /// Written `photon-3.0`.
    Photon3,
    /// photon-os-installer 2.7, packaged by Photon OS 4.0, 5.0 and 6.0: adds `disks`, version 2
    /// network, `repos`, `docker`, `ansible`, `preinstall`, … Written `poi-2.7` (aliases
    /// `photon-4.0`, `photon-5.0`, `photon-6.0`).
    #[default]
    Poi27,
    /// photon-os-installer after 2.7 (master): adds `services`, `security`, `environment`,
    /// `firstboot`, `grub`, `archives`, …, drops `ostree`, and requires `public_key` as an object with
    /// a reason. Written `poi-master`.
    PoiMaster,
}

impl InstallerGeneration {
    /// Every generation, oldest first.
    pub const ALL: [Self; 3] = [Self::Photon3, Self::Poi27, Self::PoiMaster];

    /// Every name [`FromStr`] accepts, with the generation it selects. The first name of each
    /// generation is its canonical name (the one [`fmt::Display`] writes).
    pub const NAMES: &'static [(&'static str, Self)] = &[
        ("photon-3.0", Self::Photon3),
        ("poi-2.7", Self::Poi27),
        ("photon-4.0", Self::Poi27),
        ("photon-5.0", Self::Poi27),
        ("photon-6.0", Self::Poi27),
        ("poi-master", Self::PoiMaster),
    ];

    /// The canonical name users write, e.g. `poi-2.7`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Photon3 => "photon-3.0",
            Self::Poi27 => "poi-2.7",
            Self::PoiMaster => "poi-master",
        }
    }

    /// Whether this generation is photon-os-installer (4.0 and later media).
    pub const fn is_poi(self) -> bool {
        matches!(self, Self::Poi27 | Self::PoiMaster)
    }
}

impl fmt::Display for InstallerGeneration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A string that names no installer generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseGenerationError {
    /// What was given.
    pub input: String,
}

impl fmt::Display for ParseGenerationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown installer generation `{}`; expected one of ",
            self.input
        )?;
        for (i, (name, _)) in InstallerGeneration::NAMES.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{name}`")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseGenerationError {}

impl FromStr for InstallerGeneration {
    type Err = ParseGenerationError;

    /// Accepts the names in [`InstallerGeneration::NAMES`], ignoring ASCII case and surrounding
    /// whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        Self::NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
            .map(|&(_, generation)| generation)
            .ok_or_else(|| ParseGenerationError {
                input: s.to_owned(),
            })
    }
}

// As a string, so configurations can carry the generation next to the kickstart.
impl Serialize for InstallerGeneration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for InstallerGeneration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_poi_2_7() {
        assert_eq!(InstallerGeneration::default(), InstallerGeneration::Poi27);
    }

    #[test]
    fn display_and_parse_round_trip() {
        for generation in InstallerGeneration::ALL {
            assert_eq!(
                generation.to_string().parse::<InstallerGeneration>(),
                Ok(generation)
            );
        }
    }

    #[test]
    fn aliases_and_case() {
        assert_eq!("photon-5.0".parse(), Ok(InstallerGeneration::Poi27));
        assert_eq!(" POI-Master ".parse(), Ok(InstallerGeneration::PoiMaster));
        assert_eq!("PHOTON-3.0".parse(), Ok(InstallerGeneration::Photon3));
    }

    #[test]
    fn unknown_name_lists_expected_names() {
        let err = "photon-2.0"
            .parse::<InstallerGeneration>()
            .expect_err("2.0 is not modelled");
        let message = err.to_string();
        assert!(message.contains("`photon-2.0`"), "{message}");
        for (name, _) in InstallerGeneration::NAMES {
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn serde_uses_names() {
        let json = serde_json::to_string(&InstallerGeneration::PoiMaster).expect("serialises");
        assert_eq!(json, "\"poi-master\"");
        let back: InstallerGeneration = serde_json::from_str("\"photon-4.0\"").expect("alias");
        assert_eq!(back, InstallerGeneration::Poi27);
        assert!(serde_json::from_str::<InstallerGeneration>("\"nope\"").is_err());
    }
}
