//! PEM and DER input: certificates and CRLs arrive either way, one or many in a buffer.

use base64::Engine as _;

/// One decoded PEM block: its label (`CERTIFICATE`, `X509 CRL`, ...) and DER contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The label between `BEGIN ` and the dashes.
    pub label: String,
    /// The decoded bytes.
    pub der: Vec<u8>,
}

/// Whether `input` looks like PEM text (a `-----BEGIN ` line somewhere near the start).
pub fn is_pem(input: &[u8]) -> bool {
    let head = input.get(..input.len().min(4096)).unwrap_or(input);
    head.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Decodes every PEM block of `input`, in order. Text outside blocks (OpenSSL's "Bag Attributes"
/// and comments) is ignored; a block that does not decode is an error.
pub fn decode_all(input: &[u8]) -> Result<Vec<Block>, String> {
    let text = std::str::from_utf8(input).map_err(|_| "PEM is not UTF-8".to_owned())?;
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = rest.get(start + 11..).unwrap_or_default();
        let label_end = after.find("-----").ok_or_else(|| "PEM header without end".to_owned())?;
        let label = after.get(..label_end).unwrap_or_default().to_owned();
        let body_and_more = after.get(label_end + 5..).unwrap_or_default();
        let end_marker = format!("-----END {label}-----");
        let end = body_and_more
            .find(&end_marker)
            .ok_or_else(|| format!("PEM block {label} without END line"))?;
        let body = body_and_more.get(..end).unwrap_or_default();
        let compact: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|e| format!("PEM block {label}: {e}"))?;
        blocks.push(Block { label, der });
        rest = body_and_more.get(end + end_marker.len()..).unwrap_or_default();
    }
    if blocks.is_empty() {
        return Err("no PEM block".to_owned());
    }
    Ok(blocks)
}

/// The DER items of `input`: every block with one of `labels` if it is PEM, else `input` itself
/// as one DER item.
pub fn der_items(input: &[u8], labels: &[&str]) -> Result<Vec<Vec<u8>>, String> {
    if is_pem(input) {
        let items: Vec<Vec<u8>> = decode_all(input)?
            .into_iter()
            .filter(|b| labels.contains(&b.label.as_str()))
            .map(|b| b.der)
            .collect();
        if items.is_empty() {
            return Err(format!("no PEM block labelled {}", labels.join(" or ")));
        }
        Ok(items)
    } else {
        Ok(vec![input.to_vec()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_blocks_and_ignores_text_around_them() {
        let pem = b"Bag Attributes\n-----BEGIN CERTIFICATE-----\nAAEC\nAw==\n-----END CERTIFICATE-----\nx\n-----BEGIN X509 CRL-----\nBAU=\n-----END X509 CRL-----\n";
        let blocks = decode_all(pem).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].der, vec![0, 1, 2, 3]);
        assert_eq!(blocks[1].label, "X509 CRL");
        assert_eq!(der_items(pem, &["X509 CRL"]).unwrap(), vec![vec![4, 5]]);
    }

    #[test]
    fn rejects_broken_pem_without_panicking() {
        assert!(decode_all(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----").is_err());
        assert!(decode_all(b"-----BEGIN CERTIFICATE-----\nAAAA").is_err());
        assert!(decode_all(b"-----BEGIN ").is_err());
        assert!(decode_all(&[0xff, 0xfe]).is_err());
        assert_eq!(der_items(&[0x30, 0x00], &["CERTIFICATE"]).unwrap(), vec![vec![0x30, 0x00]]);
    }
}
