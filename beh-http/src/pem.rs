//! PEM certificate blocks to DER, for forwarded client certificates.

/// Every `CERTIFICATE` block of `text`, decoded; blocks that are not valid base64 are skipped.
pub fn certificates(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let after = rest.get(start + 27..).unwrap_or_default();
        let Some(end) = after.find("-----END CERTIFICATE-----") else { break };
        if let Ok(der) = crate::util::b64_decode(after.get(..end).unwrap_or_default()) {
            out.push(der);
        }
        rest = after.get(end + 25..).unwrap_or_default();
    }
    out
}
