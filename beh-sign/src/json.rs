//! The stateless check of C-ABI.md ("Signature checks"): the request JSON of
//! `beh_signature_verify` / `beh verify` in, the result JSON or the error document out.
//!
//! Request: `{"tbs": base64, "signature": base64, "certificates": [PEM, ...]}` or
//! `{"cms": base64, "tbs": base64?}`, plus `"trust_anchors": [PEM, ...]`, `"at": RFC 3339?`,
//! `"crls": [PEM or base64 DER, ...]?`, and (an extension of this crate) `"expected_signer":
//! HSA-id?`. CRLs are used when they apply ([`Revocation::IfAvailable`]); without any,
//! revocation is not checked and the result says so.

use crate::error::{Code, Failure};
use crate::verifier::{Policy, Revocation, Verified, Verifier};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// How a request ended; the C ABI and `beh verify` map it to their status and exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyOutcome {
    /// Every check passed.
    Valid,
    /// The request was well-formed and the signature or certificate failed a check.
    Invalid,
    /// The request itself is malformed (code `bad_request`).
    BadRequest,
}

impl VerifyOutcome {
    /// The exit code of `beh verify`: 0 valid, 1 invalid, 2 malformed request. The same numbers
    /// are the C ABI's status codes (0 ok, 1 rule violation, 2 bad argument).
    pub fn exit_code(self) -> i32 {
        match self {
            VerifyOutcome::Valid => 0,
            VerifyOutcome::Invalid => 1,
            VerifyOutcome::BadRequest => 2,
        }
    }
}

/// Checks the request of `beh_signature_verify`, with "now" when the request has no `at`.
pub fn verify_request_json(request: &str) -> (VerifyOutcome, String) {
    verify_request_json_at(request, Utc::now())
}

/// Like [`verify_request_json`], with the time to use when the request has no `at`.
pub fn verify_request_json_at(request: &str, now: DateTime<Utc>) -> (VerifyOutcome, String) {
    match run(request, now) {
        Ok(Ok(v)) => (VerifyOutcome::Valid, valid_document(&v).to_string()),
        Ok(Err(f)) => (VerifyOutcome::Invalid, failure_document(&f).to_string()),
        Err(bad) => (VerifyOutcome::BadRequest, bad.document().to_string()),
    }
}

/// The result document of a valid signature.
pub fn valid_document(v: &Verified) -> Value {
    json!({
        "valid": true,
        "signer_hsa_id": v.signer_hsa_id,
        "subject": v.subject,
        "revocation_checked": v.revocation_checked,
        "certificate_sha256": v.certificate_sha256,
    })
}

/// The error document of a failed check: `{"errors": [{code, field, message}]}`.
pub fn failure_document(f: &Failure) -> Value {
    let errors: Vec<Value> = f
        .problems()
        .iter()
        .map(|p| json!({"code": p.code().as_str(), "field": null, "message": p.to_string()}))
        .collect();
    json!({ "errors": errors })
}

struct BadRequest {
    field: Option<String>,
    message: String,
}

impl BadRequest {
    fn new(field: Option<&str>, message: impl Into<String>) -> Self {
        BadRequest { field: field.map(str::to_owned), message: message.into() }
    }

    fn document(&self) -> Value {
        json!({"errors": [{"code": Code::BadRequest.as_str(), "field": self.field, "message": self.message}]})
    }
}

fn b64(field: &str, v: &Value) -> Result<Vec<u8>, BadRequest> {
    let s = v.as_str().ok_or_else(|| {
        BadRequest::new(Some(field), format!("Fältet {field} ska vara en text (base64)."))
    })?;
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| BadRequest::new(Some(field), format!("Fältet {field} är inte giltig base64.")))
}

