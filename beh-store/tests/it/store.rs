//! Store tests (issue 4).
