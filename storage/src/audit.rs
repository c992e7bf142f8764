//! Who did something, as the audit log records it. Every change a store function makes
//! writes its entry in the same transaction as the change, from the actor it is given.

use std::net::IpAddr;

/// The one who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// An operator signed in to the console, from an address (when known).
    Operator { name: String, address: Option<IpAddr> },
    /// Someone who tried to sign in as the operator `name`, or under a name that is no
    /// operator's ([`Actor::UNKNOWN_NAME`]).
    SignInAttempt { name: String, address: Option<IpAddr> },
    /// A REST API call, signed by this administrator identifier, from an address (when
    /// known).
    Api { identifier: String, address: Option<IpAddr> },
    /// An app user acting on their own subscriptions through the subscribers' API, signed
    /// in with their own UserSig, from a platform (the vendor's `OptPlatform`) and address.
    Subscriber { account: String, platform: &'static str, address: Option<IpAddr> },
    /// A command run on the server's machine (`server operator ...`, first start).
    ServerCommand,
}

impl Actor {
    /// Names are kept to a sane length in the log.
    const MAX_TRIED_NAME_CHARS: usize = 64;

    /// What the log's "operator" column holds for a failed sign-in under a name that is no
    /// operator's. What was typed is not kept: it may well be a password typed into the
    /// name field, and every operator reads the log. (No operator name can be this: names
    /// have no spaces or brackets.) The audit page says it in the reader's language.
    pub const UNKNOWN_NAME: &'static str = "(unknown name)";

    /// Someone who tried to sign in as `operator` (the name as stored, when the name typed
    /// is an operator's), or under a name that is no operator's (`None`). The name reaches
    /// the log only without control and bidirectional-override characters (which could
    /// forge or reorder what an operator reads there), trimmed to a sane length.
    pub fn sign_in_attempt(operator: Option<&str>, address: Option<IpAddr>) -> Self {
        let Some(operator) = operator else {
            return Actor::SignInAttempt { name: Self::UNKNOWN_NAME.to_owned(), address };
        };
        let name = operator.chars().filter(|c| !is_hidden_control(*c)).collect::<String>();
        let name = name.trim().chars().take(Self::MAX_TRIED_NAME_CHARS).collect();
        Actor::SignInAttempt { name, address }
    }

    /// As the log's "operator" column shows it.
    pub fn label(&self) -> String {
        match self {
            Actor::Operator { name, .. } | Actor::SignInAttempt { name, .. } => name.clone(),
            Actor::Api { identifier, .. } => format!("api:{identifier}"),
            Actor::Subscriber { account, .. } => format!("user:{account}"),
            Actor::ServerCommand => "server".to_owned(),
        }
    }

    /// The client address, as the log's "address" column shows it (empty when none).
    pub fn address(&self) -> String {
        match self {
            Actor::Operator { address, .. }
            | Actor::SignInAttempt { address, .. }
            | Actor::Api { address, .. }
            | Actor::Subscriber { address, .. } => address.map(|a| a.to_string()).unwrap_or_default(),
            Actor::ServerCommand => String::new(),
        }
    }
}

/// Control characters and the invisible marks that change how text around them is shown.
fn is_hidden_control(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        let at = Some(IpAddr::from([127, 0, 0, 1]));
        assert_eq!(Actor::Operator { name: "jane".into(), address: at }.label(), "jane");
        assert_eq!(Actor::Operator { name: "jane".into(), address: at }.address(), "127.0.0.1");
        assert_eq!(Actor::Api { identifier: "bot".into(), address: None }.label(), "api:bot");
        assert_eq!(Actor::ServerCommand.label(), "server");
        assert_eq!(Actor::sign_in_attempt(Some(&"x".repeat(100)), None).label().len(), 64);
        let forged = Actor::sign_in_attempt(Some("admin\u{202E}nimda\n2026-01-01 root\u{0}\u{2066}"), None);
        assert_eq!(forged.label(), "adminnimda2026-01-01 root");
        assert_eq!(Actor::sign_in_attempt(None, at).label(), Actor::UNKNOWN_NAME);
        assert_eq!(Actor::sign_in_attempt(None, at).address(), "127.0.0.1");
        assert!(domain::OperatorName::parse(Actor::UNKNOWN_NAME).is_err(), "no operator can be called so");
    }
}