fn string_list<'a>(
    obj: &'a Map<String, Value>,
    field: &str,
) -> Result<Option<Vec<&'a str>>, BadRequest> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str().ok_or_else(|| {
                    BadRequest::new(
                        Some(&format!("{field}[{i}]")),
                        format!("Fältet {field}[{i}] ska vara en text."),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(BadRequest::new(Some(field), format!("Fältet {field} ska vara en lista."))),
    }
}

fn run(request: &str, now: DateTime<Utc>) -> Result<Result<Verified, Failure>, BadRequest> {
    let value: Value = serde_json::from_str(request)
        .map_err(|_| BadRequest::new(None, "Begäran är inte giltig JSON."))?;
    let obj = value
        .as_object()
        .ok_or_else(|| BadRequest::new(None, "Begäran ska vara ett JSON-objekt."))?;

    let anchors =
        string_list(obj, "trust_anchors")?.filter(|a| !a.is_empty()).ok_or_else(|| {
            BadRequest::new(Some("trust_anchors"), "Ange minst ett rotcertifikat (trust_anchors).")
        })?;
    let mut builder = Verifier::builder()
        .policy(Policy::default().with_revocation(Revocation::IfAvailable))
        .cache_capacity(0);
    for (i, pem) in anchors.iter().enumerate() {
        let field = format!("trust_anchors[{i}]");
        builder = builder.add_trust_anchors(pem.as_bytes()).map_err(|_| {
            BadRequest::new(Some(&field), format!("Rotcertifikatet i {field} kan inte läsas."))
        })?;
    }
    for (i, crl) in string_list(obj, "crls")?.unwrap_or_default().iter().enumerate() {
        let field = format!("crls[{i}]");
        let bytes = if crate::pem::is_pem(crl.as_bytes()) {
            crl.as_bytes().to_vec()
        } else {
            b64(&field, &Value::String((*crl).to_owned()))?
        };
        builder = builder.add_crls(&bytes).map_err(|_| {
            BadRequest::new(Some(&field), format!("Spärrlistan i {field} kan inte läsas."))
        })?;
    }
    let verifier =
        builder.build().map_err(|e| BadRequest::new(Some("trust_anchors"), e.to_string()))?;

    let at = match obj.get("at") {
        None | Some(Value::Null) => now,
        Some(Value::String(s)) => DateTime::parse_from_rfc3339(s)
            .map_err(|_| {
                BadRequest::new(Some("at"), "Fältet at ska vara en tidpunkt enligt RFC 3339.")
            })?
            .with_timezone(&Utc),
        Some(_) => return Err(BadRequest::new(Some("at"), "Fältet at ska vara en text.")),
    };
    let expected = match obj.get("expected_signer") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            return Err(BadRequest::new(
                Some("expected_signer"),
                "Fältet expected_signer ska vara en text.",
            ))
        }
    };
    let tbs = match obj.get("tbs") {
        None | Some(Value::Null) => None,
        Some(v) => Some(b64("tbs", v)?),
    };

    match (obj.get("signature"), obj.get("cms")) {
        (Some(sig), None) => {
            let tbs = tbs.ok_or_else(|| BadRequest::new(Some("tbs"), "Fältet tbs saknas."))?;
            let signature = b64("signature", sig)?;
            let certs =
                string_list(obj, "certificates")?.filter(|c| !c.is_empty()).ok_or_else(|| {
                    BadRequest::new(
                        Some("certificates"),
                        "Ange undertecknarens certifikat (certificates).",
                    )
                })?;
            let certs: Vec<&[u8]> = certs.iter().map(|c| c.as_bytes()).collect();
            Ok(verifier.verify_raw(&tbs, &signature, &certs, expected, at))
        }
        (None, Some(cms)) => {
            let cms = b64("cms", cms)?;
            Ok(verifier.verify_cms(&cms, tbs.as_deref(), expected, at))
        }
        (Some(_), Some(_)) => {
            Err(BadRequest::new(None, "Ange antingen signature eller cms, inte båda."))
        }
        (None, None) => Err(BadRequest::new(None, "Ange signature (med certificates) eller cms.")),
    }
}
