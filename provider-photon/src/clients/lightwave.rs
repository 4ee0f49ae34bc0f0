//! The Lightwave backend: one token session per provider process, logged in on first use (so
//! plans that touch no Lightwave resource never connect), refreshed by the client before expiry.
//!
//! Lightwave checks roles in the tenant named in the URL: a system-tenant administrator may
//! create and delete tenants but not manage the users of another tenant. Tenant-scoped
//! resources therefore run through a provider alias logged in to that tenant; [`api_error`]
//! says so when Lightwave answers 403.

use tfsdk::Diagnostic;
use tfsdk::cty::Path;
use tokio::sync::OnceCell;

use crate::provider_config::{LightwaveSettings, Setting};

/// A lazily logged-in Lightwave session.
#[derive(Debug)]
pub struct Lightwave {
    settings: LightwaveSettings,
    client: OnceCell<lightwave::Client>,
}

impl Lightwave {
    /// Not logged in yet.
    pub fn new(settings: LightwaveSettings) -> Self {
        Self {
            settings,
            client: OnceCell::new(),
        }
    }

    /// The session, logging in on the first call. Concurrent first calls share one login; a
    /// failed login is retried by the next call.
    pub async fn client(&self) -> Result<&lightwave::Client, Diagnostic> {
        self.client
            .get_or_try_init(|| async {
                let options = connect_options(&self.settings)?;
                let endpoint = options.endpoint.clone();
                lightwave::Client::connect(options)
                    .await
                    .map_err(|error| login_diagnostic(&endpoint, &error))
            })
            .await
    }

    /// The tenant the provider logs in to: the default `tenant` of tenant-scoped resources.
    pub fn login_tenant(&self) -> Result<&str, Diagnostic> {
        match &self.settings.tenant {
            Setting::Known(tenant) => Ok(tenant),
            Setting::Unknown => Err(unknown("tenant")),
        }
    }
}

/// The client options for resolved settings; unknown settings cannot be used yet.
fn connect_options(settings: &LightwaveSettings) -> Result<lightwave::ConnectOptions, Diagnostic> {
    let Setting::Known(endpoint) = &settings.endpoint else {
        return Err(unknown("endpoint"));
    };
    let Setting::Known(tenant) = &settings.tenant else {
        return Err(unknown("tenant"));
    };
    let Setting::Known(username) = &settings.username else {
        return Err(unknown("username"));
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
    let mut options = lightwave::ConnectOptions::new(
        endpoint.trim_end_matches('/'),
        tenant.as_str(),
        username.as_str(),
        password.as_str(),
    );
    options.allow_unverified_ssl = insecure;
    options.ca_file = ca_file.as_ref().map(std::path::PathBuf::from);
    Ok(options)
}

fn unknown(name: &str) -> Diagnostic {
    Diagnostic::error(
        "Lightwave connection settings are not known yet",
        format!(
            "provider \"photon\" lightwave.{name} depends on a value known only after apply; \
             Lightwave resources cannot be planned or read until it is known."
        ),
    )
}

/// A login failure explained in terms of the provider block.
fn login_diagnostic(endpoint: &str, error: &lightwave::Error) -> Diagnostic {
    let (summary, hint) = match error {
        lightwave::Error::Auth { .. } => (
            "Lightwave login failed",
            "check provider \"photon\" lightwave.username and lightwave.password (or \
             LIGHTWAVE_USERNAME and LIGHTWAVE_PASSWORD), and that the user belongs to \
             lightwave.tenant",
        ),
        lightwave::Error::Config(_) => (
            "Invalid Lightwave connection settings",
            "check provider \"photon\" lightwave.endpoint and lightwave.ca_file",
        ),
        lightwave::Error::Http { .. } => (
            "Cannot connect to Lightwave",
            "check provider \"photon\" lightwave.endpoint (or LIGHTWAVE_ENDPOINT); for a private \
             CA or a simulator set lightwave.ca_file, or allow_unverified_ssl = true",
        ),
        _ => (
            "Lightwave login failed",
            "check provider \"photon\" lightwave.endpoint and lightwave.tenant",
        ),
    };
    Diagnostic::error(summary, format!("{endpoint}: {error}.\n\nHint: {hint}."))
}

/// A failed Lightwave call made for `action` (e.g. `creating user "jane@acme"`) in `tenant`,
/// pointing at `attribute` when the server blamed the input. A 403 explains Lightwave's
/// per-tenant roles and how to log in to the tenant.
pub fn api_error(
    client: &lightwave::Client,
    tenant: &str,
    action: &str,
    attribute: Option<Path>,
    error: &lightwave::Error,
) -> Diagnostic {
    let mut detail = format!("{action} in tenant {tenant:?}: {error}");
    let summary = match error.status() {
        Some(403) => {
            detail.push_str(&format!(
                "\n\nLightwave grants roles per tenant: the provider is logged in to tenant {:?} \
                 as {:?}, whose groups do not give the required role in tenant {tenant:?}. \
                 Manage tenant-scoped resources through a provider alias logged in to that \
                 tenant, e.g. provider \"photon\" {{ alias = \"{tenant}\" lightwave {{ tenant = \
                 \"{tenant}\" username = \"Administrator\" password = ... }} }} and `provider = \
                 photon.{tenant}` on the resource.",
                client.login_tenant(),
                client.username(),
            ));
            "Lightwave denied the operation"
        }
        Some(400) => "Lightwave rejected the request",
        Some(401) => "Lightwave rejected the token",
        Some(404) => "Lightwave object not found",
        _ => "Lightwave request failed",
    };
    let diagnostic = Diagnostic::error(summary, detail);
    match (attribute, error.status()) {
        (Some(path), Some(400 | 404)) => diagnostic.at(path),
        _ => diagnostic,
    }
}
