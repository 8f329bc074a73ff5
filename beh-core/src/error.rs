//! Stable error codes (PRODUCT.md, HTTP-API.md) and the violation document every adapter shows.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A stable, machine-readable error code. Adapters map these to HTTP statuses and C ABI status
/// codes in exactly one place each; a code is never reused for something else.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    /// R1: a personnummer or samordningsnummer that does not parse.
    InvalidPersonnummer,
    /// R1: an HSA-id that does not parse.
    InvalidHsaId,
    /// R1: a passport number that does not parse.
    InvalidPassportNumber,
    /// R2: the end user is not in the directory.
    PersonNotFound,
    /// R2: the end user has no VGR-ID and is not a student.
    NoVgrId,
    /// R3: a mandatory field is absent or empty.
    MissingField,
    /// R3: the draft names no permission.
    NoPermissions,
    /// R4: the start date lies before today (Europe/Stockholm).
    StartDateInPast,
    /// R5: the administration does not exist.
    UnknownAdministration,
    /// R5, R15, R18: the actor may not do this.
    Forbidden,
    /// R5: an area, operation or project that is not of the administration.
    UnknownChoice,
    /// R5: a permission that the administration's catalog does not have.
    UnknownPermission,
    /// R5: a required detail of a permission is missing.
    MissingDetail,
    /// R5: a detail of a permission is not valid for its schema.
    InvalidDetail,
    /// R6: national care services without any care unit.
    CareUnitsRequired,
    /// R6: more than four care units.
    TooManyCareUnits,
    /// R6: the same care unit twice.
    DuplicateCareUnit,
    /// R6: a care unit that the directory does not know.
    CareUnitNotFound,
    /// R6: a directory unit that is not marked as vårdenhet under PDL.
    NotACareUnit,
    /// R7: `new` for a permission the end user already holds.
    AlreadyHoldsPermission,
    /// R7: `change` or `termination` for a permission the end user does not hold.
    PermissionNotHeld,
    /// R8: the attestant is the end user.
    SelfAttestation,
    /// R10: the actor is not the order's assigned attestant.
    NotAttestant,
    /// R10: the chosen attestant has no attest rights for the administration.
    AttestantNotAuthorized,
    /// R11, R16: the order's status does not allow this.
    InvalidTransition,
    /// R12: the decision would approve no line.
    NothingToApprove,
    /// R13: the signature does not verify over the to-be-signed bytes.
    SignatureInvalid,
    /// R13: no valid path to a trusted SITHS root.
    CertificateUntrusted,
    /// R13: the certificate had expired at signing time.
    CertificateExpired,
    /// R13: the certificate was not yet valid at signing time.
    CertificateNotYetValid,
    /// R13: the certificate is revoked.
    CertificateRevoked,
    /// R13: the certificate may not sign (key usage).
    CertificateUsage,
    /// R13: the signer's HSA-id is not the attestant's.
    SignerMismatch,
    /// R13: the challenge expired (or is unknown).
    ChallengeExpired,
    /// R13: the challenge was already used.
    ChallengeUsed,
    /// R16: another decision on the same order committed first.
    Conflict,
    /// R18: the order does not exist or the actor may not see it.
    OrderNotFound,
    /// Malformed input (JSON, wrong types, bad query values).
    BadRequest,
    /// No identity was presented.
    Unauthenticated,
    /// A dependency (directory, database) is down.
    Unavailable,
    /// An internal error that is not the client's fault.
    Internal,
}

