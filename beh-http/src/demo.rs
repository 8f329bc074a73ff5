//! The demo PKI of beh-sign's fixtures, compiled into the binary so that `beh serve --demo`
//! runs from anywhere: trust anchor, CAs, CRLs, and every demo person's test certificates and
//! keys. Demo mode only: the keys are public test fixtures.

/// One demo person's test material (PEM).
#[derive(Debug, Clone, Copy)]
pub struct DemoPerson {
    /// HSA-id.
    pub hsa_id: &'static str,
    /// Authentication certificate.
    pub auth_certificate: Option<&'static str>,
    /// Its PKCS#8 key.
    pub auth_key: Option<&'static str>,
    /// Signature certificate.
    pub sign_certificate: Option<&'static str>,
    /// Its PKCS#8 key.
    pub sign_key: Option<&'static str>,
    /// The issuing CA.
    pub issuer: &'static str,
}

/// The test root (trust anchor).
pub const ROOT: &str = include_str!("../../beh-sign/fixtures/ca/root-ca.pem");
/// The CRLs of the test PKI.
pub const CRLS: [&str; 3] = [
    include_str!("../../beh-sign/fixtures/crl/person-ca.crl.pem"),
    include_str!("../../beh-sign/fixtures/crl/function-ca.crl.pem"),
    include_str!("../../beh-sign/fixtures/crl/root-ca.crl.pem"),
];
/// The issuing CAs.
pub const INTERMEDIATES: [&str; 2] = [
    include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    include_str!("../../beh-sign/fixtures/ca/function-ca.pem"),
];

/// Every demo person of PRODUCT.md.
pub const PERSONS: &[DemoPerson] = &[
    DemoPerson {
        hsa_id: "SE2321000131-P000000230147",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230147-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230147-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230147-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230147-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000230148",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230148-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230148-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230148-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230148-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000001349",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000001349-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000001349-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000001349-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000001349-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000230150",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230150-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230150-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230150-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230150-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000230151",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230151-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230151-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230151-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230151-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000230152",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230152-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230152-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230152-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230152-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000230153",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230153-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230153-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230153-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230153-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000001348",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000001348-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000001348-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000001348-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000001348-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000230154",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230154-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230154-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230154-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230154-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000230155",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230155-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230155-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230155-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230155-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-P000000230156",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230156-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230156-auth.key"
        )),
        sign_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230156-sign.pem"
        )),
        sign_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-P000000230156-sign.key"
        )),
        issuer: include_str!("../../beh-sign/fixtures/ca/person-ca.pem"),
    },
    DemoPerson {
        hsa_id: "SE2321000131-F000000000999",
        auth_certificate: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-F000000000999-auth.pem"
        )),
        auth_key: Some(include_str!(
            "../../beh-sign/fixtures/persons/SE2321000131-F000000000999-auth.key"
        )),
        sign_certificate: None,
        sign_key: None,
        issuer: include_str!("../../beh-sign/fixtures/ca/function-ca.pem"),
    },
];

/// The demo person with this HSA-id.
pub fn person(hsa_id: &str) -> Option<&'static DemoPerson> {
    PERSONS.iter().find(|p| p.hsa_id == hsa_id)
}

/// A signing key as GET /api/v1/demo/signing-key returns it.
#[derive(Debug, Clone)]
pub struct SigningKey {
    /// PKCS#8 PEM.
    pub private_key_pem: String,
    /// PEM certificates, leaf first.
    pub certificates_pem: Vec<String>,
}

/// The demo signing keys (demo mode only).
#[derive(Debug, Default, Clone)]
pub struct DemoKeys;

impl DemoKeys {
    /// The signature key and chain of a demo person.
    pub fn signing_key(&self, hsa_id: &beh_core::id::HsaId) -> Option<SigningKey> {
        let p = person(hsa_id.as_str())?;
        Some(SigningKey {
            private_key_pem: p.sign_key?.to_owned(),
            certificates_pem: vec![p.sign_certificate?.to_owned(), p.issuer.to_owned()],
        })
    }
}
