//! `server operator add|reset NAME`: manage operators from the machine the server runs on,
//! for the first operator of a team or when everyone is locked out.

use crate::Config;
use app::domain::{AuditAction, Field, NewPassword, OperatorName};
use app::error::AppError;
use storage::auth::Auth;
use storage::password::generate_password;
use storage::Actor;

/// `operator add|reset NAME [--password-stdin]`, with the server's flags (for the database
/// location).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create an operator
    Add(Target),
    /// Set a new password for an operator and end their sessions
    Reset(Target),
}

#[derive(Debug, clap::Args)]
#[command(
    after_help = "The password is read from standard input with --password-stdin, otherwise generated and printed once."
)]
pub struct Target {
    /// The operator's name
    pub name: String,
    /// Read the password from standard input (one line) instead of generating one
    #[arg(long)]
    pub password_stdin: bool,
    #[command(flatten)]
    pub server: crate::config::ServerArgs,
}

impl Command {
    fn target(&self) -> &Target {
        match self {
            Command::Add(target) | Command::Reset(target) => target,
        }
    }

    pub fn server_args(&self) -> &crate::config::ServerArgs {
        &self.target().server
    }
}

pub async fn run(command: &Command, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let target = command.target();
    let name = OperatorName::parse(&target.name)?;
    let (password, generated) = if target.password_stdin {
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
    if let Command::Reset(_) = command {
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
    use super::Command;
    use crate::config::{Cli, Command as Subcommand};
    use clap::error::ErrorKind;
    use std::path::PathBuf;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_with_env(std::iter::once("server").chain(args.iter().copied()), |_| None)
    }

    #[test]
    fn takes_a_name_and_the_server_flags() {
        let cli = parse(&["operator", "add", "jane", "--data-dir", "/srv", "--password-stdin"]).unwrap();
        let Some(Subcommand::Operator(command @ Command::Add(add))) = &cli.command else { panic!("{cli:?}") };
        assert_eq!(add.name, "jane");
        assert!(add.password_stdin);
        assert_eq!(command.server_args().data_dir, PathBuf::from("/srv"));
        assert_eq!(cli.server_args().data_dir, PathBuf::from("/srv"));

        let cli = parse(&["operator", "reset", "--database-url=sqlite://x.db", "jane"]).unwrap();
        let Some(Subcommand::Operator(Command::Reset(reset))) = &cli.command else { panic!("{cli:?}") };
        assert_eq!(reset.name, "jane");
        assert!(!reset.password_stdin);
        let config = cli.server_args().to_config("127.0.0.1:3000".parse().unwrap(), None);
        assert_eq!(config.database_url, "sqlite://x.db");
    }

    #[test]
    fn wrong_uses_are_clap_errors() {
        let kind = |args: &[&str]| parse(args).unwrap_err().kind();
        assert_eq!(kind(&["operator", "remove", "jane"]), ErrorKind::InvalidSubcommand);
        assert_eq!(kind(&["operator", "add"]), ErrorKind::MissingRequiredArgument);
        assert_eq!(kind(&["operator", "add", "jane", "bob"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["operator", "add", "jane", "--password"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["operator", "add", "jane", "--max-connections", "0"]), ErrorKind::ValueValidation);
        assert_eq!(kind(&["operator"]), ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand);
        assert_eq!(kind(&["operator", "reset", "--help"]), ErrorKind::DisplayHelp);
        // The server's flags go after the subcommand, as they always have.
        assert_eq!(kind(&["--data-dir", "/srv", "operator", "add", "jane"]), ErrorKind::ArgumentConflict);
    }
}