impl Code {
    /// Every code, in declaration order.
    pub const ALL: &'static [Code] = &[
        Code::InvalidPersonnummer,
        Code::InvalidHsaId,
        Code::InvalidPassportNumber,
        Code::PersonNotFound,
        Code::NoVgrId,
        Code::MissingField,
        Code::NoPermissions,
        Code::StartDateInPast,
        Code::UnknownAdministration,
        Code::Forbidden,
        Code::UnknownChoice,
        Code::UnknownPermission,
        Code::MissingDetail,
        Code::InvalidDetail,
        Code::CareUnitsRequired,
        Code::TooManyCareUnits,
        Code::DuplicateCareUnit,
        Code::CareUnitNotFound,
        Code::NotACareUnit,
        Code::AlreadyHoldsPermission,
        Code::PermissionNotHeld,
        Code::SelfAttestation,
        Code::NotAttestant,
        Code::AttestantNotAuthorized,
        Code::InvalidTransition,
        Code::NothingToApprove,
        Code::SignatureInvalid,
        Code::CertificateUntrusted,
        Code::CertificateExpired,
        Code::CertificateNotYetValid,
        Code::CertificateRevoked,
        Code::CertificateUsage,
        Code::SignerMismatch,
        Code::ChallengeExpired,
        Code::ChallengeUsed,
        Code::Conflict,
        Code::OrderNotFound,
        Code::BadRequest,
        Code::Unauthenticated,
        Code::Unavailable,
        Code::Internal,
    ];

    /// The stable snake_case name used in JSON and the C ABI.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidPersonnummer => "invalid_personnummer",
            Code::InvalidHsaId => "invalid_hsa_id",
            Code::InvalidPassportNumber => "invalid_passport_number",
            Code::PersonNotFound => "person_not_found",
            Code::NoVgrId => "no_vgr_id",
            Code::MissingField => "missing_field",
            Code::NoPermissions => "no_permissions",
            Code::StartDateInPast => "start_date_in_past",
            Code::UnknownAdministration => "unknown_administration",
            Code::Forbidden => "forbidden",
            Code::UnknownChoice => "unknown_choice",
            Code::UnknownPermission => "unknown_permission",
            Code::MissingDetail => "missing_detail",
            Code::InvalidDetail => "invalid_detail",
            Code::CareUnitsRequired => "care_units_required",
            Code::TooManyCareUnits => "too_many_care_units",
            Code::DuplicateCareUnit => "duplicate_care_unit",
            Code::CareUnitNotFound => "care_unit_not_found",
            Code::NotACareUnit => "not_a_care_unit",
            Code::AlreadyHoldsPermission => "already_holds_permission",
            Code::PermissionNotHeld => "permission_not_held",
            Code::SelfAttestation => "self_attestation",
            Code::NotAttestant => "not_attestant",
            Code::AttestantNotAuthorized => "attestant_not_authorized",
            Code::InvalidTransition => "invalid_transition",
            Code::NothingToApprove => "nothing_to_approve",
            Code::SignatureInvalid => "signature_invalid",
            Code::CertificateUntrusted => "certificate_untrusted",
            Code::CertificateExpired => "certificate_expired",
            Code::CertificateNotYetValid => "certificate_not_yet_valid",
            Code::CertificateRevoked => "certificate_revoked",
            Code::CertificateUsage => "certificate_usage",
            Code::SignerMismatch => "signer_mismatch",
            Code::ChallengeExpired => "challenge_expired",
            Code::ChallengeUsed => "challenge_used",
            Code::Conflict => "conflict",
            Code::OrderNotFound => "order_not_found",
            Code::BadRequest => "bad_request",
            Code::Unauthenticated => "unauthenticated",
            Code::Unavailable => "unavailable",
            Code::Internal => "internal",
        }
    }

    /// The kind of failure, which adapters turn into an HTTP status or a C ABI status code.
    pub fn class(self) -> ErrorClass {
        match self {
            Code::BadRequest => ErrorClass::BadRequest,
            Code::Unauthenticated => ErrorClass::Unauthenticated,
            Code::Forbidden | Code::NotAttestant => ErrorClass::Forbidden,
            Code::OrderNotFound => ErrorClass::NotFound,
            Code::Conflict | Code::InvalidTransition | Code::ChallengeUsed => ErrorClass::Conflict,
            Code::Unavailable => ErrorClass::Unavailable,
            Code::Internal => ErrorClass::Internal,
            _ => ErrorClass::Rule,
        }
    }

    /// A default Swedish message for people.
    pub fn default_message(self) -> &'static str {
        match self {
            Code::InvalidPersonnummer => {
                "Ogiltigt personnummer. Ange det enligt formatet ÅÅÅÅMMDDNNNN."
            }
            Code::InvalidHsaId => "Ogiltigt HSA-id.",
            Code::InvalidPassportNumber => "Ogiltigt passnummer.",
            Code::PersonNotFound => "Personen finns inte i KIV.",
            Code::NoVgrId => "Finns inget VGR-ID ska det läggas upp av lokal KIV-administratör.",
            Code::MissingField => "Obligatoriskt fält saknas.",
            Code::NoPermissions => "Välj minst en behörighet.",
            Code::StartDateInPast => "Startdatum får inte vara tidigare än i dag.",
            Code::UnknownAdministration => "Okänd förvaltning.",
            Code::Forbidden => "Du har inte behörighet till detta.",
            Code::UnknownChoice => "Valet finns inte för den valda förvaltningen.",
            Code::UnknownPermission => "Behörigheten finns inte i förvaltningens katalog.",
            Code::MissingDetail => "En obligatorisk uppgift för behörigheten saknas.",
            Code::InvalidDetail => "En uppgift för behörigheten har ett ogiltigt värde.",
            Code::CareUnitsRequired => "Ange minst en vårdenhet.",
            Code::TooManyCareUnits => "Ange högst fyra vårdenheter",
            Code::DuplicateCareUnit => "Samma vårdenhet är angiven flera gånger.",
            Code::CareUnitNotFound => "Vårdenheten finns inte i KIV.",
            Code::NotACareUnit => "Enheten är inte uppmärkt som vårdenhet (enligt PDL) i KIV.",
            Code::AlreadyHoldsPermission => {
                "Användaren har redan behörigheten. Använd Förändring eller Avslut."
            }
            Code::PermissionNotHeld => "Användaren har inte behörigheten.",
            Code::SelfAttestation => "Du kan inte attestera behörigheter till dig själv.",
            Code::NotAttestant => "Du är inte attestant för beställningen.",
            Code::AttestantNotAuthorized => "Personen har inte attesträtt för förvaltningen.",
            Code::InvalidTransition => "Beställningens status tillåter inte detta.",
            Code::NothingToApprove => {
                "Minst en behörighet måste finnas kvar. Avslå beställningen i stället."
            }
            Code::SignatureInvalid => "Signaturen är ogiltig.",
            Code::CertificateUntrusted => {
                "Certifikatet är inte utfärdat av en betrodd SITHS-utfärdare."
            }
            Code::CertificateExpired => "Certifikatet har gått ut.",
            Code::CertificateNotYetValid => "Certifikatet är ännu inte giltigt.",
            Code::CertificateRevoked => "Certifikatet är spärrat.",
            Code::CertificateUsage => "Certifikatet får inte användas för underskrift.",
            Code::SignerMismatch => "Signaturen är inte gjord av beställningens attestant.",
            Code::ChallengeExpired => "Signeringen tog för lång tid. Försök igen.",
            Code::ChallengeUsed => "Signeringsunderlaget är redan använt. Försök igen.",
            Code::Conflict => "Beställningen ändrades samtidigt av någon annan. Försök igen.",
            Code::OrderNotFound => "Beställningen finns inte.",
            Code::BadRequest => "Felaktig begäran.",
            Code::Unauthenticated => "Du är inte inloggad.",
            Code::Unavailable => {
                "En tjänst som behövs är inte tillgänglig just nu. Försök igen senare."
            }
            Code::Internal => "Ett internt fel inträffade.",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The family a code belongs to; adapters map families to HTTP statuses and C ABI status codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// 400 / C status 2.
    BadRequest,
    /// 401.
    Unauthenticated,
    /// 403 / C status 5.
    Forbidden,
    /// 404 / C status 3.
    NotFound,
    /// 409 / C status 4.
    Conflict,
    /// 422 / C status 1.
    Rule,
    /// 503 / C status 6.
    Unavailable,
    /// 500 / C status 7.
    Internal,
}

