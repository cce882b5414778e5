//! `lyceum platform-user create EMAIL`: bootstraps a platform operator (`super_admin`), who then
//! signs in at `/api/v1/platform/auth/login`.

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
}

pub async fn run(store: &Store, command: PlatformUserCommand) -> Result<()> {
    let PlatformUserCommand::Create {
        email,
        name,
        password_stdin,
    } = command;
    let email = Email::parse(&email).map_err(StoreError::from)?;
    let (secret, generated) = if password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        (line.trim_end_matches(['\r', '\n']).to_owned(), false)
    } else {
        (passwords::generate()?, true)
    };
    let password = NewPassword::choose(secret.clone()).await?;
    let user =
        platform::create_operator(store, &Operator::Console, &email, &name, &password).await?;
    println!("created platform user {} ({})", user.email, user.id);
    if generated {
        println!("password (shown once): {secret}");
    }
    Ok(())
}
