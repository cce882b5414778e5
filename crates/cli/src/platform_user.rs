//! `lyceum platform-user create EMAIL`: bootstraps a platform operator (`super_admin`), who then
//! signs in at `/api/v1/platform/auth/login`; `list`, `deactivate EMAIL` and `reactivate EMAIL`
//! manage them, `set-password EMAIL` gives one who lost theirs a new password and
//! `reset-link EMAIL` a one-time link to choose one (all audited as done from the command line).

use anyhow::Result;
use clap::Subcommand;
use lyceum_app::identity::{passwords, NewPassword};
use lyceum_app::platform::{self, Operator};
use lyceum_domain::Email;
use lyceum_store::{Store, StoreError};
use std::io::BufRead;

#[derive(Subcommand)]
pub enum PlatformUserCommand {
    /// Create a platform operator. The password is read from standard input with
    /// `--password-stdin`; otherwise a random one is generated and printed once.
    Create {
        email: String,
        #[arg(long, default_value = "Platform operator")]
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the platform operators, active or deactivated.
    List {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Deactivate a platform operator: their token is refused from their next request on.
    Deactivate { email: String },
    /// Reactivate a deactivated platform operator.
    Reactivate { email: String },
    /// Set a platform operator's password without their current one (recovery on the node).
    /// The password is read from standard input with `--password-stdin`; otherwise a random
    /// one is generated and printed once.
    SetPassword {
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give a platform operator a one-time password reset, good for an hour (their earlier
    /// unused ones stop working): its link is printed once, for you to pass on. Their sign-in,
    /// if locked by failed attempts, is unlocked by another operator in the console or the API:
    /// the lock lives in each server process, out of this command's reach.
    ResetLink {
        email: String,
        /// The server's public address, put before the console's path (`https://lms.example`).
        #[arg(long, default_value = "")]
        base: String,
    },
}

pub async fn run(store: &Store, command: PlatformUserCommand) -> Result<()> {
    match command {
        PlatformUserCommand::Create {
            email,
            name,
            password_stdin,
        } => create(store, &email, &name, password_stdin).await,
        PlatformUserCommand::List { json } => {
            let users = platform::operators(store).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&users)?);
            } else {
                for user in users {
                    println!(
                        "{}  {:<11} {}  {}",
                        user.id, user.status, user.email, user.display_name
                    );
                }
            }
            Ok(())
        }
        PlatformUserCommand::Deactivate { email } => {
            let user = operator(store, &email).await?;
            let user = platform::deactivate_operator(store, &Operator::Console, user.id).await?;
            println!("deactivated platform user {} ({})", user.email, user.id);
            Ok(())
        }
        PlatformUserCommand::SetPassword {
            email,
            password_stdin,
        } => {
            let email = Email::parse(&email).map_err(StoreError::from)?;
            let (secret, generated) = new_secret(password_stdin)?;
            let password = NewPassword::choose(secret.clone()).await?;
            let user =
                platform::set_operator_password(store, &Operator::Console, &email, &password)
                    .await?;
            println!(
                "set the password of platform user {} ({})",
                user.email, user.id
            );
            if generated {
                println!("password (shown once): {secret}");
            }
            Ok(())
        }
        PlatformUserCommand::ResetLink { email, base } => {
            let user = operator(store, &email).await?;
            let reset = platform::send_operator_reset(store, &Operator::Console, user.id).await?;
            println!(
                "a password reset for platform user {} ({}), good until {}",
                reset.platform_user.email, reset.platform_user.id, reset.expires_at
            );
            println!(
                "link (shown once): {}/platform/reset-password?token={}",
                base.trim_end_matches('/'),
                reset.token
            );
            Ok(())
        }
        PlatformUserCommand::Reactivate { email } => {
            let user = operator(store, &email).await?;
            let user = platform::reactivate_operator(store, &Operator::Console, user.id).await?;
            println!("reactivated platform user {} ({})", user.email, user.id);
            Ok(())
        }
    }
}

async fn operator(store: &Store, email: &str) -> Result<lyceum_store::PlatformUser> {
    let email = Email::parse(email).map_err(StoreError::from)?;
    Ok(platform::operator_by_email(store, &email).await?)
}

async fn create(store: &Store, email: &str, name: &str, password_stdin: bool) -> Result<()> {
    let email = Email::parse(email).map_err(StoreError::from)?;
    let (secret, generated) = new_secret(password_stdin)?;
    let password = NewPassword::choose(secret.clone()).await?;
    let user =
        platform::create_operator(store, &Operator::Console, &email, name, &password).await?;
    println!("created platform user {} ({})", user.email, user.id);
    if generated {
        println!("password (shown once): {secret}");
    }
    Ok(())
}

/// A password read from the first line of standard input, or a random one (then `true`: it
/// must be printed).
fn new_secret(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok((line.trim_end_matches(['\r', '\n']).to_owned(), false))
    } else {
        Ok((passwords::generate()?, true))
    }
}
