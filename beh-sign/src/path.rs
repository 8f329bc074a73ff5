//! Path building and validation: leaf → intermediates (any order, extras allowed) → a trust
//! anchor, with a budget on signature checks as rustls-webpki has, and every check of RFC 5280
//! that SITHS needs along the way.

use crate::cert::Certificate;
use crate::crl::Crl;
use crate::crypto::{PublicKey, SigAlg, VerifyError};
use crate::error::{Code, Problem};
use crate::verifier::{Policy, Revocation};
use std::sync::Arc;

/// Longest path built, anchor included (leaf, up to four intermediates, anchor).
const MAX_PATH_LEN: usize = 6;

/// What to validate.
pub(crate) struct PathInput<'a> {
    pub leaf: &'a Arc<Certificate>,
    pub intermediates: &'a [Arc<Certificate>],
    pub anchors: &'a [Arc<Certificate>],
    pub crls: &'a [Arc<Crl>],
    pub at: i64,
    pub policy: &'a Policy,
}

/// What is wrong with the best path found (empty: valid), and how long that holds.
pub(crate) struct PathOutcome {
    pub problems: Vec<Problem>,
    /// Every certificate below the anchor was checked against a current, issuer-signed CRL.
    pub revocation_checked: bool,
    /// The interval (unix seconds, inclusive start, exclusive end) in which the same result
    /// holds: certificate validity and the CRLs' thisUpdate/nextUpdate.
    pub valid_from: i64,
    pub valid_until: i64,
}

/// Builds and validates a path. `Err` when no path to an anchor exists at all, with the most
/// specific reason found.
pub(crate) fn validate(input: &PathInput<'_>) -> Result<PathOutcome, Problem> {
    let mut search =
        Search { input, budget: input.policy.max_signature_checks, best: None, best_error: None };
    let mut path = vec![Arc::clone(input.leaf)];
    search.extend(&mut path);
    match search.best {
        Some(best) => Ok(best),
        None => Err(search
            .best_error
            .unwrap_or_else(|| Problem::UnknownIssuer { issuer: input.leaf.issuer().to_owned() })),
    }
}

struct Search<'i, 'a> {
    input: &'i PathInput<'a>,
    budget: u32,
    best: Option<PathOutcome>,
    best_error: Option<Problem>,
}

impl Search<'_, '_> {
    fn record(&mut self, p: Problem) {
        let replace = self.best_error.as_ref().is_none_or(|b| p.specificity() > b.specificity());
        if replace {
            self.best_error = Some(p);
        }
    }

    /// Extends `path` from its last certificate; true once a path without problems is found.
    fn extend(&mut self, path: &mut Vec<Arc<Certificate>>) -> bool {
        let Some(tip) = path.last().cloned() else {
            return false;
        };
        if path.len() >= MAX_PATH_LEN {
            self.record(Problem::PathTooComplex);
            return false;
        }
        let mut named = false;
        let input = self.input;
        for anchor in input.anchors {
            if anchor.subject_raw != tip.issuer_raw || !key_ids_may_match(&tip, anchor) {
                continue;
            }
            named = true;
            match self.check_edge(&tip, anchor, true) {
                Ok(()) => {
                    path.push(Arc::clone(anchor));
                    let outcome = evaluate(path, input);
                    path.pop();
                    if self.consider(outcome) {
                        return true;
                    }
                }
                Err(p) => self.record(p),
            }
        }
        for cand in input.intermediates {
            if cand.subject_raw != tip.issuer_raw
                || !key_ids_may_match(&tip, cand)
                || path.iter().any(|c| c.sha256() == cand.sha256())
                || input.anchors.iter().any(|a| a.sha256() == cand.sha256())
            {
                continue;
            }
            named = true;
            match self.check_edge(&tip, cand, false) {
                Ok(()) => {
                    path.push(Arc::clone(cand));
                    let done = self.extend(path);
                    path.pop();
                    if done {
                        return true;
                    }
                }
                Err(p) => self.record(p),
            }
        }
        if !named {
            if path.len() == 1 && tip.is_self_issued() {
                self.record(Problem::SelfSigned);
            } else {
                self.record(Problem::UnknownIssuer { issuer: tip.issuer().to_owned() });
            }
        }
        false
    }

    /// Keeps the better of the current best and `outcome`; true when `outcome` is flawless.
    fn consider(&mut self, outcome: PathOutcome) -> bool {
        let perfect = outcome.problems.is_empty();
        let better = match &self.best {
            None => true,
            Some(b) => score(&outcome) < score(b),
        };
        if better {
            self.best = Some(outcome);
        }
        perfect
    }

