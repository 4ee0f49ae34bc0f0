//! Client for VMware Lightwave, the identity server of Photon Platform: its IDM and VMDIR REST
//! APIs (tenants, tenant policies, certificates, users, groups, solution users, OIDC clients,
//! resource servers) and the OIDC token endpoint they are guarded by.
//!
//! # Authentication
//!
//! [`Client::connect`] logs in with the OIDC password grant at
//! `POST {endpoint}/openidconnect/token/{tenant}` asking for the scopes
//! `openid offline_access id_groups at_groups rs_admin_server`, so wrong credentials or an
//! unreachable server fail at once ([`Error::Auth`], [`Error::Http`]). Every call then sends the
//! access token as `Authorization: Bearer …`. The token's expiry is read from its `exp` claim
//! (the signature is left to the server); shortly before it expires (10 % of its lifetime, at
//! least 30 s, at most half) the client renews it with the refresh-token grant, falling back to
//! the password grant when the refresh token is refused. Concurrent calls share one renewal. A
//! call answered 401 renews the token once and is replayed once. A server clock more than
//! 5 minutes off is reported with a warning, as it is the usual cause of "token expired" errors.
//!
//! Roles come from the login tenant's groups: creating tenants needs a TenantOperator of the
//! system tenant, while work inside tenant `acme` needs a login to `acme` as one of its
//! administrators.
//!
//! TLS is verified against the built-in roots plus, optionally, a CA file
//! ([`ConnectOptions::ca_file`]); [`ConnectOptions::allow_unverified_ssl`] turns verification off
//! for simulators. Passwords, private keys and tokens are never logged and are redacted in
//! `Debug`.
//!
//! # Example
//!
//! ```no_run
//! # async fn example() -> Result<(), lightwave::Error> {
//! use lightwave::{Client, ConnectOptions, Group, GroupDetails, MemberType};
//!
//! let mut options = ConnectOptions::new(
//!     "https://lightwave.example.com",
//!     "lightwave.local",
//!     "Administrator",
//!     "secret",
//! );
//! options.ca_file = Some("/etc/lightwave/ca.pem".into());
//! let client = Client::connect(options).await?;
//!
//! let group = Group {
//!     name: "operators".into(),
//!     domain: "lightwave.local".into(),
//!     details: Some(GroupDetails { description: Some("on call".into()) }),
//!     ..Default::default()
//! };
//! client.create_group("lightwave.local", &group).await?;
//! client
//!     .add_group_members("lightwave.local", &group.upn(), MemberType::User, &["jane@lightwave.local"])
//!     .await?;
//! match client.get_group("lightwave.local", "gone@lightwave.local").await {
//!     Err(error) if error.is_not_found() => println!("already deleted"),
//!     other => println!("{other:?}"),
//! }
//! # Ok(())
//! # }
//! ```

mod client;
mod error;
pub mod fuzzing;
mod model;
mod oidc;
mod principals;
mod tenants;
mod token;

pub use client::{Client, ConnectOptions};
pub use error::{ApiErrorKind, Error};
pub use model::{
    AboutInfo, Certificate, CertificateChain, CertificateGranularity, CertificateScope, ConfigType,
    Group, GroupDetails, LockoutPolicy, MemberType, OidcClient, OidcClientMetadata,
    PasswordDetails, PasswordPolicy, Principal, PrivateKey, ResourceServer, SearchResult,
    SolutionUser, Tenant, TenantConfiguration, TenantCredentials, TokenPolicy, User, UserDetails,
};
