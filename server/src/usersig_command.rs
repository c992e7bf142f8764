//! `server usersig IDENTIFIER [--expire SECS]`: prints a UserSig for calling the REST API
//! (for curl and first tries; scripts make their own with the vendor's generators).

use crate::rest::usersig;
use crate::Config;
use app::error::AppError;

/// `usersig IDENTIFIER [--expire SECS]`, with the server's flags (for the database location).
#[derive(Debug, clap::Args)]
#[command(after_help = "The UserSig is made with the application's current secret key.")]
pub struct Command {
    /// The REST API administrator to sign as
    pub identifier: String,
    /// How long the UserSig is valid, in seconds
    #[arg(long, value_name = "SECS", default_value_t = 86_400, allow_negative_numbers = true)]
    pub expire: i64,
    #[command(flatten)]
    pub server: crate::config::ServerArgs,
}

pub async fn run(command: &Command, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
    let (storage, engine) = crate::open_storage(config).await?;
    let (appid, key) = storage.db.api_credentials().await.map_err(AppError::from)?;
    let key = key.ok_or("no secret key yet: create one on the console's Settings page")?;
    if !storage.db.is_api_admin(&command.identifier).await.map_err(AppError::from)? {
        eprintln!("note: {:?} is not an administrator yet; add it on the Settings page", command.identifier);
    }
    println!("{}", usersig::generate(appid, &key, &command.identifier, command.expire, storage::clock::now()));
    engine.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::{Cli, Command as Subcommand};
    use clap::error::ErrorKind;
    use std::path::PathBuf;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_with_env(std::iter::once("server").chain(args.iter().copied()), |_| None)
    }

    #[test]
    fn takes_an_identifier_an_expiry_and_the_server_flags() {
        let cli = parse(&["usersig", "administrator", "--expire", "60", "--data-dir", "/srv"]).unwrap();
        let Some(Subcommand::Usersig(usersig)) = &cli.command else { panic!("{cli:?}") };
        assert_eq!((usersig.identifier.as_str(), usersig.expire), ("administrator", 60));
        assert_eq!(cli.server_args().data_dir, PathBuf::from("/srv"));

        let cli = parse(&["usersig", "--data-dir=/srv", "administrator"]).unwrap();
        let Some(Subcommand::Usersig(usersig)) = &cli.command else { panic!("{cli:?}") };
        assert_eq!((usersig.identifier.as_str(), usersig.expire), ("administrator", 86_400));
        // As before, any number of seconds (a negative one makes an expired UserSig).
        let cli = parse(&["usersig", "administrator", "--expire", "-1"]).unwrap();
        let Some(Subcommand::Usersig(usersig)) = &cli.command else { panic!("{cli:?}") };
        assert_eq!(usersig.expire, -1);
    }

    #[test]
    fn wrong_uses_are_clap_errors() {
        let kind = |args: &[&str]| parse(args).unwrap_err().kind();
        assert_eq!(kind(&["usersig"]), ErrorKind::MissingRequiredArgument);
        assert_eq!(kind(&["usersig", "administrator", "--expire", "soon"]), ErrorKind::ValueValidation);
        assert_eq!(kind(&["usersig", "administrator", "--expire"]), ErrorKind::InvalidValue);
        assert_eq!(kind(&["usersig", "a", "b"]), ErrorKind::UnknownArgument);
        assert_eq!(kind(&["usersig", "--help"]), ErrorKind::DisplayHelp);
    }
}
