//! Sessions, the sign-in throttle's counts, the REST API's settings and the audit log.

use crate::common::*;
use domain::{AdminIdentifier, AuditAction, AuditPage};
use std::time::Duration;
use storage::{Conflict, Missing, StoreError};

/// The throttle's rule in these tests: from the third counted attempt on, wait a second
/// after the last one.
fn wait(_key: &str, count: u32, since_ms: i64) -> Option<Duration> {
    (count >= 3 && since_ms < 1000).then(|| Duration::from_millis((1000 - since_ms) as u64))
}

on_both! {
    async fn sessions_start_end_and_go_idle(db) {
        let op = db.add_operator(&name("op"), &hash().await, &BY).await.unwrap();
        db.start_session(op.id, "old", 100, 0, &BY).await.unwrap();
        db.start_session(op.id, "new", 200, 0, &BY).await.unwrap();
        let session = db.session("new").await.unwrap().unwrap();
        assert_eq!((session.operator_id, session.name.as_str(), session.last_seen_at), (op.id, "op", 200));
        db.touch_session("new", 250).await.unwrap();
        let touched = db.session("new").await.unwrap().unwrap();
        assert_eq!((touched.created_at, touched.last_seen_at), (200, 250), "using a session never moves its start");
        // A session idle since before the cutoff is swept by the next sign-in.
        db.start_session(op.id, "third", 300, 150, &BY).await.unwrap();
        assert!(db.session("old").await.unwrap().is_none());
        assert!(db.session("new").await.unwrap().is_some());
        // Signing out ends one session and says so in the log.
        db.end_session("new", Some(&BY)).await.unwrap();
        assert!(db.session("new").await.unwrap().is_none());
        let log = db.audit_page(None).await.unwrap();
        assert_eq!(log.entries[0].action, AuditAction::SignOut.as_str());
        // A password change ends every other session of the operator.
        db.start_session(op.id, "fourth", 400, 0, &BY).await.unwrap();
        db.set_password(op.id, &hash().await, Some("third"), AuditAction::PasswordChanged, &BY).await.unwrap();
        assert!(db.session("third").await.unwrap().is_some());
        assert!(db.session("fourth").await.unwrap().is_none());
        db.set_password(op.id, &hash().await, None, AuditAction::PasswordReset, &BY).await.unwrap();
        assert!(db.session("third").await.unwrap().is_none());
    }

    async fn the_throttle_counts_each_attempt_and_forgets(db) {
        let keys = ["ip:1".to_owned(), "name:op".to_owned()];
        for n in 0..3 {
            let answer = db.begin_attempt(&keys, 10_000 + n, 0, &wait).await.unwrap();
            assert_eq!(answer, None, "attempt {n}");
        }
        // The fourth waits for the rest of the second since the third (at 10,002 ms).
        assert_eq!(db.begin_attempt(&keys, 10_502, 0, &wait).await.unwrap(), Some(Duration::from_millis(500)));
        // Refused attempts are not counted: a second after the third it may try again.
        assert_eq!(db.begin_attempt(&keys, 11_002, 0, &wait).await.unwrap(), None);
        assert!(db.begin_attempt(&keys, 11_003, 0, &wait).await.unwrap().is_some());
        // Another address is held by the name alone; clearing the name frees it.
        let other = ["ip:2".to_owned(), "name:op".to_owned()];
        assert!(db.begin_attempt(&other, 11_004, 0, &wait).await.unwrap().is_some());
        db.clear_failures("name:op").await.unwrap();
        assert_eq!(db.begin_attempt(&other, 11_005, 0, &wait).await.unwrap(), None);
        // Counts whose last attempt is older than `forget_before` start again.
        assert_eq!(db.begin_attempt(&keys, 11_006, 11_004, &wait).await.unwrap(), None);
    }

    async fn the_device_cookie_key_is_made_once_and_shared(db) {
        let racing = (0..4).map(|n| {
            let db = db.clone();
            tokio::spawn(async move { db.device_key(&format!("candidate-{n}")).await })
        });
        let keys: Vec<String> =
            futures_util::future::join_all(racing).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        assert!(keys[0].starts_with("candidate-"), "{keys:?}");
        assert!(keys.iter().all(|k| k == &keys[0]), "one key for every server: {keys:?}");
        assert_eq!(db.device_key("later").await.unwrap(), keys[0]);
    }

    async fn attempts_racing_are_counted_one_by_one(db) {
        let keys = vec!["ip:9".to_owned(), "name:x".to_owned()];
        let racing = (0..8).map(|_| {
            let (db, keys) = (db.clone(), keys.clone());
            tokio::spawn(async move { db.begin_attempt(&keys, 50_000, 0, &wait).await })
        });
        let answers: Vec<_> =
            futures_util::future::join_all(racing).await.into_iter().map(|r| r.unwrap().unwrap()).collect();
        // Exactly three get through before the rule holds the rest.
        assert_eq!(answers.iter().filter(|a| a.is_none()).count(), 3, "{answers:?}");
    }

    async fn attempts_racing_over_stale_counts_never_fail(db) {
        // Counts from long ago on every key (they are swept while attempts hold rows):
        // attempts on overlapping keys, all at once, each answered.
        let keys = |n: u32| vec![format!("ip:{}", n % 3), format!("name:{}", n % 2)];
        for n in 0..6 {
            db.begin_attempt(&keys(n), 1_000, 0, &wait).await.unwrap();
        }
        for _round in 0..5 {
            let racing = (0..6).map(|n| {
                let db = db.clone();
                tokio::spawn(async move { db.begin_attempt(&keys(n), 1_000_000, 500_000, &wait).await })
            });
            for answer in futures_util::future::join_all(racing).await {
                assert!(matches!(answer, Ok(Ok(_))), "{answer:?}");
            }
            // Clear them for the next round, so that every round starts from stale rows.
            for n in 0..6 {
                for key in keys(n) {
                    db.clear_failures(&key).await.unwrap();
                }
                db.begin_attempt(&keys(n), 1_000, 0, &wait).await.unwrap();
            }
        }
    }

    async fn api_settings_and_administrators(db) {
        let (sdkappid, key) = db.api_credentials().await.unwrap();
        assert!((1_400_000_000..1_500_000_000).contains(&sdkappid), "{sdkappid}");
        assert_eq!(key, None);
        db.set_api_key("0123456789abcdef", &BY).await.unwrap();
        assert_eq!(db.api_credentials().await.unwrap().1.as_deref(), Some("0123456789abcdef"));

        for raw in ["zeta", "Admin", "admin", "-dash", "_x"] {
            db.add_api_admin(&AdminIdentifier::parse(raw).unwrap(), &BY).await.unwrap();
        }
        let again = db.add_api_admin(&AdminIdentifier::parse("admin").unwrap(), &BY).await;
        assert!(matches!(&again, Err(StoreError::Conflict(Conflict::AlreadyApiAdmin(a))) if a == "admin"), "{again:?}");
        let settings = db.api_settings().await.unwrap();
        assert_eq!(settings.key_hint.as_deref(), Some("cdef"));
        // Identifiers are exact (case matters) and listed in code-point order.
        assert_eq!(settings.admins, ["-dash", "Admin", "_x", "admin", "zeta"]);
        assert!(db.is_api_admin("Admin").await.unwrap());
        assert!(!db.is_api_admin("ADMIN").await.unwrap());
        assert!(!db.is_api_admin("admin\0").await.unwrap());
        db.remove_api_admin("zeta", &BY).await.unwrap();
        let gone = db.remove_api_admin("zeta", &BY).await;
        assert!(matches!(&gone, Err(StoreError::NotFound(Missing::ApiAdmin(a))) if a == "zeta"), "{gone:?}");
        let nul = db.remove_api_admin("ze\0ta", &BY).await;
        assert!(matches!(&nul, Err(StoreError::NotFound(Missing::ApiAdmin(a))) if a == "zeta"), "{nul:?}");
    }

    async fn the_audit_log_pages_newest_first(db) {
        let total = AuditPage::SIZE + 5;
        for n in 0..total {
            db.record(&BY, AuditAction::SignInFailed, &format!("try {n}")).await.unwrap();
        }
        let first = db.audit_page(None).await.unwrap();
        assert_eq!(first.entries.len(), AuditPage::SIZE);
        assert_eq!(first.entries[0].subject, format!("try {}", total - 1));
        let second = db.audit_page(first.next).await.unwrap();
        let subjects: Vec<_> = second.entries.iter().map(|e| e.subject.as_str()).collect();
        assert_eq!(subjects, ["try 4", "try 3", "try 2", "try 1", "try 0"]);
        assert_eq!(second.next, None);
    }
}
