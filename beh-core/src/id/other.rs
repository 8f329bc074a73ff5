//! Passport number, VGR-ID and order number.

use crate::error::{Code, Violation};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

macro_rules! string_id_serde {
    ($t:ident) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_string())
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $t::parse(&s).map_err(serde::de::Error::custom)
            }
        }
        impl FromStr for $t {
            type Err = Violation;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $t::parse(s)
            }
        }
    };
}

/// A passport number: 6 to 20 characters `A–Z 0–9` (upper-cased; ICAO document numbers are at
/// most 9, other states' travel documents are longer, so the bound is generous).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PassportNumber(String);

impl PassportNumber {
    /// Parses a passport number strictly: no spaces or punctuation.
    pub fn parse(input: &str) -> Result<PassportNumber, Violation> {
        if !(6..=20).contains(&input.len()) || !input.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Violation::new(Code::InvalidPassportNumber, None));
        }
        Ok(PassportNumber(input.to_ascii_uppercase()))
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PassportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PassportNumber(***)")
    }
}
string_id_serde!(PassportNumber);

/// A VGR-ID (KIV user name such as `steli11`): 2 to 16 characters, a lower-case letter first,
/// then lower-case letters and digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VgrId(String);

impl VgrId {
    /// Parses a VGR-ID; upper case is folded to lower case as KIV does.
    pub fn parse(input: &str) -> Result<VgrId, Violation> {
        let lower = input.to_ascii_lowercase();
        let ok = (2..=16).contains(&lower.len())
            && lower.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            && lower.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if !ok {
            return Err(Violation::new(Code::BadRequest, None).with_message("Ogiltigt VGR-ID."));
        }
        Ok(VgrId(lower))
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for VgrId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
string_id_serde!(VgrId);

/// An order number: `c` followed by digits without leading zero, e.g. `c36539`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrderNumber(u64);

impl OrderNumber {
    /// The largest number a store may hand out (keeps the text within 19 digits).
    pub const MAX: u64 = 999_999_999_999_999_999;

    /// Parses `c` + digits. Anything else is `order_not_found`: an order number that cannot
    /// exist names no order.
    pub fn parse(input: &str) -> Result<OrderNumber, Violation> {
        let nf = || Violation::new(Code::OrderNotFound, None);
        let digits = input.strip_prefix('c').ok_or_else(nf)?;
        if digits.is_empty()
            || digits.len() > 18
            || digits.starts_with('0')
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(nf());
        }
        digits.parse::<u64>().map(OrderNumber).map_err(|_| nf())
    }

    /// An order number from its numeric part (1 ..= [`OrderNumber::MAX`]).
    pub fn from_number(n: u64) -> Option<OrderNumber> {
        (1..=Self::MAX).contains(&n).then_some(OrderNumber(n))
    }

    /// The numeric part.
    pub fn number(self) -> u64 {
        self.0
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}
string_id_serde!(OrderNumber);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passport() {
        assert_eq!(PassportNumber::parse("aa1234567").unwrap().as_str(), "AA1234567");
        for bad in ["", "12345", "AB 123456", "AB-123456", "ÅÄ123456", "123456789012345678901"] {
            assert_eq!(PassportNumber::parse(bad).unwrap_err().code, Code::InvalidPassportNumber);
        }
        assert!(!format!("{:?}", PassportNumber::parse("AA1234567").unwrap()).contains("1234"));
    }

    #[test]
    fn vgr_id() {
        assert_eq!(VgrId::parse("steli11").unwrap().as_str(), "steli11");
        assert_eq!(VgrId::parse("SteLi11").unwrap().as_str(), "steli11");
        for bad in ["", "s", "1steli", "ste li", "steli_1", "abcdefghijklmnopq"] {
            assert!(VgrId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn order_number() {
        let n = OrderNumber::parse("c36539").unwrap();
        assert_eq!(n.number(), 36539);
        assert_eq!(n.to_string(), "c36539");
        for bad in ["", "c", "36539", "C36539", "c036539", "c12a", "c-1", "c1234567890123456789"] {
            assert_eq!(OrderNumber::parse(bad).unwrap_err().code, Code::OrderNotFound, "{bad}");
        }
        assert!(OrderNumber::from_number(0).is_none());
    }
}
