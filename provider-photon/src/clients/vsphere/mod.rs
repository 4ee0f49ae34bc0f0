//! The vSphere backend: one `vim` session per provider process, opened on first use (so plans
//! that touch no vSphere resource never connect) and logged out when the provider closes.

pub mod batch;
pub mod errors;

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};

use tfsdk::Diagnostic;
use tokio::sync::OnceCell;
use vim::rest::RestClient;
use vim::{Client, ConnectOptions, Error, FaultKind};

use crate::provider_config::{Setting, VsphereSettings};

/// A lazily connected vSphere session.
#[derive(Debug)]
pub struct Vsphere {
    settings: VsphereSettings,
    client: OnceCell<Client>,
    rest: OnceCell<RestClient>,
    batches: Mutex<Vec<Arc<batch::BatchedReads>>>,
}

impl Vsphere {
    /// Not connected yet.
    pub fn new(settings: VsphereSettings) -> Self {
        Self {
            settings,
            client: OnceCell::new(),
            rest: OnceCell::new(),
            batches: Mutex::default(),
        }
    }

    /// The session, connecting on the first call. Concurrent first calls share one login; a
    /// failed login is retried by the next call.
    pub async fn client(&self) -> Result<&Client, Diagnostic> {
        self.client
            .get_or_try_init(|| async {
                let options = connect_options(&self.settings)?;
                let url = options.url.clone();
                Client::connect(options)
                    .await
                    .map_err(|error| connect_diagnostic(&url, &error))
            })
            .await
    }

    /// The vAPI REST session (tags, content library), opened on first use like the SOAP one.
    pub async fn rest(&self) -> Result<&RestClient, Diagnostic> {
        self.rest
            .get_or_try_init(|| async {
                let options = connect_options(&self.settings)?;
                let url = options.url.clone();
                RestClient::connect(options).await.map_err(|error| {
                    let hint = if error.is_unauthenticated() {
                        "check provider \"photon\" vsphere.user and vsphere.password (or VSPHERE_USER and VSPHERE_PASSWORD)"
                    } else {
                        "check provider \"photon\" vsphere.server, vsphere.ca_file and vsphere.allow_unverified_ssl"
                    };
                    Diagnostic::error(
                        "Cannot open a vSphere REST session",
                        format!("{url}: {}.\n\nHint: {hint}.", error_chain(&error)),
                    )
                })
            })
            .await
    }

    /// The process-wide batched reader of `paths` of objects of type `kind` (see [`batch`]):
    /// every resource reading the same type and paths shares one batch per refresh window.
    pub fn batched(
        &self,
        kind: &'static str,
        paths: &'static [&'static str],
    ) -> Arc<batch::BatchedReads> {
        let mut batches = self
            .batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(existing) = batches.iter().find(|reads| reads.serves(kind, paths)) {
            return existing.clone();
        }
        let reads = Arc::new(batch::BatchedReads::new(kind, paths, batch::DEFAULT_WINDOW));
        batches.push(reads.clone());
        reads
    }

    /// Forgets every batch, after a change made by this provider.
    pub fn invalidate_batches(&self) {
        for reads in self
            .batches
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            reads.invalidate();
        }
    }

    /// Logs the sessions out, if any were opened.
    pub async fn close(&self) {
        if let Some(rest) = self.rest.get()
            && let Err(error) = rest.logout().await
        {
            tracing::warn!(%error, "vSphere REST logout failed");
        }
        if let Some(client) = self.client.get() {
            let round_trips = client.round_trips();
            match client.logout().await {
                Ok(()) => tracing::debug!(round_trips, "vSphere session logged out"),
                Err(error) => tracing::warn!(%error, "vSphere logout failed"),
            }
        }
    }
}

/// The connection options for resolved settings; unknown settings cannot be used yet.
fn connect_options(settings: &VsphereSettings) -> Result<ConnectOptions, Diagnostic> {
    let unknown = |name: &str| {
        Diagnostic::error(
            "vSphere connection settings are not known yet",
            format!(
                "provider \"photon\" vsphere.{name} depends on a value known only after apply; \
                 vSphere resources cannot be planned or read until it is known."
            ),
        )
    };
    let Setting::Known(server) = &settings.server else {
        return Err(unknown("server"));
    };
    let Setting::Known(user) = &settings.user else {
        return Err(unknown("user"));
    };
    let Setting::Known(password) = &settings.password.0 else {
        return Err(unknown("password"));
    };
    let Setting::Known(insecure) = settings.allow_unverified_ssl else {
        return Err(unknown("allow_unverified_ssl"));
    };
    let Setting::Known(ca_file) = &settings.ca_file else {
        return Err(unknown("ca_file"));
    };
    let ca_pem = match ca_file {
        Some(path) => Some(std::fs::read(path).map_err(|error| {
            Diagnostic::error(
                "Cannot read the vSphere CA file",
                format!("provider \"photon\" vsphere.ca_file: reading {path:?}: {error}"),
            )
        })?),
        None => None,
    };
    Ok(ConnectOptions {
        url: server_url(server),
        username: user.clone(),
        password: password.clone(),
        ca_pem,
        insecure,
        ..ConnectOptions::default()
    })
}

/// `vc.example.com`, `host:port` or a full URL → the `/sdk` URL.
fn server_url(server: &str) -> String {
    let server = server.trim();
    if server.starts_with("https://") || server.starts_with("http://") {
        server.to_owned()
    } else {
        format!("https://{server}/sdk")
    }
}

/// A login failure explained in terms of the provider block.
fn connect_diagnostic(url: &str, error: &Error) -> Diagnostic {
    let (summary, attribute) = match error.fault().map(|fault| &fault.kind) {
        Some(FaultKind::InvalidLogin) => (
            "vSphere login failed",
            "check provider \"photon\" vsphere.user and vsphere.password (or VSPHERE_USER and VSPHERE_PASSWORD)",
        ),
        _ if matches!(error, Error::Tls { .. } | Error::LoadCa { .. }) => (
            "vSphere TLS verification failed",
            "trust the server's CA with provider \"photon\" vsphere.ca_file, or for a simulator set vsphere.allow_unverified_ssl = true",
        ),
        _ => (
            "Cannot connect to vSphere",
            "check provider \"photon\" vsphere.server (or VSPHERE_SERVER)",
        ),
    };
    Diagnostic::error(
        summary,
        format!("{url}: {}.\n\nHint: {attribute}.", error_chain(error)),
    )
}

/// An error and its causes on one line.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_servers_get_https_and_sdk() {
        assert_eq!(server_url("vc.example.com"), "https://vc.example.com/sdk");
        assert_eq!(server_url("127.0.0.1:8989"), "https://127.0.0.1:8989/sdk");
        assert_eq!(
            server_url("https://127.0.0.1:8989/sdk"),
            "https://127.0.0.1:8989/sdk"
        );
    }
}
