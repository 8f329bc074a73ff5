//! CMS (PKCS#7) SignedData as Net iD returns it in regional portals: one signer, detached or
//! enveloping `id-data` content, with or without signed attributes, the chain inside.
//!
//! Decoding uses RustCrypto's `cms` (DER only; BER with indefinite lengths is refused as
//! malformed). The signature itself is checked by [`crate::crypto`] with the signer's key.

use crate::crypto::{Hash, SigAlg};
use crate::error::Problem;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode as _, Encode as _};

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// Who signed: the SignerIdentifier of the one SignerInfo.
#[derive(Clone, Debug)]
pub(crate) enum SignerId {
    /// issuer Name DER and serial number contents.
    IssuerSerial(Vec<u8>, Vec<u8>),
    /// subjectKeyIdentifier.
    KeyId(Vec<u8>),
}

/// The parts of a SignedData this crate checks.
#[derive(Clone, Debug)]
pub(crate) struct SignedCms {
    /// The enveloped content, when not detached.
    pub content: Option<Vec<u8>>,
    /// DER of every certificate inside.
    pub certificates: Vec<Vec<u8>>,
    pub signer: SignerId,
    pub digest: Hash,
    pub sig_alg: SigAlg,
    /// DER (SET OF) of the signed attributes, and the messageDigest among them.
    pub signed_attrs: Option<(Vec<u8>, Vec<u8>)>,
    pub signature: Vec<u8>,
}

fn malformed(reason: impl Into<String>) -> Problem {
    Problem::MalformedCms { reason: reason.into() }
}

/// Decodes `der` as a ContentInfo holding SignedData with exactly one SignerInfo.
pub(crate) fn parse(der: &[u8]) -> Result<SignedCms, Problem> {
    let ci = ContentInfo::from_der(der).map_err(|e| malformed(e.to_string()))?;
    if ci.content_type.to_string() != OID_SIGNED_DATA {
        return Err(malformed("not SignedData"));
    }
    let sd = ci.content.decode_as::<SignedData>().map_err(|e| malformed(e.to_string()))?;
    let econtent_type = sd.encap_content_info.econtent_type.to_string();
    if econtent_type != OID_DATA {
        return Err(malformed(format!("content type {econtent_type}")));
    }
    let content = match &sd.encap_content_info.econtent {
        None => None,
        Some(any) => {
            let os =
                any.decode_as::<der::asn1::OctetString>().map_err(|e| malformed(e.to_string()))?;
            Some(os.as_bytes().to_vec())
        }
    };
    let mut certificates = Vec::new();
    if let Some(set) = &sd.certificates {
        for choice in set.0.iter() {
            if let cms::cert::CertificateChoices::Certificate(c) = choice {
                certificates.push(c.to_der().map_err(|e| malformed(e.to_string()))?);
            }
        }
    }
    let mut infos = sd.signer_infos.0.iter();
    let (Some(si), None) = (infos.next(), infos.next()) else {
        return Err(malformed("exactly one SignerInfo is supported"));
    };
    let signer = match &si.sid {
        SignerIdentifier::IssuerAndSerialNumber(isn) => SignerId::IssuerSerial(
            isn.issuer.to_der().map_err(|e| malformed(e.to_string()))?,
            isn.serial_number.as_bytes().to_vec(),
        ),
        SignerIdentifier::SubjectKeyIdentifier(ski) => SignerId::KeyId(ski.0.as_bytes().to_vec()),
    };
    let digest_oid = si.digest_alg.oid.to_string();
    let digest = Hash::from_oid(&digest_oid)
        .ok_or_else(|| malformed(format!("digest algorithm {digest_oid}")))?;
    let sig_oid = si.signature_algorithm.oid.to_string();
    let sig_alg = match sig_oid.as_str() {
        // Many signers name only the key type; the digest algorithm then decides.
        OID_RSA_ENCRYPTION => SigAlg::RsaPkcs1(digest),
        OID_EC_PUBLIC_KEY => SigAlg::Ecdsa(digest),
        other => SigAlg::from_oid(other),
    };
    let signed_attrs = match &si.signed_attrs {
        None => None,
        Some(attrs) => {
            let mut message_digest = None;
            let mut content_type_ok = false;
            for attr in attrs.iter() {
                let oid = attr.oid.to_string();
                let mut values = attr.values.iter();
                let (Some(value), None) = (values.next(), values.next()) else {
                    return Err(malformed(format!("attribute {oid} must have one value")));
                };
                match oid.as_str() {
                    OID_MESSAGE_DIGEST => {
                        let os = value
                            .decode_as::<der::asn1::OctetString>()
                            .map_err(|e| malformed(e.to_string()))?;
                        message_digest = Some(os.as_bytes().to_vec());
                    }
                    OID_CONTENT_TYPE => {
                        let ct = value
                            .decode_as::<der::asn1::ObjectIdentifier>()
                            .map_err(|e| malformed(e.to_string()))?;
                        content_type_ok = ct.to_string() == econtent_type;
                    }
                    _ => {}
                }
            }
            let Some(md) = message_digest else {
                return Err(malformed("signed attributes without messageDigest"));
            };
            if !content_type_ok {
                return Err(malformed("signed attributes without a matching contentType"));
            }
            let encoded = attrs.to_der().map_err(|e| malformed(e.to_string()))?;
            Some((encoded, md))
        }
    };
    Ok(SignedCms {
        content,
        certificates,
        signer,
        digest,
        sig_alg,
        signed_attrs,
        signature: si.signature.as_bytes().to_vec(),
    })
}
