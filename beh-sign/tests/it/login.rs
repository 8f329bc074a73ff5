//! The client-certificate check for login.

use super::*;
use beh_sign::Problem;

#[test]
fn authentication_certificate_logs_in_and_names_the_holder() {
    let auth = fx(&format!("persons/{STEN}-auth.pem"));
    let ca = fx("ca/person-ca.pem");
    let id = verifier().verify_login(&[&auth, &ca], at()).unwrap();
    assert_eq!(id.signer_hsa_id, STEN);
    assert_eq!(id.names.given_name.as_deref(), Some("Sten"));
    assert_eq!(id.names.surname.as_deref(), Some("Lindblom"));
    assert_eq!(id.names.common_name.as_deref(), Some("Sten Lindblom"));
}

#[test]
fn signature_certificate_may_not_log_in() {
    let sign = sign_cert(STEN);
    let ca = fx("ca/person-ca.pem");
    let f = verifier().verify_login(&[&sign, &ca], at()).unwrap_err();
    assert_eq!(f.problems(), &[Problem::NotForLogin]);
}

#[test]
fn service_desk_function_certificate_logs_in() {
    let auth = fx("persons/SE2321000131-F000000000999-auth.pem");
    let ca = fx("ca/function-ca.pem");
    let id = verifier().verify_login(&[&auth, &ca], at()).unwrap();
    assert_eq!(id.signer_hsa_id, "SE2321000131-F000000000999");
}

#[test]
fn expired_or_untrusted_login_fails() {
    let ca = fx("ca/person-ca.pem");
    let auth = fx(&format!("persons/{STEN}-auth.pem"));
    let later = chrono::TimeZone::with_ymd_and_hms(&Utc, 2046, 1, 1, 0, 0, 0).unwrap();
    let f = verifier_with(Revocation::Off).verify_login(&[&auth, &ca], later).unwrap_err();
    assert_eq!(f.primary(), Code::CertificateExpired);
    let other = fx("bad/unknown-issuer.pem");
    assert_eq!(
        verifier().verify_login(&[&other], at()).unwrap_err().primary(),
        Code::CertificateUntrusted
    );
}
