//! Directory tests (issue 5).
