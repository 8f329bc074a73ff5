//! An owned, decoded certificate: everything path validation and identity need, read once.
//!
//! x509-parser borrows from the input; we copy out what we use so that certificates can live
//! in the verifier (trust anchors) and in the chain cache without self-referential types.

use crate::crypto::{PublicKey, SigAlg};
use crate::pem;
use chrono::{DateTime, Utc};
use sha2::Digest as _;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer as _, X509Certificate};

/// OID of the subject `serialNumber` attribute (2.5.4.5), where SITHS puts the HSA-id.
const OID_SERIAL_NUMBER: &str = "2.5.4.5";
/// OID of an HSA-id as a subjectAltName otherName in the older SITHS/HCC profile
/// ("Certifikat svensk vård och omsorg"). Unverified against a current card; read only when
/// the subject has no `serialNumber` (docs/signing.md).
const OID_SAN_HSA_ID: &str = "1.2.752.29.6.2.1";

/// Extensions we process or may safely ignore when they are marked critical. Everything else
/// that is critical makes the certificate unusable (RFC 5280 §4.2).
const KNOWN_CRITICAL: &[&str] = &[
    "2.5.29.15",         // keyUsage
    "2.5.29.19",         // basicConstraints
    "2.5.29.37",         // extKeyUsage
    "2.5.29.17",         // subjectAltName
    "2.5.29.32", // certificatePolicies: recorded, not enforced (assurance level is the CA's)
    "2.5.29.14", // subjectKeyIdentifier
    "2.5.29.35", // authorityKeyIdentifier
    "2.5.29.31", // cRLDistributionPoints
    "1.3.6.1.5.5.7.1.1", // authorityInfoAccess
];

/// The key usages this crate looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyUsage {
    /// digitalSignature.
    pub digital_signature: bool,
    /// nonRepudiation (contentCommitment).
    pub non_repudiation: bool,
    /// keyCertSign.
    pub key_cert_sign: bool,
    /// cRLSign.
    pub crl_sign: bool,
}

/// The extended key usages this crate looks at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExtendedKeyUsage {
    /// id-kp-clientAuth.
    pub client_auth: bool,
    /// anyExtendedKeyUsage.
    pub any: bool,
}

/// Names of the holder, for identity and display.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HolderNames {
    /// The HSA-id: subject `serialNumber`, else the SAN otherName of the older profile.
    pub hsa_id: Option<String>,
    /// givenName.
    pub given_name: Option<String>,
    /// surname.
    pub surname: Option<String>,
    /// commonName.
    pub common_name: Option<String>,
    /// organizationName.
    pub organization: Option<String>,
}

/// A decoded X.509 certificate.
#[derive(Clone, Debug)]
pub struct Certificate {
    der: Vec<u8>,
    sha256: [u8; 32],
    pub(crate) subject_raw: Vec<u8>,
    pub(crate) issuer_raw: Vec<u8>,
    subject: String,
    issuer: String,
    serial: Vec<u8>,
    pub(crate) not_before: i64,
    pub(crate) not_after: i64,
    pub(crate) tbs: Vec<u8>,
    pub(crate) sig_alg: SigAlg,
    pub(crate) signature: Vec<u8>,
    pub(crate) key: PublicKey,
    /// `Some((ca, path_len))` when basicConstraints is present.
    pub(crate) basic_constraints: Option<(bool, Option<u32>)>,
    pub(crate) key_usage: Option<KeyUsage>,
    pub(crate) ext_key_usage: Option<ExtendedKeyUsage>,
    pub(crate) unknown_critical: Vec<String>,
    pub(crate) subject_key_id: Option<Vec<u8>>,
    pub(crate) authority_key_id: Option<Vec<u8>>,
    names: HolderNames,
}

