//! Storage operations written once for both engines.
//!
//! Each file here holds trait implementations and helpers inside [`on_both_engines!`], which
//! compiles them twice: once in a module `on_sqlite` (where `Store` is
//! [`crate::sqlite::SqliteStore`] and `Conn` is SQLite's connection) and once in `on_postgres`
//! (`Store` is [`crate::postgres::PgStore`]). sqlx infers the driver from the connection or
//! pool a query runs on, so one body serves both; statements use `$N` placeholders, which
//! both drivers bind to the N-th argument (on SQLite sqlx reads the number from the
//! parameter's name, and a number past the arguments bound is NULL, not an error: count
//! them).
//!
//! Where the engines' SQL really differs, a statement names the difference with one of the
//! fragment macros below, which each module defines for its own engine (they expand to string
//! literals, so statements stay `&'static str` built with `concat!`):
//!
//! - `for_update!()` / `for_share!()`: a row lock on PostgreSQL; nothing on SQLite, where a
//!   write transaction (`BEGIN IMMEDIATE`) already holds the database's only write lock.
//!   `skip_locked!()`: rows another transaction holds are passed over (PostgreSQL).
//! - `name_order!("col")` and `name_eq!("col", "$1")`: the one rule names are compared and
//!   ordered by. ASCII letters fold case (A = a); every other character compares by code
//!   point. SQLite's `NOCASE` does exactly that; on PostgreSQL the `ascii_fold` function
//!   (a migration) under `COLLATE "C"`, whatever the database's locale.
//! - `name_conflict!()`: the unique index that rule puts on operators' names, as an
//!   `ON CONFLICT` target.
//! - `binary_order!("col")`: code-point order for other text.
//! - `json_object!()`: the function that makes a JSON object of name, value pairs.
//! - `position!()`: the column that orders events for streams (see `crate::streams`).
//!
//! What differs beyond SQL text (how a write transaction starts, a lock serialising a set-up
//! step) is an inherent method of the same name on both stores: `begin_write` and
//! `serialize`. Operations whose whole approach differs (publishing and its batching,
//! search, the media sweep's locking) stay in `crate::sqlite` and `crate::postgres`, and the
//! shared trait implementations call them by the same method name.

/// Compiles the items given twice, once per engine (see the module's documentation).
macro_rules! on_both_engines {
    ($($item:item)*) => {
        pub(crate) mod on_sqlite {
            #![allow(unused_imports, unused_macros)]
            use super::*;
            pub(crate) type Store = crate::sqlite::SqliteStore;
            #[allow(dead_code)]
            pub(crate) type Db = sqlx::Sqlite;
            #[allow(dead_code)] // (in the files that take no connection)
            pub(crate) type Conn = sqlx::SqliteConnection;
            macro_rules! for_update { () => { "" } }
            macro_rules! for_share { () => { "" } }
            macro_rules! skip_locked { () => { "" } }
            macro_rules! name_order { ($col:literal) => { concat!($col, " COLLATE NOCASE") } }
            macro_rules! name_eq {
                ($col:literal, $value:literal) => { concat!($col, " = ", $value, " COLLATE NOCASE") }
            }
            macro_rules! name_conflict { () => { "(name)" } }
            macro_rules! binary_order { ($col:literal) => { $col } }
            macro_rules! json_object { () => { "json_object" } }
            macro_rules! position { () => { "id" } }
            $($item)*
        }
        pub(crate) mod on_postgres {
            #![allow(unused_imports, unused_macros)]
            use super::*;
            pub(crate) type Store = crate::postgres::PgStore;
            #[allow(dead_code)]
            pub(crate) type Db = sqlx::Postgres;
            #[allow(dead_code)]
            pub(crate) type Conn = sqlx::PgConnection;
            macro_rules! for_update { () => { " FOR UPDATE" } }
            macro_rules! for_share { () => { " FOR SHARE" } }
            macro_rules! skip_locked { () => { " FOR UPDATE SKIP LOCKED" } }
            macro_rules! name_order { ($col:literal) => { concat!("ascii_fold(", $col, ") COLLATE \"C\"") } }
            macro_rules! name_eq {
                ($col:literal, $value:literal) => { concat!("ascii_fold(", $col, ") = ascii_fold(", $value, ")") }
            }
            macro_rules! name_conflict { () => { "((ascii_fold(name)))" } }
            macro_rules! binary_order { ($col:literal) => { concat!($col, " COLLATE \"C\"") } }
            macro_rules! json_object { () => { "json_build_object" } }
            macro_rules! position { () => { "position" } }
            $($item)*
        }
    };
}

/// Whether a text could be stored at all: PostgreSQL text cannot hold NUL, so no stored
/// name or id has one. Both engines answer "none" for such a lookup rather than one of them
/// failing.
pub(crate) fn storable(text: &str) -> bool {
    !text.contains('\0')
}

pub(crate) mod api;
pub(crate) mod audit_log;
pub(crate) mod channels;
pub(crate) mod copy;
pub(crate) mod events;
pub(crate) mod load;
pub(crate) mod media;
pub(crate) mod operators;
pub(crate) mod posts;
pub(crate) mod sessions;
pub(crate) mod streams;
pub(crate) mod subscribers;
