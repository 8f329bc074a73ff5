//! Personnummer and samordningsnummer (R1).
//!
//! Input forms: `YYYYMMDDNNNN`, `YYYYMMDD-NNNN`, `YYMMDD-NNNN`, `YYMMDD+NNNN` (`+` from the year the
//! person turns 100) and `YYMMDDNNNN`. The century of the 10-digit forms follows from a reference
//! date (today), by year as Skatteverket writes the separator: with `-` or no separator the
//! person turns at most 99 this year, with `+` at least 100. (A 10-digit form whose date then
//! lies after today is refused rather than moved back a century.)
//! Samordningsnummer carry the day of birth + 60. The check digit is Luhn over the 10-digit form.
//! A birth date after the reference date is not a real personnummer.

use crate::error::{Code, Violation};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The sex the birth number (ninth digit) records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// Odd ninth digit.
    Male,
    /// Even ninth digit.
    Female,
}

/// A valid personnummer or samordningsnummer, held in canonical 12-digit form `YYYYMMDDNNNN`.
///
/// `Debug` hides the birth number so that a stray `{:?}` never puts a personnummer in a log.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Personnummer {
    digits: [u8; 12],
}

fn invalid() -> Violation {
    Violation::new(Code::InvalidPersonnummer, None)
}

fn digits_of(s: &str) -> Option<Vec<u8>> {
    s.bytes().map(|b| b.is_ascii_digit().then(|| b - b'0')).collect()
}

fn number(d: &[u8]) -> u32 {
    d.iter().fold(0u32, |acc, x| acc * 10 + u32::from(*x))
}

