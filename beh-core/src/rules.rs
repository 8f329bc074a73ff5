//! R2–R12 as small functions named after their rule, and [`validate`] that runs them all and
//! returns every violation at once.

use crate::catalog::{
    Administration, Catalog, DetailKind, DetailValue, Details, Permission, PermissionScope,
};
use crate::directory::{Person, PersonKey, Unit};
use crate::error::{Code, Error, ErrorClass, Violation};
use crate::id::{HsaId, PassportNumber, Personnummer};
use crate::order::{DraftLine, EndUserRef, Holding, OrderDraft, OrderKind};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// What the service must look up before it can validate a draft.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lookups {
    /// The end user, when the draft names them validly.
    pub end_user: Option<PersonKey>,
    /// The attestant, when the HSA-id is valid.
    pub attestant: Option<HsaId>,
    /// Every valid care-unit HSA-id the draft names.
    pub units: BTreeSet<HsaId>,
}

/// The identifiers a draft names, parsed; invalid ones are left out (validation reports them).
pub fn lookups(draft: &OrderDraft, today: NaiveDate) -> Lookups {
    let end_user = draft.end_user.as_ref().and_then(|r| end_user_key(r, today).ok());
    let attestant = draft.attestant_hsa_id.as_deref().and_then(|s| HsaId::parse(s).ok());
    let units = draft
        .permissions
        .iter()
        .flatten()
        .flat_map(|l| l.care_units.iter().flatten())
        .filter_map(|u| HsaId::parse(u).ok())
        .collect();
    Lookups { end_user, attestant, units }
}

/// Parses the end-user reference of a draft (R1), with the field path of any error.
pub fn end_user_key(r: &EndUserRef, today: NaiveDate) -> Result<PersonKey, Violation> {
    match r {
        EndUserRef::Personnummer(s) => Personnummer::parse(s, today)
            .map(PersonKey::Personnummer)
            .map_err(|v| field(v, "end_user.personnummer")),
        EndUserRef::Passport(s) => PassportNumber::parse(s)
            .map(PersonKey::Passport)
            .map_err(|v| field(v, "end_user.passport")),
        EndUserRef::HsaId(s) => {
            HsaId::parse(s).map(PersonKey::HsaId).map_err(|v| field(v, "end_user.hsa_id"))
        }
    }
}

fn field(mut v: Violation, f: &str) -> Violation {
    v.field = Some(f.to_owned());
    v
}

/// The facts validation decides on; the service gathers them from the ports.
#[derive(Clone, Debug)]
pub struct Facts<'a> {
    /// The catalog.
    pub catalog: &'a Catalog,
    /// The orderer (the logged-in person).
    pub orderer: &'a Person,
    /// The end user, if found.
    pub end_user: Option<&'a Person>,
    /// The attestant, if found.
    pub attestant: Option<&'a Person>,
    /// Every looked-up unit that exists.
    pub units: &'a BTreeMap<HsaId, Unit>,
    /// What the end user holds now.
    pub holdings: &'a [Holding],
    /// Today in Europe/Stockholm.
    pub today: NaiveDate,
}

/// A line that passed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidLine {
    /// The catalog permission.
    pub permission: Permission,
    /// Its details (empty when it has none).
    pub details: Details,
    /// Its care units.
    pub care_units: Vec<Unit>,
}

/// A draft that passed every rule, with the facts resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidDraft {
    /// End user.
    pub end_user: Person,
    /// Attestant.
    pub attestant: Person,
    /// Administration.
    pub administration: Administration,
    /// Kind.
    pub kind: OrderKind,
    /// Lines.
    pub lines: Vec<ValidLine>,
    /// Area slug.
    pub area: String,
    /// Operation slug.
    pub operation: String,
    /// Project slug.
    pub project: Option<String>,
    /// Workplace.
    pub workplace: String,
    /// Start date.
    pub start_date: NaiveDate,
}

fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn missing(field: &str, label: &str) -> Violation {
    Violation::at(Code::MissingField, field).with_message(format!("{label} måste anges."))
}

