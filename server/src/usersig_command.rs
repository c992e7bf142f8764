//! `server usersig IDENTIFIER [--expire SECS]`: prints a UserSig for calling the REST API
//! (for curl and first tries; scripts make their own with the vendor's generators).

use crate::rest::usersig;
use crate::Config;
use app::error::AppError;

pub struct Command {
    pub identifier: String,
    pub expire: i64,
}

/// Splits `usersig IDENTIFIER [--expire SECS]` from the server's usual flags.
pub fn parse(args: Vec<String>) -> Result<(Command, Vec<String>), String> {
    let mut rest = Vec::new();
    let mut identifier = None;
    let mut expire = 86_400;
    let mut args = args.into_iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--expire" {
            let value = args.next().ok_or("--expire needs a number of seconds")?;
            expire = value.parse().map_err(|_| format!("--expire {value:?} is not a number of seconds"))?;
        } else if arg.starts_with("--") {
            let takes_value = !arg.contains('=');
            rest.push(arg);
            if takes_value {
                rest.extend(args.next());
            }
        } else if identifier.is_none() {
            identifier = Some(arg);
        } else {
            return Err(format!("usersig: unexpected argument {arg:?}"));
        }
    }
    let identifier = identifier.ok_or("usersig: expected an administrator IDENTIFIER")?;
    Ok((Command { identifier, expire }, rest))
}

pub async fn run(command: Command, config: &Config) -> Result<(), Box<dyn std::error::Error>> {
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
