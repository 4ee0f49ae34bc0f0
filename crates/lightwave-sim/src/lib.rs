//! A Lightwave simulator: the IDM (`/idm`), VMDIR (`/vmdir`) and OIDC (`/openidconnect`) REST
//! interfaces of VMware Lightwave over HTTPS, in the spirit of govmomi's vcsim. No real Lightwave
//! can run in CI, so the client and the Terraform provider are tested against this.
//!
//! What it does, following Lightwave's REST resources (vmware-archive/lightwave, `vmidentity/rest`):
//! - a system tenant (default `lightwave.local`) whose `Administrator` is a member of
//!   `Administrators`, `Users`, `SystemConfiguration.Administrators` and `TenantOperators` (the
//!   groups that grant every role the REST filter knows); `Everyone` is implicit (Lightwave
//!   computes it, it is never stored), so every token's `groups` carries `<domain>\Everyone`. A
//!   new tenant gets `Administrators`, `Users`, `TrustedUsers` and `ActAsUsers`, its administrator
//!   is in `Administrators` and `Users`; users created later are in no group until added;
//! - RS256 JWTs from `POST /openidconnect/token[/{tenant}]` (grants `password` and
//!   `refresh_token`), signed with the tenant's key: `sub`, `iss`, `aud` (the subject or
//!   `client_id`, plus every `rs_` scope), `token_class`, `token_type`, `tenant`, `scope`, `iat`,
//!   `exp`, `jti`, and `groups` as `<domain>\<Group>` (Lightwave's NETBIOS form, the domain being
//!   the tenant's system domain) when the scope has `at_groups` (ID token: `id_groups`); JWKS and
//!   discovery documents;
//! - role checks as `ResourceAccessRequest` does them: the token verified with the PATH tenant's
//!   key (the system tenant's for system-only roles), then the `groups` claim against the path
//!   tenant's domain, GuestUser < RegularUser < TrustedUser < ConfigurationUser < Administrator,
//!   ConfigurationUser and TenantOperator granted only by system-tenant groups to system-tenant
//!   subjects. A system administrator's token therefore gets 403 on another tenant's resources.
//!   401 `invalid_request` without a token, 401 `invalid_token` for a bad, expired (beyond the
//!   tenant's `clockToleranceMillis`) or non-`rs_admin_server` one, 403 `insufficient_scope` for a
//!   missing role;
//! - tenants: POST by a TenantOperator (duplicate → 400), credentials used only when both
//!   `privateKey` and `certificates` are given, else the system tenant's are copied; PUT sets only
//!   `issuer` (an absent one clears it, as Lightwave does); DELETE removes everything of it;
//! - `…/config`: GET with repeatable `?type=`; the IDM PUT changes token, provider, brand,
//!   authentication, lockout (and operators-access) policies and IGNORES `passwordPolicy`, which
//!   only `PUT /vmdir/tenant/{t}/config` changes, exactly as Lightwave's resources split it; both
//!   answer with the updated policies only. New tenants get Lightwave's defaults with the password
//!   lifetime raised to 700 days;
//! - VMDIR users (domain must be the tenant's, disabled+locked → 400, password policy enforced,
//!   PUT: details replace, `disabled` toggles, `locked: false` unlocks, `locked: true` ignored;
//!   `passwordDetails` shown only to an Administrator or the user itself; password PUT: an
//!   Administrator resets, anyone else needs `currentPassword`, token optional), groups (PUT takes
//!   only `details`: `name`/`domain`/`alias` → 501; members by `?members=&type=`, an existing
//!   member → 400, solution-user members → 501, nested parents → 501, as Lightwave), solution
//!   users (PEM certificate required and unique in the tenant; PUT replaces certificate,
//!   description and multiTenant), OIDC clients, resource servers (`rs_` names), trusted
//!   certificates;
//! - the lockout policy on failed password grants (auto-unlock after `autoUnlockIntervalSec`).
//!
//! Deviations, all deliberate:
//! - TenantOperator sits outside the role hierarchy (only `TenantOperators` grants it); putting it
//!   above Administrator would let a system operator administer every tenant, which Lightwave
//!   does not;
//! - tokens carry no `admin_server_role` claim, so the groups check always decides;
//! - access-token lifetime comes from [`SimOptions::token_lifetime`], not the tenant token policy;
//! - a policy update merges the fields given into the stored policy (Lightwave does so for the
//!   token policy; for the others it replaces whole objects);
//! - duplicates (tenant, user, group, solution user, resource server, certificate) are 400
//!   `bad_request` (Lightwave's own answer for tenants, members and certificates; for users and
//!   groups its answer depends on the identity store);
//! - passwords are stored as PBKDF2-HMAC-SHA256 (10 000 rounds) via aws-lc-rs: plenty for a
//!   simulator, not a production password store;
//! - certificates are checked for PEM and the X.509 outer DER shape, not fully parsed; trusted
//!   certificates are removed by SHA-1 or SHA-256 fingerprint (hex, any case, colons optional);
//! - an unknown path tenant is 404 `not_found` even before the token check;
//! - the HTTPS CA is new at each start (its PEM is handed out again); the state file keeps
//!   tenants, principals, policies and signing keys.
//!
//! Not simulated: identity providers, relying parties, external IdPs, federation, search,
//! diagnostics, HOK tokens, the `POST …/post/…` body-token mirrors, and the other OIDC grants.