/// One broken rule: a stable code, the field path it concerns (as in the draft's JSON, e.g.
/// `permissions[0].care_units`) and a Swedish message for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The stable code.
    pub code: Code,
    /// The field path, when the problem belongs to one field.
    pub field: Option<String>,
    /// A Swedish message for people.
    pub message: String,
}

impl Violation {
    /// A violation with the code's default message.
    pub fn new(code: Code, field: Option<&str>) -> Self {
        Violation {
            code,
            field: field.map(str::to_owned),
            message: code.default_message().to_owned(),
        }
    }

    /// A violation of a field with the code's default message.
    pub fn at(code: Code, field: impl Into<String>) -> Self {
        Violation { code, field: Some(field.into()), message: code.default_message().to_owned() }
    }

    /// The same violation with another message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{} ({}): {}", self.code, field, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

/// The error of every use case: its class (which adapters map to an HTTP status or C ABI status
/// code) and one or more violations.
///
/// Rule violations (422) come all at once; other classes carry the one reason.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{}", display_violations(.violations))]
#[non_exhaustive]
pub struct Error {
    /// The kind of failure.
    pub class: ErrorClass,
    /// Every violation found, most fundamental first.
    pub violations: Vec<Violation>,
}

fn display_violations(v: &[Violation]) -> String {
    v.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl Error {
    /// An error of one violation with the code's default message and class.
    pub fn code(code: Code) -> Self {
        Error { class: code.class(), violations: vec![Violation::new(code, None)] }
    }

    /// An error of one violation in the given class.
    pub fn of(class: ErrorClass, violation: Violation) -> Self {
        Error { class, violations: vec![violation] }
    }

    /// Rule violations (422): every one found (an empty list reads as `internal`).
    pub fn rules(violations: Vec<Violation>) -> Self {
        if violations.is_empty() {
            return Error::code(Code::Internal);
        }
        Error { class: ErrorClass::Rule, violations }
    }

    /// A dependency (directory, database) is down.
    pub fn unavailable() -> Self {
        Error::code(Code::Unavailable)
    }

    /// The most fundamental code (the first violation's).
    pub fn primary(&self) -> Code {
        self.violations.first().map(|v| v.code).unwrap_or(Code::Internal)
    }

    /// Whether any violation carries `code`.
    pub fn has(&self, code: Code) -> bool {
        self.violations.iter().any(|v| v.code == code)
    }

    /// The codes of every violation, in order.
    pub fn codes(&self) -> Vec<Code> {
        self.violations.iter().map(|v| v.code).collect()
    }

    /// The JSON error document of HTTP-API.md: `{"errors": [{code, field, message}]}`.
    pub fn to_document(&self) -> serde_json::Value {
        serde_json::json!({ "errors": self.violations })
    }
}

impl From<Violation> for Error {
    fn from(v: Violation) -> Self {
        Error { class: v.code.class(), violations: vec![v] }
    }
}

/// The result of every use case.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_names() {
        for code in Code::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::Value::String(code.as_str().to_owned()));
            let back: Code = serde_json::from_value(json).unwrap();
            assert_eq!(back, *code);
        }
    }

    #[test]
    fn error_document_has_the_contract_shape() {
        let e = Error::from(Violation::at(Code::TooManyCareUnits, "permissions[0].care_units"));
        assert_eq!(
            e.to_document(),
            serde_json::json!({"errors": [{"code": "too_many_care_units", "field": "permissions[0].care_units", "message": "Ange högst fyra vårdenheter"}]})
        );
    }
}
