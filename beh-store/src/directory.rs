//! The KIV/HSA directory over LDAP (issue 5): not built yet.
