//! Where written messages go: files (`.eml`, one per job, under a folder per tenant; the
//! default, for the demo, development and tests) or an SMTP server (lettre's tokio transport,
//! with STARTTLS or TLS through rustls, and credentials when configured). A send is bounded by
//! the configured timeout; how it failed decides the job's fate: a permanent refusal (an SMTP
//! 5xx answer) is [`WorkError::Permanent`], anything else (a server down, slow or answering
//! 4xx, a folder that cannot be written) is [`WorkError::Transient`] and retried.

use crate::WorkError;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use lyceum_domain::{JobId, Slug};
use std::path::PathBuf;
use std::time::Duration;

/// How messages leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// Each message written as `<folder>/<tenant slug>/<job id>.eml`.
    File {
        folder: PathBuf,
    },
    Smtp(SmtpConfig),
}

/// An SMTP server to send through.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    /// Credentials (`AUTH PLAIN` or `LOGIN`, as the server offers), when both are set.
    pub username: Option<String>,
    pub password: Option<String>,
    /// The longest a whole send (connect, greet, authenticate, transfer) may take.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| ".."))
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text: only for a relay on the same host or a trusted network.
    None,
    /// Plain text upgraded with `STARTTLS`, which the server must offer (port 587).
    StartTls,
    /// TLS from the first byte ("implicit TLS", port 465).
    Tls,
}

impl SmtpTls {
    /// The port this mode usually listens on.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::None => 25,
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
        }
    }
}

/// The transport, ready to send.
pub(crate) enum Outbox {
    Folder(PathBuf),
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        timeout: Duration,
        server: String,
    },
}

impl Outbox {
    pub(crate) fn open(transport: &MailTransport) -> Result<Outbox, String> {
        let config = match transport {
            MailTransport::File { folder } => return Ok(Outbox::Folder(folder.clone())),
            MailTransport::Smtp(config) => config,
        };
        let tls = |required: bool| {
            TlsParameters::new(config.host.clone())
                .map(|parameters| {
                    if required {
                        Tls::Required(parameters)
                    } else {
                        Tls::Wrapper(parameters)
                    }
                })
                .map_err(|e| format!("TLS for {}: {e}", config.host))
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host)
            .port(config.port)
            .timeout(Some(config.timeout))
            .tls(match config.tls {
                SmtpTls::None => Tls::None,
                SmtpTls::StartTls => tls(true)?,
                SmtpTls::Tls => tls(false)?,
            });
        if let (Some(username), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(username.clone(), password.clone()));
        }
        Ok(Outbox::Smtp {
            transport: builder.build(),
            timeout: config.timeout,
            server: format!("{}:{}", config.host, config.port),
        })
    }

    /// Sends `message`, the mail of job `job` in tenant `tenant`. A second send of the same
    /// job replaces its file (the folder transport); a server cannot take a message back.
    pub(crate) async fn send(
        &self,
        tenant: &Slug,
        job: JobId,
        message: Message,
    ) -> Result<(), WorkError> {
        match self {
            Outbox::Folder(folder) => {
                let folder = folder.join(tenant.as_str());
                let written = async {
                    tokio::fs::create_dir_all(&folder).await?;
                    // Written aside, then renamed: a reader never sees half a message.
                    let partial = folder.join(format!("{job}.eml.partial"));
                    tokio::fs::write(&partial, message.formatted()).await?;
                    tokio::fs::rename(&partial, folder.join(format!("{job}.eml"))).await
                };
                written.await.map_err(|e| {
                    WorkError::Transient(format!(
                        "the mail folder {} cannot be written: {e}",
                        folder.display()
                    ))
                })
            }
            Outbox::Smtp {
                transport,
                timeout,
                server,
            } => match tokio::time::timeout(*timeout, transport.send(message)).await {
                Err(_) => Err(WorkError::Transient(format!(
                    "the SMTP server {server} did not take the message within {timeout:?}"
                ))),
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) if e.is_permanent() => Err(WorkError::Permanent(format!(
                    "the SMTP server {server} refused the message: {e}"
                ))),
                Ok(Err(e)) => Err(WorkError::Transient(format!(
                    "the SMTP server {server} could not take the message: {e}"
                ))),
            },
        }
    }
}
