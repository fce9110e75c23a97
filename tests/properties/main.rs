//! Property tests of the pure parsers: no input makes one panic, and each accepts exactly
//! what its rule says. Host only, `cargo test --test properties`. A property runs 256
//! cases (or `PROPTEST_CASES`) unless its block sets fewer for slower inputs.
//!
//! The oracles here are written from the rules in the doc comments, byte by byte, rather
//! than through the crate's own helpers, so a helper that drifts from its rule shows up.
//!
//! One module per domain; the strategies and oracles several domains use are in `common`,
//! and the OAuth requests and values are the unit tests' own (`src/oauth/test_fixtures.rs`,
//! included by path), so each is written once. One test binary links faster than many.

// The unit tests use all of it; these properties use most of it.
#[allow(dead_code)]
#[path = "../../src/oauth/test_fixtures.rs"]
mod oauth_fixtures;

mod accounts;
mod addresses_and_cursors;
mod authorize_token;
mod common;
mod credentials;
mod crypto;
mod every_parser;
mod keys;
mod mcp;
mod pkce;
mod redirect_uri;
mod registration;
mod time;