/// Luhn check digit over the nine digits `YYMMDDNNN` (weights 2, 1, 2, …).
pub fn luhn_check_digit(nine: &[u8]) -> u8 {
    let sum: u32 = nine
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let p = u32::from(*d) * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl Personnummer {
    /// Parses any accepted input form; `today` decides the century of the 10-digit forms and
    /// refuses birth dates in the future.
    pub fn parse(input: &str, today: NaiveDate) -> Result<Personnummer, Violation> {
        if !input.is_ascii() {
            return Err(invalid());
        }
        let (date_part, sep, tail) = match input.len() {
            12 => (input.get(..8), None, input.get(8..)),
            13 => (input.get(..8), input.get(8..9), input.get(9..)),
            10 => (input.get(..6), None, input.get(6..)),
            11 => (input.get(..6), input.get(6..7), input.get(7..)),
            _ => return Err(invalid()),
        };
        let (date_part, tail) = match (date_part, tail) {
            (Some(d), Some(t)) => (d, t),
            _ => return Err(invalid()),
        };
        let date_digits = digits_of(date_part).ok_or_else(invalid)?;
        let tail_digits = digits_of(tail).ok_or_else(invalid)?;
        if tail_digits.len() != 4 {
            return Err(invalid());
        }
        let plus = match sep {
            None => false,
            Some("-") => false,
            Some("+") if date_digits.len() == 6 => true,
            _ => return Err(invalid()),
        };
        let (year, mm_dd) = if date_digits.len() == 8 {
            let (y, md) = date_digits.split_at(4);
            (number(y) as i32, md)
        } else {
            let (yy, md) = date_digits.split_at(2);
            let yy = number(yy) as i32;
            // Skatteverket: `-` until the year the person turns 100, `+` from that year on. So
            // the birth year is the latest year ending in yy that is at most `base`.
            let base = if plus { today.year() - 100 } else { today.year() };
            let year = base - (base - yy).rem_euclid(100);
            (year, md)
        };
        if !(1000..=9999).contains(&year) {
            return Err(invalid());
        }
        let month = number(mm_dd.get(..2).unwrap_or_default());
        let raw_day = number(mm_dd.get(2..).unwrap_or_default());
        let day = if raw_day > 60 { raw_day - 60 } else { raw_day };
        let birth = NaiveDate::from_ymd_opt(year, month, day).ok_or_else(invalid)?;
        if birth > today {
            return Err(invalid());
        }
        let mut digits = [0u8; 12];
        let y = year as u32;
        let head = [
            (y / 1000 % 10) as u8,
            (y / 100 % 10) as u8,
            (y / 10 % 10) as u8,
            (y % 10) as u8,
            (month / 10) as u8,
            (month % 10) as u8,
            (raw_day / 10) as u8,
            (raw_day % 10) as u8,
        ];
        for (slot, d) in digits.iter_mut().zip(head.iter().chain(tail_digits.iter())) {
            *slot = *d;
        }
        let ten = digits.get(2..).unwrap_or_default();
        let (nine, check) = ten.split_at(9);
        if check.first().copied() != Some(luhn_check_digit(nine)) {
            return Err(invalid());
        }
        Ok(Personnummer { digits })
    }

    /// The canonical 12-digit text `YYYYMMDDNNNN`.
    pub fn canonical(&self) -> String {
        self.digits.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The 10-digit form with separator as printed on documents: `YYMMDD-NNNN`, or `+` when the
    /// person is 100 or older on `today`.
    pub fn ten_digit(&self, today: NaiveDate) -> String {
        let c = self.canonical();
        let sep = if today.year() - self.birth_date().year() >= 100 { '+' } else { '-' };
        format!("{}{}{}", c.get(2..8).unwrap_or_default(), sep, c.get(8..).unwrap_or_default())
    }

    /// The date of birth (the day minus 60 for a samordningsnummer).
    pub fn birth_date(&self) -> NaiveDate {
        let n = |r: std::ops::Range<usize>| number(self.digits.get(r).unwrap_or_default());
        let day = n(6..8);
        let day = if day > 60 { day - 60 } else { day };
        NaiveDate::from_ymd_opt(n(0..4) as i32, n(4..6), day).unwrap_or_default()
    }

    /// Whether this is a samordningsnummer (day of birth + 60).
    pub fn is_samordningsnummer(&self) -> bool {
        number(self.digits.get(6..8).unwrap_or_default()) > 60
    }

    /// The sex recorded by the ninth digit of the 10-digit form.
    pub fn sex(&self) -> Sex {
        match self.digits.get(10) {
            Some(d) if d % 2 == 1 => Sex::Male,
            _ => Sex::Female,
        }
    }

    /// A masked form for places where people must recognise a number but logs must not hold it:
    /// `19731105-****`.
    pub fn masked(&self) -> String {
        format!("{}-****", self.canonical().get(..8).unwrap_or_default())
    }
}

impl fmt::Display for Personnummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

impl fmt::Debug for Personnummer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Personnummer({})", self.masked())
    }
}

impl Serialize for Personnummer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.canonical())
    }
}