mod api;
mod crypto;
mod oidc;
mod state;
mod wire;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// How to start a simulator.
#[derive(Clone)]
pub struct SimOptions {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Name (and domain) of the system tenant.
    pub system_tenant: String,
    /// Name of the system tenant's administrator (without the domain).
    pub admin_username: String,
    /// The administrator's password.
    pub admin_password: String,
    /// Lifetime of issued access and ID tokens.
    pub token_lifetime: Duration,
    /// Where to load and save state so it survives a restart; `None` keeps it in memory.
    pub state_file: Option<PathBuf>,
}

impl Default for SimOptions {
    /// Loopback on a free port, `Administrator@lightwave.local`, one-hour tokens, in memory.
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            system_tenant: "lightwave.local".into(),
            admin_username: "Administrator".into(),
            admin_password: "Photon!Admin1".into(),
            token_lifetime: Duration::from_secs(3600),
            state_file: None,
        }
    }
}

impl std::fmt::Debug for SimOptions {
    // The password stays out of logs and panic messages.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimOptions")
            .field("listen", &self.listen)
            .field("system_tenant", &self.system_tenant)
            .field("admin_username", &self.admin_username)
            .field("admin_password", &"<redacted>")
            .field("token_lifetime", &self.token_lifetime)
            .field("state_file", &self.state_file)
            .finish()
    }
}

/// Why the simulator could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum SimError {
    /// The listen address could not be bound.
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Key, certificate or TLS setup failed.
    Crypto(String),
    /// The state file could not be read or written.
    State {
        /// The state file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The options are unusable.
    Options(String),
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SimError::Bind { address, source } => write!(f, "cannot listen on {address}: {source}"),
            SimError::Crypto(reason) => write!(f, "crypto setup failed: {reason}"),
            SimError::State { path, reason } => {
                write!(f, "state file {}: {reason}", path.display())
            }
            SimError::Options(reason) => write!(f, "bad simulator options: {reason}"),
        }
    }
}

