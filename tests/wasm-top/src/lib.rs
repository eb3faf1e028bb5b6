//! Nothing here: the suite is in `tests/` (see `Cargo.toml`). A package
//! needs a target besides its tests.
#![no_std]
