//! Property-based fuzzing of what the REST API reads from strangers: the UserSig decoder
//! and the request bodies. Whatever arrives, they answer (accepted, or an error code) and
//! never panic. Ignored in the normal test run; `scripts/fuzz` runs them (`PROPTEST_CASES`).

use proptest::prelude::*;
use serde_json::Value;
use server::rest::requests::{parse, AccountRequest, HistoryRequest, InfoRequest, RecallRequest, SendRequest};
use server::rest::usersig::{generate, verify};

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "(Name|Text|MsgBody|MsgType|MsgContent|From_Account|Official_Account|MsgRandom|MsgSeq|\
          ReqMsgNumber|LastMsgKey|MsgKey|OfficialAccountIDList|ResponseFilter|FaceUrl)"
            .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = "(Name|Text|MsgBody|MsgType|MsgContent|From_Account|Official_Account|OfficialAccountUserID|\
                    MsgRandom|MsgSeq|ReqMsgNumber|LastMsgKey|MsgKey|OfficialAccountIDList|ResponseFilter|\
                    FaceUrl|CustomString|Organization|Introduction|Owner_Account|MaxSubscriberNum|[a-z]{1,4})";
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(keys, inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    #[ignore = "fuzzing: run by scripts/fuzz"]
    fn usersig_decoding_never_panics(sig in any::<String>(), bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = verify(&sig, "key", 1400000000, "admin", 1_700_000_000);
        // Base64-ish text of random bytes, in the URL-safe alphabet the vendor uses.
        let packed: String = bytes.iter().map(|b| {
            const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-_";
            ALPHABET[usize::from(*b) % ALPHABET.len()] as char
        }).collect();
        let _ = verify(&packed, "key", 1400000000, "admin", 1_700_000_000);
        // A real signature, damaged in one place, is refused.
        let good = generate(1400000000, "key", "admin", 86400, 1_700_000_000);
        prop_assert!(verify(&good, "key", 1400000000, "admin", 1_700_000_000).is_ok());
        if !bytes.is_empty() {
            let at = usize::from(bytes[0]) % good.len();
            let mut damaged = good.clone().into_bytes();
            damaged[at] = if damaged[at] == b'A' { b'B' } else { b'A' };
            if let Ok(damaged) = String::from_utf8(damaged) {
                prop_assert!(damaged == good || verify(&damaged, "key", 1400000000, "admin", 1_700_000_000).is_err());
            }
        }
    }

    #[test]
    #[ignore = "fuzzing: run by scripts/fuzz"]
    fn rest_bodies_never_panic(body in json(), raw in any::<Vec<u8>>()) {
        for value in [Some(body), serde_json::from_slice::<Value>(&raw).ok()].into_iter().flatten() {
            let _ = parse::<AccountRequest>(&value);
            let _ = parse::<InfoRequest>(&value);
            let _ = parse::<SendRequest>(&value);
            let _ = parse::<HistoryRequest>(&value);
            let _ = parse::<RecallRequest>(&value);
        }
    }
}
