//! Operators: one rule for names on both engines (ASCII letters fold case, every other
//! character compares by code point, ties by id), and every error an operator change can
//! return.

use crate::common::*;
use domain::AuditAction;
use storage::{Conflict, Missing, StoreError};

on_both! {
    async fn names_are_ordered_by_one_rule(db) {
        let hash = hash().await;
        // Added in an order unlike the expected one; "émile" and "Émile" differ (only ASCII
        // letters fold), "bob" and "Bob" could not both be added.
        for raw in ["zed", "Émile", "bob", "Alice", "émile", "김철수", "alice2", "Zoë", "ángel", "_under", "Ab"] {
            db.add_operator(&name(raw), &hash, &BY).await.unwrap();
        }
        let names: Vec<String> = db.operators().await.unwrap().into_iter().map(|o| o.name).collect();
        assert_eq!(
            names,
            ["_under", "Ab", "Alice", "alice2", "bob", "zed", "Zoë", "Émile", "ángel", "émile", "김철수"]
        );
    }

    async fn names_are_unique_without_regard_to_ascii_case(db) {
        let hash = hash().await;
        db.add_operator(&name("Alice"), &hash, &BY).await.unwrap();
        let again = db.add_operator(&name("aLICE"), &hash, &BY).await;
        assert!(
            matches!(&again, Err(StoreError::Conflict(Conflict::OperatorNameTaken(n))) if n == "aLICE"),
            "{again:?}"
        );
        // Non-ASCII letters do not fold: these are two operators.
        db.add_operator(&name("ÉMILE"), &hash, &BY).await.unwrap();
        db.add_operator(&name("émile"), &hash, &BY).await.unwrap();
        assert_eq!(db.operators().await.unwrap().len(), 3);

        let alice = db.credentials("ALICE").await.unwrap().unwrap();
        assert_eq!(alice.name, "Alice");
        assert_eq!(db.operator_id("alice").await.unwrap(), Some(alice.operator_id));
        let upper = db.operator_id("ÉMILE").await.unwrap().unwrap();
        let lower = db.operator_id("émile").await.unwrap().unwrap();
        assert_ne!(upper, lower);
        assert_eq!(db.operator_id("Émile").await.unwrap(), Some(upper));
        // A name no row can hold (PostgreSQL text has no NUL) is nobody, on both.
        assert!(db.credentials("Alice\0").await.unwrap().is_none());
        assert_eq!(db.operator_id("\0").await.unwrap(), None);
    }

    async fn the_first_operator_is_added_once(db) {
        let hash = hash().await;
        let first = db.add_first_operator(&name("admin"), &hash, &BY).await.unwrap();
        assert_eq!(first.map(|o| o.name).as_deref(), Some("admin"));
        assert!(db.add_first_operator(&name("other"), &hash, &BY).await.unwrap().is_none());
        assert_eq!(db.operators().await.unwrap().len(), 1);
    }

    async fn removing_and_resetting_say_what_went_wrong(db) {
        let hash = hash().await;
        let only = db.add_operator(&name("only"), &hash, &BY).await.unwrap();
        let last = db.remove_operator(only.id, &BY).await;
        assert!(matches!(last, Err(StoreError::Conflict(Conflict::LastOperator))), "{last:?}");
        let missing = db.remove_operator(only.id + 1000, &BY).await;
        assert!(matches!(missing, Err(StoreError::NotFound(Missing::Operator))), "{missing:?}");
        let reset = db.set_password(only.id + 1000, &hash, None, AuditAction::PasswordReset, &BY).await;
        assert!(matches!(reset, Err(StoreError::NotFound(Missing::Operator))), "{reset:?}");

        let second = db.add_operator(&name("second"), &hash, &BY).await.unwrap();
        assert_eq!(db.remove_operator(only.id, &BY).await.unwrap(), "only");
        let names: Vec<String> = db.operators().await.unwrap().into_iter().map(|o| o.name).collect();
        assert_eq!(names, ["second"]);
        let last = db.remove_operator(second.id, &BY).await;
        assert!(matches!(last, Err(StoreError::Conflict(Conflict::LastOperator))), "{last:?}");
    }

    async fn removals_racing_never_leave_nobody(db) {
        let hash = hash().await;
        let mut ids = vec![];
        for n in 0..4 {
            ids.push(db.add_operator(&name(&format!("op{n}")), &hash, &BY).await.unwrap().id);
        }
        let removals = ids.iter().map(|&id| {
            let db = db.clone();
            tokio::spawn(async move { db.remove_operator(id, &BY).await })
        });
        let results = futures_util::future::join_all(removals).await;
        let removed = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
        let refused = results
            .iter()
            .filter(|r| matches!(r, Ok(Err(StoreError::Conflict(Conflict::LastOperator)))))
            .count();
        assert_eq!((removed, refused), (3, 1));
        assert_eq!(db.operators().await.unwrap().len(), 1);
    }
}
