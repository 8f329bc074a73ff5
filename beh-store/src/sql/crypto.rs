//! Credentials at rest (R15): AES-256-GCM with a random 96-bit nonce per encryption; the order
//! number is the associated data, so a ciphertext copied to another order does not decrypt.

use super::config::CredentialKeys;
use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use beh_core::error::{Code, Error, Result};
use beh_core::id::OrderNumber;
use beh_core::order::Credentials;

/// Encrypted credentials as stored.
pub(crate) struct Sealed {
    pub key_id: String,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

fn aad(number: OrderNumber) -> Vec<u8> {
    format!("beh:credentials:{number}").into_bytes()
}

/// Encrypts with the active key.
pub(crate) fn seal(
    keys: &CredentialKeys,
    number: OrderNumber,
    credentials: &Credentials,
) -> Result<Sealed> {
    let (id, key) = keys.active();
    let Some(key) = key else {
        tracing::error!(key_id = id, "the active credential key is missing");
        return Err(Error::code(Code::Internal));
    };
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let aad = aad(number);
    let ciphertext = cipher
        .encrypt(&nonce, Payload { msg: credentials.expose().as_bytes(), aad: &aad })
        .map_err(|_| {
            tracing::error!(%number, "credential encryption failed");
            Error::code(Code::Internal)
        })?;
    Ok(Sealed { key_id: id.to_owned(), nonce: nonce.to_vec(), ciphertext })
}

/// Decrypts with the key the row names. A missing key or a failed tag check is `internal`
/// (and logged without the content): the data is there but cannot be read.
pub(crate) fn open(
    keys: &CredentialKeys,
    number: OrderNumber,
    key_id: &str,
    nonce: &[u8],
    ciphertext: &[u8],
) -> Result<Credentials> {
    let Some(key) = keys.get(key_id) else {
        tracing::error!(%number, key_id, "credentials encrypted with an unknown key id");
        return Err(Error::code(Code::Internal));
    };
    if nonce.len() != 12 {
        tracing::error!(%number, "stored credential nonce has the wrong length");
        return Err(Error::code(Code::Internal));
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let aad = aad(number);
    let plain = cipher
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ciphertext, aad: &aad })
        .map_err(|_| {
            tracing::error!(%number, key_id, "credentials do not decrypt (wrong key or tampered)");
            Error::code(Code::Internal)
        })?;
    let text = String::from_utf8(plain).map_err(|_| Error::code(Code::Internal))?;
    Ok(Credentials::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_rotation_and_binding() {
        let n = OrderNumber::from_number(7).unwrap();
        let old = CredentialKeys::single("k1", [1; 32]);
        let sealed = seal(&old, n, &Credentials::new("user: x / pw: y")).unwrap();
        assert_eq!(sealed.key_id, "k1");
        assert!(!sealed.ciphertext.windows(2).any(|w| w == b"pw"));
        let rotated = CredentialKeys::single("k2", [2; 32]).with_key("k1", [1; 32]);
        let back = open(&rotated, n, "k1", &sealed.nonce, &sealed.ciphertext).unwrap();
        assert_eq!(back.expose(), "user: x / pw: y");
        let other = OrderNumber::from_number(8).unwrap();
        assert!(open(&rotated, other, "k1", &sealed.nonce, &sealed.ciphertext).is_err());
        assert!(open(
            &CredentialKeys::single("k2", [2; 32]),
            n,
            "k1",
            &sealed.nonce,
            &sealed.ciphertext
        )
        .is_err());
        let again = seal(&old, n, &Credentials::new("user: x / pw: y")).unwrap();
        assert_ne!(again.nonce, sealed.nonce);
    }
}