impl std::error::Error for SimError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SimError::Bind { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Shared state of a running simulator.
pub(crate) struct Shared {
    pub(crate) directory: Mutex<state::Directory>,
    pub(crate) options: SimOptions,
    /// `https://127.0.0.1:<port>`: base of issuers and discovery URLs.
    pub(crate) base_url: String,
}

impl Shared {
    /// Persists the directory if a state file is configured.
    pub(crate) fn persist(&self, directory: &state::Directory) -> Result<(), SimError> {
        match &self.options.state_file {
            Some(path) => directory.save(path),
            None => Ok(()),
        }
    }
}

/// A running simulator; it serves until [`Simulator::shutdown`] or drop.
pub struct Simulator {
    url: String,
    ca_pem: String,
    options: SimOptions,
    server: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("url", &self.url)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds, loads or creates the directory, and starts serving HTTPS on the current runtime.
    pub async fn start(options: SimOptions) -> Result<Simulator, SimError> {
        if options.system_tenant.trim().is_empty() || options.admin_username.trim().is_empty() {
            return Err(SimError::Options(
                "the system tenant and the administrator name must not be empty".into(),
            ));
        }
        if options.admin_username.contains('@') {
            return Err(SimError::Options(format!(
                "admin_username {:?} must be a bare name; the domain is the system tenant",
                options.admin_username
            )));
        }
        let listener =
            TcpListener::bind(options.listen)
                .await
                .map_err(|source| SimError::Bind {
                    address: options.listen,
                    source,
                })?;
        let address = listener.local_addr().map_err(|source| SimError::Bind {
            address: options.listen,
            source,
        })?;
        let url = format!("https://{address}");
        let (ca_pem, tls) = crypto::server_tls()?;

        let directory = match &options.state_file {
            Some(path) if path.exists() => state::Directory::load(path)?,
            _ => {
                let issuer = format!("{url}/openidconnect/{}", options.system_tenant);
                state::Directory::bootstrap(
                    &options.system_tenant,
                    issuer,
                    &options.admin_username,
                    &options.admin_password,
                )?
            }
        };
        let shared = Arc::new(Shared {
            directory: Mutex::new(directory),
            options: options.clone(),
            base_url: url.clone(),
        });
        {
            let directory = shared
                .directory
                .lock()
                .map_err(|_| SimError::Options("state lock poisoned".into()))?;
            shared.persist(&directory)?;
        }
        let router = api::router(Arc::clone(&shared));
        let server = tokio::spawn(serve(
            listener,
            tokio_rustls::TlsAcceptor::from(tls),
            router,
        ));
        tracing::info!(%url, tenant = %options.system_tenant, "lightwave-sim listening");
        Ok(Simulator {
            url,
            ca_pem,
            options,
            server: Some(server),
        })
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// PEM of the CA that signed the server certificate: clients verify TLS with it.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// The system tenant's name.
    pub fn system_tenant(&self) -> &str {
        &self.options.system_tenant
    }

    /// The administrator's UPN, e.g. `Administrator@lightwave.local`.
    pub fn admin_upn(&self) -> String {
        format!(
            "{}@{}",
            self.options.admin_username,
            self.options.system_tenant.to_lowercase()
        )
    }

    /// The administrator's password (as configured; a restored state keeps its own hash).
    pub fn admin_password(&self) -> &str {
        &self.options.admin_password
    }

    /// Stops serving and closes the port.
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
            // Waiting for the aborted task drops the listener and every connection first.
            let _ = server.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

// Accepts TLS connections until aborted; connections live in a JoinSet so aborting drops them too.
async fn serve(listener: TcpListener, acceptor: tokio_rustls::TlsAcceptor, router: axum::Router) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let acceptor = acceptor.clone();
                let router = router.clone();
                connections.spawn(async move {
                    let stream = match acceptor.accept(stream).await {
                        Ok(stream) => stream,
                        Err(error) => {
                            tracing::debug!(%peer, %error, "TLS handshake failed");
                            return;
                        }
                    };
                    let service = hyper_util::service::TowerToHyperService::new(router);
                    let builder = hyper_util::server::conn::auto::Builder::new(
                        hyper_util::rt::TokioExecutor::new(),
                    );
                    if let Err(error) = builder
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await
                    {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}
