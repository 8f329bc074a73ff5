//! The order draft as a client sends it: raw values, so that validation can name every problem.

use super::OrderKind;
use crate::catalog::Details;
use chrono::NaiveDate;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How the draft names the end user: exactly one of `personnummer`, `passport`, `hsa_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndUserRef {
    /// `{"personnummer": "…"}` in any accepted input form.
    Personnummer(String),
    /// `{"passport": "…"}`.
    Passport(String),
    /// `{"hsa_id": "…"}`.
    HsaId(String),
}

impl<'de> Deserialize<'de> for EndUserRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = EndUserRef;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object with exactly one of personnummer, passport, hsa_id")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EndUserRef, A::Error> {
                let mut found: Option<EndUserRef> = None;
                while let Some(key) = map.next_key::<String>()? {
                    let value = match key.as_str() {
                        "personnummer" | "passport" | "hsa_id" => map.next_value::<String>()?,
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["personnummer", "passport", "hsa_id"],
                            ))
                        }
                    };
                    if found.is_some() {
                        return Err(de::Error::custom(
                            "end_user takes exactly one of personnummer, passport, hsa_id",
                        ));
                    }
                    found = Some(match key.as_str() {
                        "personnummer" => EndUserRef::Personnummer(value),
                        "passport" => EndUserRef::Passport(value),
                        _ => EndUserRef::HsaId(value),
                    });
                }
                found.ok_or_else(|| {
                    de::Error::custom("end_user needs personnummer, passport or hsa_id")
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// One permission of a draft.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftLine {
    /// The permission's slug.
    pub permission: String,
    /// Its details (Uppgifter), if it has any.
    #[serde(default)]
    pub details: Option<Details>,
    /// HSA-ids of care units (national care services).
    #[serde(default)]
    pub care_units: Option<Vec<String>>,
}

/// An order draft (POST /api/v1/orders and /validate). Every field may be missing: validation
/// reports each missing one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderDraft {
    /// The end user.
    #[serde(default)]
    pub end_user: Option<EndUserRef>,
    /// Arbetsplats (free text).
    #[serde(default)]
    pub workplace: Option<String>,
    /// Förvaltning (slug).
    #[serde(default)]
    pub administration: Option<String>,
    /// Nyupplägg / Förändring / Avslut.
    #[serde(default)]
    pub kind: Option<OrderKind>,
    /// The permissions.
    #[serde(default)]
    pub permissions: Option<Vec<DraftLine>>,
    /// Område (slug).
    #[serde(default)]
    pub area: Option<String>,
    /// Verksamhet (slug).
    #[serde(default)]
    pub operation: Option<String>,
    /// Projekt (slug), optional.
    #[serde(default)]
    pub project: Option<String>,
    /// The attestant's HSA-id.
    #[serde(default)]
    pub attestant_hsa_id: Option<String>,
    /// Startdatum.
    #[serde(default)]
    pub start_date: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_example_parses() {
        let d: OrderDraft = serde_json::from_str(
            r#"{
  "end_user": {"personnummer": "197311056290"},
  "workplace": "Wästerläkarna Centrum",
  "administration": "wasterlakarna",
  "kind": "new",
  "permissions": [
    {"permission": "npo", "care_units": ["SE2321000131-E000000000101", "SE2321000131-E000000000102"]},
    {"permission": "ivaratt", "details": {"role": "Verksamhetschef"}}
  ],
  "area": "...", "operation": "...", "project": null,
  "attestant_hsa_id": "SE2321000131-P000000230148",
  "start_date": "2026-12-07"
}"#,
        )
        .unwrap();
        assert_eq!(d.end_user, Some(EndUserRef::Personnummer("197311056290".into())));
        assert_eq!(d.permissions.unwrap().len(), 2);
    }

    #[test]
    fn end_user_takes_exactly_one_key() {
        for bad in [
            r#"{"end_user": {}}"#,
            r#"{"end_user": {"personnummer": "1", "hsa_id": "2"}}"#,
            r#"{"end_user": {"name": "x"}}"#,
            r#"{"end_user": {"personnummer": 197311056290}}"#,
            r#"{"kind": "newish"}"#,
            r#"{"start_date": "2026-13-01"}"#,
            r#"{"permissions": {"permission": "npo"}}"#,
        ] {
            assert!(serde_json::from_str::<OrderDraft>(bad).is_err(), "{bad}");
        }
        let d: OrderDraft = serde_json::from_str(r#"{"end_user": null}"#).unwrap();
        assert_eq!(d.end_user, None);
    }
}
