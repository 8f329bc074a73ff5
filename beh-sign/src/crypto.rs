//! Public keys and signature algorithms: the only place that calls `rsa`, `p256` and `p384`.
//! Verification only; no private-key operation of `rsa` is reachable from here
//! (RUSTSEC-2023-0071, see docs/security.md).

use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use rsa::pkcs8::DecodePublicKey as _;
use sha2::Digest as _;

/// Smallest RSA modulus accepted anywhere (SITHS issues 2048 bits and more).
pub const MIN_RSA_BITS: usize = 2048;

/// A digest algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hash {
    /// SHA-1: refused unless the policy allows it for signatures made by a trust anchor.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl Hash {
    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// The digest algorithm named by an OID (dotted), if supported.
    pub fn from_oid(oid: &str) -> Option<Hash> {
        match oid {
            "1.3.14.3.2.26" => Some(Hash::Sha1),
            "2.16.840.1.101.3.4.2.1" => Some(Hash::Sha256),
            "2.16.840.1.101.3.4.2.2" => Some(Hash::Sha384),
            "2.16.840.1.101.3.4.2.3" => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Hash::Sha1 => "SHA-1",
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }
}

/// A signature algorithm as named by an AlgorithmIdentifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigAlg {
    /// RSASSA-PKCS1-v1_5 with this digest.
    RsaPkcs1(Hash),
    /// ECDSA with this digest.
    Ecdsa(Hash),
    /// Never accepted, whatever the policy (MD5, MD2).
    Broken(&'static str),
    /// Not implemented here (DSA, EdDSA, RSASSA-PSS, ...): a clear error, not a panic.
    Unsupported(String),
}

impl SigAlg {
    /// The signature algorithm of a dotted OID.
    pub fn from_oid(oid: &str) -> SigAlg {
        match oid {
            "1.2.840.113549.1.1.11" => SigAlg::RsaPkcs1(Hash::Sha256),
            "1.2.840.113549.1.1.12" => SigAlg::RsaPkcs1(Hash::Sha384),
            "1.2.840.113549.1.1.13" => SigAlg::RsaPkcs1(Hash::Sha512),
            "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => SigAlg::RsaPkcs1(Hash::Sha1),
            "1.2.840.10045.4.3.2" => SigAlg::Ecdsa(Hash::Sha256),
            "1.2.840.10045.4.3.3" => SigAlg::Ecdsa(Hash::Sha384),
            "1.2.840.10045.4.3.4" => SigAlg::Ecdsa(Hash::Sha512),
            "1.2.840.10045.4.1" => SigAlg::Ecdsa(Hash::Sha1),
            "1.2.840.113549.1.1.4" => SigAlg::Broken("MD5"),
            "1.2.840.113549.1.1.2" => SigAlg::Broken("MD2"),
            "1.2.840.113549.1.1.3" => SigAlg::Broken("MD4"),
            other => SigAlg::Unsupported(algorithm_name(other)),
        }
    }

    /// Whether this algorithm uses SHA-1.
    pub fn is_sha1(&self) -> bool {
        matches!(self, SigAlg::RsaPkcs1(Hash::Sha1) | SigAlg::Ecdsa(Hash::Sha1))
    }

    /// A human-readable name.
    pub fn name(&self) -> String {
        match self {
            SigAlg::RsaPkcs1(h) => format!("RSA PKCS#1 v1.5 med {}", h.name()),
            SigAlg::Ecdsa(h) => format!("ECDSA med {}", h.name()),
            SigAlg::Broken(n) => format!("RSA med {n}"),
            SigAlg::Unsupported(n) => n.clone(),
        }
    }
}