impl<'de> Deserialize<'de> for Personnummer {
    /// Deserialization accepts only the canonical 12-digit form, which needs no reference date.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() != 12 {
            return Err(serde::de::Error::custom("invalid_personnummer"));
        }
        // The 12-digit form does not need today except to refuse future dates; stored numbers
        // were checked when they entered, so the latest possible date is used here.
        Personnummer::parse(&s, NaiveDate::MAX).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    fn p(s: &str) -> Result<Personnummer, Violation> {
        Personnummer::parse(s, today())
    }

    #[test]
    fn seed_example_parses_and_its_neighbour_fails() {
        assert_eq!(p("197311056290").unwrap().canonical(), "197311056290");
        assert_eq!(p("19731105-6291").unwrap_err().code, Code::InvalidPersonnummer);
    }

    #[test]
    fn all_input_forms_give_the_canonical_form() {
        for form in ["197311056290", "19731105-6290", "731105-6290", "7311056290"] {
            assert_eq!(p(form).unwrap().canonical(), "197311056290", "{form}");
        }
        // + means 100 years or older.
        assert_eq!(p("731105+6290").unwrap().canonical(), "187311056290");
    }

    #[test]
    fn every_demo_number_is_valid() {
        for n in [
            "197311056290",
            "198001019820",
            "197512249876",
            "196804129911",
            "199003159945",
            "198511079967",
            "197209309850",
            "199302189924",
            "196407309977",
            "200106079882",
            "198808219896",
        ] {
            assert!(p(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn century_follows_the_reference_date() {
        // Born 2026-12-03: yesterday, so 2026.
        let yesterday = format!("261203-{}", tail_for("261203", "123"));
        assert_eq!(p(&yesterday).unwrap().birth_date().year(), 2026);
        // 12-05 with `-` is tomorrow in 2026: refused. Someone born 1926-12-05 turns 100 this
        // year and is written with `+`.
        let tomorrow = format!("261205-{}", tail_for("261205", "123"));
        assert!(p(&tomorrow).is_err());
        let old = format!("261205+{}", tail_for("261205", "123"));
        assert_eq!(p(&old).unwrap().birth_date().year(), 1926);
        // `-` covers people turning at most 99 this year: 27 is 1927.
        let n = format!("270101-{}", tail_for("270101", "123"));
        assert_eq!(p(&n).unwrap().birth_date().year(), 1927);
        // The 12-digit form of a future date is refused.
        let future = format!("20261205{}", tail_for("261205", "123"));
        assert!(p(&future).is_err());
    }

    fn tail_for(yymmdd: &str, nnn: &str) -> String {
        let nine: Vec<u8> = format!("{yymmdd}{nnn}").bytes().map(|b| b - b'0').collect();
        format!("{nnn}{}", luhn_check_digit(&nine))
    }

    #[test]
    fn samordningsnummer_is_day_plus_sixty() {
        let s = format!("701063-{}", tail_for("701063", "239"));
        let n = p(&s).unwrap();
        assert!(n.is_samordningsnummer());
        assert_eq!(n.birth_date(), NaiveDate::from_ymd_opt(1970, 10, 3).unwrap());
        assert_eq!(n.canonical(), format!("19701063{}", tail_for("701063", "239")));
        // Day 92 (= 32 + 60) is not a real date.
        let bad = format!("701092-{}", tail_for("701092", "239"));
        assert!(p(&bad).is_err());
    }

    #[test]
    fn impossible_dates_fail() {
        for (yymmdd, year) in
            [("730230", "19"), ("731301", "19"), ("730000", "19"), ("010229", "20")]
        {
            let tail = tail_for(yymmdd, "123");
            assert!(p(&format!("{year}{yymmdd}{tail}")).is_err(), "{yymmdd}");
        }
        // 2000-02-29 exists.
        let tail = tail_for("000229", "123");
        assert!(p(&format!("20000229{tail}")).is_ok());
    }

    #[test]
    fn malformed_text_fails() {
        for bad in [
            "",
            "1973110562",
            "19731105629",
            "1973110562901",
            "19731105 6290",
            "197311056290 ",
            "19731105+6290",
            "731105/6290",
            "7311O56290",
            "１９７３11056290",
            "19731105--6290",
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn sex_digit() {
        assert_eq!(p("197311056290").unwrap().sex(), Sex::Male); // ninth digit 9
        assert_eq!(p("198001019820").unwrap().sex(), Sex::Female); // ninth digit 2
    }

    #[test]
    fn debug_hides_the_birth_number() {
        let n = p("197311056290").unwrap();
        let dbg = format!("{n:?}");
        assert!(!dbg.contains("6290"), "{dbg}");
        assert_eq!(n.ten_digit(today()), "731105-6290");
    }

    #[test]
    fn serde_round_trip() {
        let n = p("197311056290").unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(json, "\"197311056290\"");
        let back: Personnummer = serde_json::from_str(&json).unwrap();
        assert_eq!(back, n);
        assert!(serde_json::from_str::<Personnummer>("\"7311056290\"").is_err());
    }
}
