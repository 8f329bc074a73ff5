//! HSA-id: `SE` + a 10-digit organisation number + `-` + letters/digits, at most 31 characters.

use crate::error::{Code, Violation};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Longest HSA-id the national profile allows.
pub const MAX_LEN: usize = 31;

/// A parsed HSA-id in canonical form (suffix upper-cased).
///
/// HSA compares `hsaIdentity` case-insensitively (caseIgnoreMatch), so the canonical form
/// upper-cases the suffix; two ids that differ only in case are the same holder.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HsaId(String);

impl HsaId {
    /// Parses an HSA-id strictly (R1): no surrounding spaces, `SE` in capitals.
    pub fn parse(input: &str) -> Result<HsaId, Violation> {
        let invalid = || Violation::new(Code::InvalidHsaId, None);
        if input.len() > MAX_LEN || !input.is_ascii() {
            return Err(invalid());
        }
        let rest = input.strip_prefix("SE").ok_or_else(invalid)?;
        let (org, suffix) = rest.split_once('-').ok_or_else(invalid)?;
        if org.len() != 10 || !org.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        if suffix.is_empty() || !suffix.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(invalid());
        }
        Ok(HsaId(format!("SE{org}-{}", suffix.to_ascii_uppercase())))
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 10-digit organisation number of the directory owner.
    pub fn organisation_number(&self) -> &str {
        self.0.get(2..12).unwrap_or_default()
    }
}

impl fmt::Display for HsaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for HsaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HsaId({})", self.0)
    }
}

impl FromStr for HsaId {
    type Err = Violation;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HsaId::parse(s)
    }
}

impl Serialize for HsaId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for HsaId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        HsaId::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_profile_form() {
        let id = HsaId::parse("SE2321000131-P000000230147").unwrap();
        assert_eq!(id.as_str(), "SE2321000131-P000000230147");
        assert_eq!(id.organisation_number(), "2321000131");
        assert_eq!(HsaId::parse("SE2321000131-p1").unwrap().as_str(), "SE2321000131-P1");
        // exactly 31 characters
        assert!(HsaId::parse("SE2321000131-ABCDEFGHIJKLMNOPQR").is_ok());
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            "",
            "SE2321000131",
            "SE2321000131-",
            "se2321000131-P1",
            "SE232100013-P1",
            "SE23210001311-P1",
            "SE2321000131-P 1",
            "SE2321000131-PÅ1",
            "SE2321000131-P@1",
            " SE2321000131-P1",
            "SE2321000131-ABCDEFGHIJKLMNOPQRS",
            "SEabcdefghij-P1",
        ] {
            let err = HsaId::parse(bad).unwrap_err();
            assert_eq!(err.code, Code::InvalidHsaId, "{bad}");
        }
    }
}