/// R3: the mandatory fields of a draft.
pub fn r3_mandatory_fields(draft: &OrderDraft) -> Vec<Violation> {
    let mut v = Vec::new();
    if draft.end_user.is_none() {
        v.push(missing("end_user", "Användare"));
    }
    if present(&draft.administration).is_none() {
        v.push(missing("administration", "Förvaltning"));
    }
    if draft.kind.is_none() {
        v.push(missing("kind", "Beställningstyp"));
    }
    if draft.permissions.as_ref().is_none_or(Vec::is_empty) {
        v.push(Violation::at(Code::NoPermissions, "permissions"));
    }
    if present(&draft.area).is_none() {
        v.push(missing("area", "Område"));
    }
    if present(&draft.operation).is_none() {
        v.push(missing("operation", "Verksamhet"));
    }
    if present(&draft.attestant_hsa_id).is_none() {
        v.push(missing("attestant_hsa_id", "Attestant"));
    }
    if draft.start_date.is_none() {
        v.push(missing("start_date", "Startdatum"));
    }
    if present(&draft.workplace).is_none() {
        v.push(missing("workplace", "Arbetsplats"));
    }
    v
}

/// R2: the end user exists in KIV and has a VGR-ID, unless a student.
pub fn r2_end_user(found: Option<&Person>) -> Option<Violation> {
    match found {
        None => Some(Violation::at(Code::PersonNotFound, "end_user")),
        Some(p) if p.vgr_id.is_none() && !p.student => {
            Some(Violation::at(Code::NoVgrId, "end_user"))
        }
        Some(_) => None,
    }
}

/// R4: the start date is today or later (Europe/Stockholm).
pub fn r4_start_date(start: NaiveDate, today: NaiveDate) -> Option<Violation> {
    (start < today).then(|| Violation::at(Code::StartDateInPast, "start_date"))
}

/// R5: area, operation and project belong to the administration.
pub fn r5_choices(admin: &Administration, draft: &OrderDraft) -> Vec<Violation> {
    let mut v = Vec::new();
    let check =
        |value: Option<&str>, list: &[crate::catalog::Choice], f: &str, v: &mut Vec<Violation>| {
            if let Some(value) = value {
                if !list.iter().any(|c| c.id == value) {
                    v.push(Violation::at(Code::UnknownChoice, f));
                }
            }
        };
    check(present(&draft.area), &admin.areas, "area", &mut v);
    check(present(&draft.operation), &admin.operations, "operation", &mut v);
    check(present(&draft.project), &admin.projects, "project", &mut v);
    v
}

/// R5: a permission's details are valid for its schema.
pub fn r5_details(p: &Permission, details: &Details, path: &str) -> Vec<Violation> {
    let mut v = Vec::new();
    for (key, _) in details.iter() {
        if !p.details.iter().any(|f| &f.key == key) {
            v.push(
                Violation::at(Code::InvalidDetail, format!("{path}.details.{key}"))
                    .with_message(format!("{} har ingen uppgift \"{key}\".", p.name)),
            );
        }
    }
    for f in &p.details {
        let fpath = format!("{path}.details.{}", f.key);
        let invalid =
            |msg: String| Violation::at(Code::InvalidDetail, fpath.clone()).with_message(msg);
        match details.get(&f.key) {
            None => {
                if f.required {
                    v.push(
                        Violation::at(Code::MissingDetail, fpath.clone())
                            .with_message(format!("{} måste anges för {}.", f.label, p.name)),
                    );
                }
            }
            Some(value) => match (&f.kind, value) {
                (DetailKind::Text { max_len }, DetailValue::One(s)) => {
                    if s.trim().is_empty() {
                        if f.required {
                            v.push(
                                Violation::at(Code::MissingDetail, fpath.clone()).with_message(
                                    format!("{} måste anges för {}.", f.label, p.name),
                                ),
                            );
                        }
                    } else if s.chars().count() > *max_len {
                        v.push(invalid(format!("{} får vara högst {max_len} tecken.", f.label)));
                    }
                }
                (DetailKind::Choice { allowed }, DetailValue::One(s)) => {
                    if !allowed.iter().any(|a| a == s) {
                        v.push(invalid(format!(
                            "{} ska vara en av: {}.",
                            f.label,
                            allowed.join(", ")
                        )));
                    }
                }
                (DetailKind::List { min, max, max_len }, DetailValue::Many(items)) => {
                    let distinct: BTreeSet<&str> = items.iter().map(|s| s.trim()).collect();
                    if items.iter().any(|s| s.trim().is_empty() || s.chars().count() > *max_len)
                        || distinct.len() != items.len()
                    {
                        v.push(invalid(format!(
                            "{} ska vara olika värden på högst {max_len} tecken.",
                            f.label
                        )));
                    } else if items.len() < *min {
                        v.push(
                            Violation::at(Code::MissingDetail, fpath.clone())
                                .with_message(format!("Ange minst {min} värden för {}.", f.label)),
                        );
                    } else if items.len() > *max {
                        v.push(invalid(format!("Ange högst {max} värden för {}.", f.label)));
                    }
                }
                _ => v.push(invalid(format!("{} har fel form.", f.label))),
            },
        }
    }
    v
}

