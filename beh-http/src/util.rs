//! Small helpers shared by the adapters of this crate.

use base64::Engine;

/// Standard base64 (with padding).
pub fn b64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Decodes standard base64, tolerating whitespace (line breaks from PEM-ish clients).
pub fn b64_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(compact)
}

/// SHA-256, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A random id of 32 hex characters (128 bits) from the OS generator.
pub fn random_id() -> String {
    let mut buf = [0u8; 16];
    // getrandom fails only when the OS has no entropy source at all; an id of zeros would then
    // collide and be refused by the store's unique key rather than silently reused.
    let _ = getrandom::fill(&mut buf);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Makes user input safe for one log field: control characters (newlines that could forge a
/// log line) are escaped, and the text is cut at 200 characters.
pub fn log_safe(input: &str) -> String {
    input.chars().take(200).flat_map(char::escape_default).collect()
}

/// The OS random generator as beh-core's id source.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsIds;

impl beh_core::ports::IdSource for OsIds {
    fn new_id(&self) -> String {
        random_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_safe_escapes_newlines() {
        assert_eq!(log_safe("a\nINFO forged"), "a\\nINFO forged");
        assert_eq!(random_id().len(), 32);
        assert_ne!(random_id(), random_id());
    }
}