    /// Checks that `issuer` signed `child`, within the budget and the algorithm policy.
    fn check_edge(
        &mut self,
        child: &Certificate,
        issuer: &Certificate,
        issuer_is_anchor: bool,
    ) -> Result<(), Problem> {
        match &child.sig_alg {
            SigAlg::Broken(name) => {
                return Err(Problem::WeakAlgorithm {
                    subject: child.subject().to_owned(),
                    algorithm: (*name).to_owned(),
                })
            }
            SigAlg::Unsupported(name) => {
                return Err(Problem::UnsupportedCertificateAlgorithm {
                    subject: child.subject().to_owned(),
                    algorithm: name.clone(),
                })
            }
            alg if alg.is_sha1()
                && !(issuer_is_anchor && self.input.policy.allow_sha1_from_trust_anchors) =>
            {
                return Err(Problem::WeakAlgorithm {
                    subject: child.subject().to_owned(),
                    algorithm: "SHA-1".to_owned(),
                })
            }
            _ => {}
        }
        if self.budget == 0 {
            return Err(Problem::PathTooComplex);
        }
        self.budget -= 1;
        match issuer.key.verify(&child.sig_alg, &child.tbs, &child.signature, false) {
            Ok(()) => Ok(()),
            Err(VerifyError::Invalid) => {
                Err(Problem::ChainSignatureInvalid { subject: child.subject().to_owned() })
            }
            Err(VerifyError::WeakKey(bits)) => {
                Err(Problem::WeakKey { subject: issuer.subject().to_owned(), bits })
            }
            Err(VerifyError::Unsupported(algorithm)) => {
                Err(Problem::UnsupportedCertificateAlgorithm {
                    subject: issuer.subject().to_owned(),
                    algorithm,
                })
            }
        }
    }
}

/// When both key identifiers are present they must match; otherwise names decide.
fn key_ids_may_match(child: &Certificate, issuer: &Certificate) -> bool {
    match (&child.authority_key_id, &issuer.subject_key_id) {
        (Some(a), Some(s)) => a == s,
        _ => true,
    }
}

/// Lower is better: first the number of "untrusted" problems, then all problems.
fn score(o: &PathOutcome) -> (usize, usize) {
    let untrusted = o.problems.iter().filter(|p| p.code() == Code::CertificateUntrusted).count();
    (untrusted, o.problems.len())
}

/// Every check of a complete path whose signatures already verified.
fn evaluate(path: &[Arc<Certificate>], input: &PathInput<'_>) -> PathOutcome {
    let at = input.at;
    let mut problems = Vec::new();
    let mut revocation_checked = true;
    let mut valid_from = i64::MIN;
    let mut valid_until = i64::MAX;
    let last = path.len().saturating_sub(1);
    for (i, cert) in path.iter().enumerate() {
        let is_anchor = i == last;
        valid_from = valid_from.max(cert.not_before);
        valid_until = valid_until.min(cert.not_after.saturating_add(1));
        if at < cert.not_before {
            problems.push(Problem::NotYetValid {
                subject: cert.subject().to_owned(),
                not_before: cert.not_before(),
                at: chrono::DateTime::from_timestamp(at, 0).unwrap_or_default(),
            });
        } else if at > cert.not_after {
            problems.push(Problem::Expired {
                subject: cert.subject().to_owned(),
                not_after: cert.not_after(),
                at: chrono::DateTime::from_timestamp(at, 0).unwrap_or_default(),
            });
        }
        if is_anchor {
            // A trust anchor is trusted by configuration; only its validity period and a
            // pathLenConstraint it states still apply.
            check_path_len(path, i, cert, &mut problems);
            continue;
        }
        if let Some(oid) = cert.unknown_critical.first() {
            problems.push(Problem::UnknownCriticalExtension {
                subject: cert.subject().to_owned(),
                oid: oid.clone(),
            });
        }
        if let PublicKey::WeakRsa { bits } = cert.key {
            problems.push(Problem::WeakKey { subject: cert.subject().to_owned(), bits });
        }
        if i > 0 {
            if !matches!(cert.basic_constraints, Some((true, _))) {
                problems.push(Problem::NotCa { subject: cert.subject().to_owned() });
            }
            if cert.key_usage.is_some_and(|k| !k.key_cert_sign) {
                problems.push(Problem::CaKeyUsage { subject: cert.subject().to_owned() });
            }
            check_path_len(path, i, cert, &mut problems);
        }
        if input.policy.revocation == Revocation::Off {
            revocation_checked = false;
            continue;
        }
        let Some(issuer) = path.get(i + 1) else {
            continue;
        };
        let mut checked = false;
        for crl in input.crls {
            if crl.issuer_raw != issuer.subject_raw || !crl.applies(issuer, at) {
                continue;
            }
            checked = true;
            valid_from = valid_from.max(crl.this_update);
            valid_until = valid_until.min(crl.next_update.unwrap_or(i64::MIN));
            if crl.lists(cert.serial()) {
                problems.push(Problem::Revoked {
                    subject: cert.subject().to_owned(),
                    serial: cert.serial_hex(),
                });
                break;
            }
        }
        if !checked {
            revocation_checked = false;
            if input.policy.revocation == Revocation::Required {
                problems.push(Problem::RevocationUnknown { subject: cert.subject().to_owned() });
            }
        }
    }
    PathOutcome { problems, revocation_checked, valid_from, valid_until }
}

/// pathLenConstraint of the CA at `index`: at most that many non-self-issued intermediates
/// may follow it towards the leaf (RFC 5280 §4.2.1.9).
fn check_path_len(
    path: &[Arc<Certificate>],
    index: usize,
    cert: &Certificate,
    problems: &mut Vec<Problem>,
) {
    let Some((_, Some(max))) = cert.basic_constraints else {
        return;
    };
    let below =
        path.get(1..index).unwrap_or_default().iter().filter(|c| !c.is_self_issued()).count();
    if below > usize::try_from(max).unwrap_or(usize::MAX) {
        problems.push(Problem::PathLenExceeded { subject: cert.subject().to_owned(), max });
    }
}
