//! Nothing here: the suites are in `tests/` (see `Cargo.toml`). A package
//! needs a target besides its tests.
#![no_std]