/// A readable name for OIDs of algorithms we refuse, so that the message says "DSA", not digits.
pub fn algorithm_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.10040.4.1" => "DSA",
        "1.2.840.10040.4.3" => "DSA med SHA-1",
        "2.16.840.1.101.3.4.3.1" => "DSA med SHA-224",
        "2.16.840.1.101.3.4.3.2" => "DSA med SHA-256",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.3.101.110" => "X25519",
        "1.3.101.111" => "X448",
        "1.2.840.113549.1.1.10" => "RSASSA-PSS",
        "1.2.840.113549.1.1.14" => "RSA med SHA-224",
        "1.2.840.10045.4.3.1" => "ECDSA med SHA-224",
        _ => return format!("OID {oid}"),
    };
    name.to_owned()
}

/// A subject public key this crate can verify with, or the name of one it cannot.
#[derive(Clone, Debug)]
pub enum PublicKey {
    /// RSA, with its modulus length in bits.
    Rsa {
        /// The key.
        key: Box<rsa::PublicKey>,
        /// Modulus length in bits.
        bits: usize,
    },
    /// ECDSA on P-256.
    P256(p256::ecdsa::VerifyingKey),
    /// ECDSA on P-384.
    P384(p384::ecdsa::VerifyingKey),
    /// An RSA key under [`MIN_RSA_BITS`]; never used to verify anything.
    WeakRsa {
        /// Modulus length in bits.
        bits: usize,
    },
    /// A key we do not verify with (DSA, Ed448, another curve, ...), by name.
    Unsupported(String),
}

/// Why a signature did not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// The signature is wrong (or malformed) for this key and message.
    Invalid,
    /// The key or algorithm is not supported, or they do not belong together.
    Unsupported(String),
    /// The key is too weak to be used.
    WeakKey(usize),
}

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";

