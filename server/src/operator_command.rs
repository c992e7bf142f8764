//! `server operator add|reset NAME`: manage operators from the machine the server runs on,
//! for the first operator of a team or when everyone is locked out.

use crate::Config;
use app::domain::{AuditAction, Field, NewPassword, OperatorName};
use app::error::AppError;
use storage::auth::Auth;
use storage::password::generate_password;
use storage::Actor;

pub struct Command {
    pub reset: bool,
    pub name: String,
    pub password_stdin: bool,
}

/// Splits `operator add|reset NAME [--password-stdin]` from the other arguments (which are
/// the server's usual flags, for the database location).
pub fn parse(args: Vec<String>) -> Result<(Command, Vec<String>), String> {
    let mut rest = Vec::new();
    let mut positional = Vec::new();
    let mut password_stdin = false;
    let mut args = args.into_iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--password-stdin" {
            password_stdin = true;
        } else if arg.starts_with("--") {
            let takes_value = !arg.contains('=');
            rest.push(arg);
            if takes_value {
                rest.extend(args.next());
            }
        } else {
            positional.push(arg);
        }
    }
    let reset = match positional.first().map(String::as_str) {
        Some("add") => false,
        Some("reset") => true,
        _ => return Err("operator: expected `add NAME` or `reset NAME`".into()),
    };
    let [_, name] = positional.as_slice() else {
        return Err("operator: expected exactly one operator NAME".into());
    };
    Ok((Command { reset, name: name.clone(), password_stdin }, rest))
}

pub async fn run(command: Command, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let name = OperatorName::parse(&command.name)?;
    let (password, generated) = if command.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (generate_password(), true)
    };
    let password = NewPassword::parse(Field::Password, &password)?;
    let (storage, engine) = crate::open_storage(config).await?;
    let auth = Auth::new(storage.db.clone(), config.session_idle).map_err(AppError::from)?;
    let by = Actor::ServerCommand;
    if command.reset {
        let id = storage
            .db
            .operator_id(name.as_ref())
            .await
            .map_err(AppError::from)?
            .ok_or_else(|| format!("there is no operator named {:?}", name.as_ref()))?;
        auth.set_password(id, &password, None, AuditAction::PasswordReset, &by).await.map_err(AppError::from)?;
        println!("The password of {:?} was reset and their sessions ended.", name.as_ref());
    } else {
        auth.add_operator(&name, &password, &by).await.map_err(AppError::from)?;
        println!("Operator {:?} added.", name.as_ref());
    }
    if generated {
        println!("Password (shown only now): {}", password.as_ref());
    }
    engine.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn splits_command_from_flags() {
        let (cmd, rest) = parse(args(&["operator", "add", "jane", "--data-dir", "/srv", "--password-stdin"])).unwrap();
        assert!(!cmd.reset && cmd.password_stdin);
        assert_eq!(cmd.name, "jane");
        assert_eq!(rest, args(&["--data-dir", "/srv"]));
        let (cmd, rest) = parse(args(&["operator", "reset", "--database-url=sqlite://x.db", "jane"])).unwrap();
        assert!(cmd.reset && !cmd.password_stdin);
        assert_eq!(rest, args(&["--database-url=sqlite://x.db"]));
        assert!(parse(args(&["operator", "remove", "jane"])).is_err());
        assert!(parse(args(&["operator", "add"])).is_err());
    }
}