impl Certificate {
    /// Decodes one DER certificate. Trailing bytes are refused.
    pub fn from_der(der: &[u8]) -> Result<Certificate, String> {
        let (rest, x) = X509Certificate::from_der(der).map_err(|e| e.to_string())?;
        if !rest.is_empty() {
            return Err("trailing bytes after the certificate".to_owned());
        }
        let used = der.get(..der.len() - rest.len()).unwrap_or(der);
        Certificate::from_parsed(used, &x)
    }

    /// Decodes every certificate of `input`: PEM (one or more `CERTIFICATE` blocks) or one DER.
    pub fn parse_all(input: &[u8]) -> Result<Vec<Certificate>, String> {
        pem::der_items(input, &["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"])?
            .iter()
            .map(|d| Certificate::from_der(d))
            .collect()
    }

    fn from_parsed(der: &[u8], x: &X509Certificate<'_>) -> Result<Certificate, String> {
        let tbs = &x.tbs_certificate;
        let basic_constraints = x
            .basic_constraints()
            .map_err(|e| e.to_string())?
            .map(|b| (b.value.ca, b.value.path_len_constraint));
        let key_usage = x.key_usage().map_err(|e| e.to_string())?.map(|k| KeyUsage {
            digital_signature: k.value.digital_signature(),
            non_repudiation: k.value.non_repudiation(),
            key_cert_sign: k.value.key_cert_sign(),
            crl_sign: k.value.crl_sign(),
        });
        let ext_key_usage = x
            .extended_key_usage()
            .map_err(|e| e.to_string())?
            .map(|e| ExtendedKeyUsage { client_auth: e.value.client_auth, any: e.value.any });
        let mut unknown_critical = Vec::new();
        let mut subject_key_id = None;
        let mut authority_key_id = None;
        let mut san_hsa_id = None;
        for ext in x.extensions() {
            let oid = ext.oid.to_id_string();
            if ext.critical && !KNOWN_CRITICAL.contains(&oid.as_str()) {
                unknown_critical.push(oid.clone());
            }
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(k) => subject_key_id = Some(k.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    authority_key_id = a.key_identifier.as_ref().map(|k| k.0.to_vec());
                }
                ParsedExtension::SubjectAlternativeName(san) => {
                    for name in &san.general_names {
                        if let GeneralName::OtherName(oid, value) = name {
                            if oid.to_id_string() == OID_SAN_HSA_ID {
                                san_hsa_id = other_name_string(value);
                            }
                        }
                    }
                }
                ParsedExtension::ParseError { error } if ext.critical => {
                    return Err(format!("critical extension {oid}: {error}"));
                }
                _ => {}
            }
        }
        let mut names = HolderNames::default();
        for attr in x.subject().iter_attributes() {
            let value = attr.as_str().ok().map(str::to_owned);
            match attr.attr_type().to_id_string().as_str() {
                OID_SERIAL_NUMBER if names.hsa_id.is_none() => names.hsa_id = value,
                "2.5.4.42" if names.given_name.is_none() => names.given_name = value,
                "2.5.4.4" if names.surname.is_none() => names.surname = value,
                "2.5.4.3" if names.common_name.is_none() => names.common_name = value,
                "2.5.4.10" if names.organization.is_none() => names.organization = value,
                _ => {}
            }
        }
        if names.hsa_id.is_none() {
            names.hsa_id = san_hsa_id;
        }
        // The outer and inner signature algorithm must agree (RFC 5280 §4.1.1.2).
        if x.signature_algorithm.algorithm != tbs.signature.algorithm {
            return Err("signatureAlgorithm differs from tbsCertificate.signature".to_owned());
        }
        if x.signature_value.unused_bits != 0 {
            return Err("signature is not a whole number of bytes".to_owned());
        }
        Ok(Certificate {
            der: der.to_vec(),
            sha256: sha2::Sha256::digest(der).into(),
            subject_raw: x.subject().as_raw().to_vec(),
            issuer_raw: x.issuer().as_raw().to_vec(),
            subject: x.subject().to_string(),
            issuer: x.issuer().to_string(),
            serial: x.raw_serial().to_vec(),
            not_before: x.validity().not_before.timestamp(),
            not_after: x.validity().not_after.timestamp(),
            tbs: tbs.as_ref().to_vec(),
            sig_alg: SigAlg::from_oid(&x.signature_algorithm.algorithm.to_id_string()),
            signature: x.signature_value.data.to_vec(),
            key: PublicKey::from_spki(x.public_key()),
            basic_constraints,
            key_usage,
            ext_key_usage,
            unknown_critical,
            subject_key_id,
            authority_key_id,
            names,
        })
    }

    /// The DER bytes.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// SHA-256 of the DER bytes.
    pub fn sha256(&self) -> [u8; 32] {
        self.sha256
    }

    /// SHA-256 of the DER bytes, lowercase hex (for the audit log).
    pub fn sha256_hex(&self) -> String {
        hex(&self.sha256)
    }

    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The subject as text (RFC 4514 style).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer as text.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The serial number, hex.
    pub fn serial_hex(&self) -> String {
        hex(&self.serial)
    }

    pub(crate) fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// notBefore.
    pub fn not_before(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.not_before, 0).unwrap_or_default()
    }

    /// notAfter.
    pub fn not_after(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.not_after, 0).unwrap_or_default()
    }

    /// The holder's names, including the HSA-id.
    pub fn names(&self) -> &HolderNames {
        &self.names
    }

    /// The HSA-id of the holder, when the certificate carries one.
    pub fn hsa_id(&self) -> Option<&str> {
        self.names.hsa_id.as_deref()
    }

    /// Whether subject and issuer names are equal (self-issued).
    pub fn is_self_issued(&self) -> bool {
        self.subject_raw == self.issuer_raw
    }

    /// Whether keyUsage allows signing a decision: nonRepudiation (contentCommitment) or
    /// digitalSignature. A certificate without keyUsage is refused: SITHS always sets it.
    pub fn may_sign(&self) -> bool {
        self.key_usage.is_some_and(|k| k.non_repudiation || k.digital_signature)
    }

    /// Whether the certificate may log in: digitalSignature, and clientAuth (or anyExtendedKeyUsage)
    /// when extKeyUsage is present.
    pub fn may_log_in(&self) -> bool {
        let ku = self.key_usage.is_some_and(|k| k.digital_signature);
        let eku = self.ext_key_usage.is_none_or(|e| e.client_auth || e.any);
        ku && eku
    }
}