/// R6: national care services need one to four distinct care units, each an existing KIV unit
/// marked as vårdenhet; regional systems take none.
pub fn r6_care_units(
    p: &Permission,
    given: &[String],
    units: &BTreeMap<HsaId, Unit>,
    path: &str,
) -> (Vec<Violation>, Vec<Unit>) {
    let mut v = Vec::new();
    let mut found = Vec::new();
    let fpath = format!("{path}.care_units");
    let Some(rule) = p.care_units.filter(|_| p.scope == PermissionScope::National) else {
        if !given.is_empty() {
            v.push(
                Violation::at(Code::InvalidDetail, fpath)
                    .with_message("Vårdenheter anges bara för nationella vårdtjänster."),
            );
        }
        return (v, found);
    };
    if given.len() < rule.min.max(1) {
        v.push(Violation::at(Code::CareUnitsRequired, fpath.clone()));
    }
    if given.len() > rule.max {
        v.push(Violation::at(Code::TooManyCareUnits, fpath.clone()).with_message(format!(
            "Ange högst {} vårdenheter",
            if rule.max == 4 { "fyra".to_owned() } else { rule.max.to_string() }
        )));
    }
    let mut seen = BTreeSet::new();
    let mut duplicate = false;
    for (j, raw) in given.iter().enumerate() {
        let upath = format!("{fpath}[{j}]");
        let id = match HsaId::parse(raw.trim()) {
            Ok(id) => id,
            Err(e) => {
                v.push(field(e, &upath));
                continue;
            }
        };
        if !seen.insert(id.clone()) {
            duplicate = true;
            continue;
        }
        match units.get(&id) {
            None => v.push(Violation::at(Code::CareUnitNotFound, upath)),
            Some(u) if !u.is_care_unit => {
                v.push(Violation::at(Code::NotACareUnit, upath).with_message(format!(
                    "{} är inte uppmärkt som vårdenhet (enligt PDL) i KIV.",
                    u.name
                )))
            }
            Some(u) => found.push(u.clone()),
        }
    }
    if duplicate {
        v.push(Violation::at(Code::DuplicateCareUnit, fpath));
    }
    (v, found)
}

/// R7: `new` only for permissions not held; `change` and `termination` only for held ones.
pub fn r7_holdings(
    kind: OrderKind,
    permission: &str,
    holdings: &[Holding],
    path: &str,
) -> Option<Violation> {
    let held = holdings.iter().any(|h| h.permission == permission);
    match (kind, held) {
        (OrderKind::New, true) => {
            Some(Violation::at(Code::AlreadyHoldsPermission, format!("{path}.permission")))
        }
        (OrderKind::Change | OrderKind::Termination, false) => {
            Some(Violation::at(Code::PermissionNotHeld, format!("{path}.permission")))
        }
        _ => None,
    }
}

/// R8: nobody attests their own access.
pub fn r8_self_attestation(attestant: &HsaId, end_user: &HsaId) -> Option<Violation> {
    (attestant == end_user).then(|| Violation::at(Code::SelfAttestation, "attestant_hsa_id"))
}

/// R10: the attestant has attest rights for the administration.
pub fn r10_attestant_authorized(
    attestant: Option<&Person>,
    administration: &str,
) -> Option<Violation> {
    match attestant {
        Some(p) if p.may_attest(administration) => None,
        _ => Some(Violation::at(Code::AttestantNotAuthorized, "attestant_hsa_id")),
    }
}

