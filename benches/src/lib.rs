//! Benchmarks of the beh workspace live in `benches/`; this library is empty on purpose.
//! Run `cargo bench -p beh-benches` and see docs/benchmarks.md.