/// Reads the string inside an otherName value (`[0] EXPLICIT` wrapping a string type).
fn other_name_string(value: &[u8]) -> Option<String> {
    let (tag, inner) = der_tlv(value)?;
    let (tag, s) = if tag == 0xa0 { der_tlv(inner)? } else { (tag, inner) };
    // UTF8String, PrintableString, IA5String
    if matches!(tag, 0x0c | 0x13 | 0x16) {
        std::str::from_utf8(s).ok().map(str::to_owned)
    } else {
        None
    }
}

/// One DER tag-length-value at the start of `input`: (tag, contents). Short and long lengths.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8])> {
    let tag = *input.first()?;
    let first = *input.get(1)?;
    let (len, start) = if first < 0x80 {
        (usize::from(first), 2usize)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for b in input.get(2..2 + n)? {
            len = (len << 8) | usize::from(*b);
        }
        (len, 2 + n)
    };
    Some((tag, input.get(start..start.checked_add(len)?)?))
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 0x0f] {
            s.push(char::from(DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0')));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_name_string_reads_explicit_utf8() {
        let v = [0xa0, 0x05, 0x0c, 0x03, b'a', b'b', b'c'];
        assert_eq!(other_name_string(&v).as_deref(), Some("abc"));
        assert_eq!(other_name_string(&[0xa0, 0x05, 0x0c]), None);
        assert_eq!(other_name_string(&[]), None);
    }
}