/// Runs every rule over a draft. `Err` holds every violation at once (class `rule`), or the
/// single `forbidden` (class `forbidden`) when the orderer may not order for the administration,
/// or `bad_request` when the draft names a permission twice.
pub fn validate(draft: &OrderDraft, facts: &Facts<'_>) -> Result<ValidDraft, Error> {
    let mut v = r3_mandatory_fields(draft);
    let lines: &[DraftLine] = draft.permissions.as_deref().unwrap_or_default();

    let mut seen = BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        if !seen.insert(l.permission.as_str()) {
            return Err(Error::of(
                ErrorClass::BadRequest,
                Violation::at(Code::BadRequest, format!("permissions[{i}].permission"))
                    .with_message("Samma behörighet är vald flera gånger."),
            ));
        }
    }

    // The administration decides everything below it.
    let admin = match present(&draft.administration) {
        Some(id) => match facts.catalog.administration(id) {
            Some(a) if !facts.orderer.may_order_for(&a.id) => {
                return Err(Error::of(
                    ErrorClass::Forbidden,
                    Violation::at(Code::Forbidden, "administration")
                        .with_message("Du får inte beställa för den förvaltningen."),
                ));
            }
            Some(a) => Some(a),
            None => {
                v.push(Violation::at(Code::UnknownAdministration, "administration"));
                None
            }
        },
        None => None,
    };

    // R1, R2: the end user.
    let mut end_user_ok = None;
    if let Some(r) = &draft.end_user {
        match end_user_key(r, facts.today) {
            Err(e) => v.push(e),
            Ok(_) => match r2_end_user(facts.end_user) {
                Some(e) => v.push(e),
                None => end_user_ok = facts.end_user,
            },
        }
    }

    if let Some(start) = draft.start_date {
        v.extend(r4_start_date(start, facts.today));
    }
    if let Some(a) = admin {
        v.extend(r5_choices(a, draft));
    }

    // R1, R8, R10: the attestant.
    let mut attestant_ok = None;
    if let Some(raw) = present(&draft.attestant_hsa_id) {
        match HsaId::parse(raw) {
            Err(e) => v.push(field(e, "attestant_hsa_id")),
            Ok(id) => {
                let mut ok = true;
                if let Some(eu) = facts.end_user {
                    if let Some(e) = r8_self_attestation(&id, &eu.hsa_id) {
                        v.push(e);
                        ok = false;
                    }
                }
                let found = facts.attestant.filter(|p| p.hsa_id == id);
                if let Some(a) = admin {
                    if let Some(e) = r10_attestant_authorized(found, &a.id) {
                        v.push(e);
                        ok = false;
                    }
                }
                if ok {
                    attestant_ok = found;
                }
            }
        }
    }

    // R5, R6, R7: each permission.
    let mut valid_lines = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let path = format!("permissions[{i}]");
        let p = facts
            .catalog
            .permission(&l.permission)
            .filter(|p| admin.is_none_or(|a| a.offers(&p.id)));
        let Some(p) = p else {
            v.push(Violation::at(Code::UnknownPermission, format!("{path}.permission")));
            continue;
        };
        let details = l.details.clone().unwrap_or_default();
        if draft.kind != Some(OrderKind::Termination) {
            v.extend(r5_details(p, &details, &path));
        }
        let given = l.care_units.as_deref().unwrap_or_default();
        let (unit_v, units) = if draft.kind == Some(OrderKind::Termination) && given.is_empty() {
            (Vec::new(), Vec::new())
        } else {
            r6_care_units(p, given, facts.units, &path)
        };
        v.extend(unit_v);
        if let (Some(kind), Some(_)) = (draft.kind, end_user_ok) {
            v.extend(r7_holdings(kind, &p.id, facts.holdings, &path));
        }
        valid_lines.push(ValidLine { permission: p.clone(), details, care_units: units });
    }

    if !v.is_empty() {
        return Err(Error::rules(v));
    }
    match (end_user_ok, attestant_ok, admin, draft.kind, draft.start_date) {
        (Some(end_user), Some(attestant), Some(admin), Some(kind), Some(start_date)) => {
            Ok(ValidDraft {
                end_user: end_user.clone(),
                attestant: attestant.clone(),
                administration: admin.clone(),
                kind,
                lines: valid_lines,
                area: present(&draft.area).unwrap_or_default().to_owned(),
                operation: present(&draft.operation).unwrap_or_default().to_owned(),
                project: present(&draft.project).map(str::to_owned),
                workplace: present(&draft.workplace).unwrap_or_default().trim().to_owned(),
                start_date,
            })
        }
        // Unreachable when the rules above are complete; kept as a typed error, not a panic.
        _ => Err(Error::code(Code::Internal)),
    }
}
