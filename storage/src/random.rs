//! Randomness from the operating system, and hex: session tokens, API keys, account ids,
//! message randoms and generated passwords all come from here.

use argon2::password_hash::rand_core::{OsRng, RngCore};

pub fn bytes<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

pub fn u32() -> u32 {
    OsRng.next_u32()
}

/// `N` random bytes as 2N lowercase hex digits.
pub fn hex_token<const N: usize>() -> String {
    hex(&bytes::<N>())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
