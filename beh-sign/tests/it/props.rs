//! Property tests: random bytes and random mutations of valid inputs never panic, and a
//! mutated chain or signature is never accepted for another signer.

use super::*;
use proptest::prelude::*;
use std::sync::OnceLock;

fn shared() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| verifier_with(Revocation::IfAvailable))
}

fn der_of(pem_path: &str) -> Vec<u8> {
    beh_sign::Certificate::parse_all(&fx(pem_path)).unwrap()[0].der().to_vec()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Truncate(usize),
    Insert(usize, u8),
}

fn mutate(mut bytes: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let n = bytes.len().max(1);
        match *m {
            Mutation::Flip(i, x) => {
                if let Some(b) = bytes.get_mut(i % n) {
                    *b ^= x.max(1);
                }
            }
            Mutation::Truncate(i) => bytes.truncate(i % n),
            Mutation::Insert(i, x) => bytes.insert((i % n).min(bytes.len()), x),
        }
    }
    bytes
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Flip(i, x)),
            any::<usize>().prop_map(Mutation::Truncate),
            (any::<usize>(), any::<u8>()).prop_map(|(i, x)| Mutation::Insert(i, x)),
        ],
        1..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(cert in prop::collection::vec(any::<u8>(), 0..2048),
                                sig in prop::collection::vec(any::<u8>(), 0..600),
                                tbs in prop::collection::vec(any::<u8>(), 0..64)) {
        let v = shared();
        let _ = v.verify_raw(&tbs, &sig, &[&cert], Some(FREDRIK), at());
        let _ = v.verify_cms(&cert, Some(&tbs), Some(FREDRIK), at());
        let _ = v.verify_cms(&sig, None, None, at());
        let _ = v.verify_login(&[&cert, &sig], at());
        let _ = beh_sign::Crl::parse_all(&cert);
        let _ = beh_sign::pem::decode_all(&cert);
        let _ = beh_sign::verify_request_json(&String::from_utf8_lossy(&cert));
    }

    #[test]
    fn mutated_chains_and_signatures_never_panic_nor_pass_as_valid(
        which in 0usize..4, muts in mutations()
    ) {
        let v = shared();
        let leaf = der_of(&format!("persons/{FREDRIK}-sign.pem"));
        let ca = der_of("ca/person-ca.pem");
        let tbs = fx("sig/tbs.bin");
        let sig = fx("sig/rsa.sig");
        let (leaf_m, ca_m, tbs_m, sig_m) = match which {
            0 => (mutate(leaf.clone(), &muts), ca.clone(), tbs.clone(), sig.clone()),
            1 => (leaf.clone(), mutate(ca.clone(), &muts), tbs.clone(), sig.clone()),
            2 => (leaf.clone(), ca.clone(), mutate(tbs.clone(), &muts), sig.clone()),
            _ => (leaf.clone(), ca.clone(), tbs.clone(), mutate(sig.clone(), &muts)),
        };
        let changed = (&leaf_m, &ca_m, &tbs_m, &sig_m) != (&leaf, &ca, &tbs, &sig);
        let r = v.verify_raw(&tbs_m, &sig_m, &[&leaf_m, &ca_m], Some(FREDRIK), at());
        if changed && which != 1 {
            // A changed leaf, TBS or signature must never verify. (A changed intermediate may
            // still leave a valid path when only unsigned bytes of it changed and ... it cannot:
            // the leaf's signature binds the issuer key, so it is not asserted separately.)
            prop_assert!(r.is_err(), "mutation {:?} of {} verified", muts, which);
        }
    }

    #[test]
    fn mutated_cms_never_panics_nor_passes(muts in mutations(), detached in any::<bool>()) {
        let v = shared();
        let (file, tbs) = if detached { ("cms/detached.der", Some(fx("sig/tbs.bin"))) } else { ("cms/enveloping.der", None) };
        let orig = fx(file);
        let m = mutate(orig.clone(), &muts);
        let r = v.verify_cms(&m, tbs.as_deref(), Some(FREDRIK), at());
        if m != orig {
            // Only bytes outside the signed parts (e.g. the unsigned certificate set order) could
            // change harmlessly; the signer's certificate, attributes and signature are all bound.
            if let Ok(ok) = &r {
                prop_assert_eq!(&ok.signer_hsa_id, FREDRIK);
            }
        }
    }
}