impl PublicKey {
    /// Decodes a SubjectPublicKeyInfo. Never fails: what cannot be used becomes `Unsupported`.
    pub fn from_spki(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> PublicKey {
        let alg = spki.algorithm.algorithm.to_id_string();
        match alg.as_str() {
            OID_RSA => {
                let bits = match spki.parsed() {
                    Ok(x509_parser::public_key::PublicKey::RSA(k)) => modulus_bits(k.modulus),
                    _ => return PublicKey::Unsupported("RSA (felaktigt kodad nyckel)".to_owned()),
                };
                if bits < MIN_RSA_BITS {
                    return PublicKey::WeakRsa { bits };
                }
                match rsa::PublicKey::from_public_key_der(spki.raw) {
                    Ok(key) => PublicKey::Rsa { key: Box::new(key), bits },
                    Err(_) => PublicKey::Unsupported(format!("RSA {bits} bitar")),
                }
            }
            OID_EC => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string())
                    .unwrap_or_default();
                let point = spki.subject_public_key.data.as_ref();
                match curve.as_str() {
                    OID_P256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map(PublicKey::P256)
                        .unwrap_or_else(|_| PublicKey::Unsupported("P-256 (ogiltig punkt)".into())),
                    OID_P384 => p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                        .map(PublicKey::P384)
                        .unwrap_or_else(|_| PublicKey::Unsupported("P-384 (ogiltig punkt)".into())),
                    other => PublicKey::Unsupported(format!("EC-kurva {other}")),
                }
            }
            other => PublicKey::Unsupported(algorithm_name(other)),
        }
    }

    /// Verifies `signature` over `message` with algorithm `alg`. `raw_ecdsa` also accepts an
    /// ECDSA signature as fixed-size `r‖s` (what WebCrypto produces) besides DER.
    pub fn verify(
        &self,
        alg: &SigAlg,
        message: &[u8],
        signature: &[u8],
        raw_ecdsa: bool,
    ) -> Result<(), VerifyError> {
        let hash = match alg {
            SigAlg::RsaPkcs1(h) | SigAlg::Ecdsa(h) => *h,
            SigAlg::Broken(n) => return Err(VerifyError::Unsupported((*n).to_owned())),
            SigAlg::Unsupported(n) => return Err(VerifyError::Unsupported(n.clone())),
        };
        let digest = hash.digest(message);
        self.verify_digest(alg, &digest, signature, raw_ecdsa)
    }

    /// Like [`PublicKey::verify`] over an already computed digest of the algorithm's hash.
    pub fn verify_digest(
        &self,
        alg: &SigAlg,
        digest: &[u8],
        signature: &[u8],
        raw_ecdsa: bool,
    ) -> Result<(), VerifyError> {
        match (self, alg) {
            (PublicKey::WeakRsa { bits }, _) => Err(VerifyError::WeakKey(*bits)),
            (PublicKey::Unsupported(n), _) => Err(VerifyError::Unsupported(n.clone())),
            (PublicKey::Rsa { key, .. }, SigAlg::RsaPkcs1(h)) => {
                let scheme = match h {
                    Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
                    Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
                    Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
                    Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
                };
                key.verify(scheme, digest, signature).map_err(|_| VerifyError::Invalid)
            }
            (PublicKey::P256(key), SigAlg::Ecdsa(_)) => {
                let sig = p256::ecdsa::Signature::from_der(signature).or_else(|e| {
                    if raw_ecdsa {
                        p256::ecdsa::Signature::from_slice(signature)
                    } else {
                        Err(e)
                    }
                });
                let sig = sig.map_err(|_| VerifyError::Invalid)?;
                key.verify_prehash(digest, &sig).map_err(|_| VerifyError::Invalid)
            }
            (PublicKey::P384(key), SigAlg::Ecdsa(_)) => {
                let sig = p384::ecdsa::Signature::from_der(signature).or_else(|e| {
                    if raw_ecdsa {
                        p384::ecdsa::Signature::from_slice(signature)
                    } else {
                        Err(e)
                    }
                });
                let sig = sig.map_err(|_| VerifyError::Invalid)?;
                key.verify_prehash(digest, &sig).map_err(|_| VerifyError::Invalid)
            }
            (key, alg) => Err(VerifyError::Unsupported(format!(
                "{} med en {}-nyckel",
                alg.name(),
                key.name()
            ))),
        }
    }

    /// The signature algorithm to use for a raw signature made with this key: RSASSA-PKCS1-v1_5
    /// with SHA-256 for RSA, ECDSA with SHA-256 on P-256 and SHA-384 on P-384 (C-ABI.md).
    pub fn raw_signature_alg(&self) -> SigAlg {
        match self {
            PublicKey::Rsa { .. } | PublicKey::WeakRsa { .. } => SigAlg::RsaPkcs1(Hash::Sha256),
            PublicKey::P256(_) => SigAlg::Ecdsa(Hash::Sha256),
            PublicKey::P384(_) => SigAlg::Ecdsa(Hash::Sha384),
            PublicKey::Unsupported(n) => SigAlg::Unsupported(n.clone()),
        }
    }

    /// A short name of the key type.
    pub fn name(&self) -> String {
        match self {
            PublicKey::Rsa { bits, .. } | PublicKey::WeakRsa { bits } => format!("RSA {bits}"),
            PublicKey::P256(_) => "P-256".to_owned(),
            PublicKey::P384(_) => "P-384".to_owned(),
            PublicKey::Unsupported(n) => n.clone(),
        }
    }
}

/// Bit length of a big-endian unsigned integer (leading zero bytes ignored).
fn modulus_bits(be: &[u8]) -> usize {
    let mut it = be.iter().skip_while(|b| **b == 0);
    match it.next() {
        None => 0,
        Some(first) => (8 - first.leading_zeros() as usize) + 8 * it.count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_bits_ignores_leading_zeros() {
        assert_eq!(modulus_bits(&[0, 0x80, 0]), 16);
        assert_eq!(modulus_bits(&[0x01]), 1);
        assert_eq!(modulus_bits(&[]), 0);
    }

    #[test]
    fn unsupported_algorithms_have_readable_names() {
        assert_eq!(SigAlg::from_oid("1.3.101.113"), SigAlg::Unsupported("Ed448".into()));
        assert_eq!(SigAlg::from_oid("1.2.840.113549.1.1.4"), SigAlg::Broken("MD5"));
        assert!(SigAlg::from_oid("1.2.840.113549.1.1.5").is_sha1());
    }
}
