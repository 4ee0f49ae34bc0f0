//! Tenants, their policies and certificates (IDM).

use reqwest::Method;
use serde::Serialize;

use crate::client::{Call, require};
use crate::{
    AboutInfo, Certificate, CertificateChain, CertificateGranularity, CertificateScope, Client,
    ConfigType, Error, Tenant, TenantConfiguration,
};

/// The body of `PUT /idm/tenant/{t}`: Lightwave only changes the issuer.
#[derive(Serialize)]
struct IssuerUpdate<'a> {
    name: &'a str,
    issuer: &'a str,
}

impl Client {
    /// `GET /idm/`: product and version; needs no token, so it also probes readiness.
    pub async fn about(&self) -> Result<AboutInfo, Error> {
        self.fetch(Call::new(Method::GET, &["idm", ""]).anonymous())
            .await
    }

    /// Creates a tenant and its administrator (`username`/`password`); needs a TenantOperator
    /// login to the system tenant.
    pub async fn create_tenant(&self, tenant: &Tenant) -> Result<Tenant, Error> {
        require(&tenant.name, "the tenant name")?;
        self.fetch(Call::new(Method::POST, &["idm", "tenant"]).json(tenant)?)
            .await
    }

    /// Reads a tenant.
    pub async fn get_tenant(&self, name: &str) -> Result<Tenant, Error> {
        require(name, "the tenant name")?;
        self.fetch(Call::new(Method::GET, &["idm", "tenant", name]))
            .await
    }

    /// Changes a tenant's token issuer, the only tenant field Lightwave updates.
    pub async fn update_tenant_issuer(&self, name: &str, issuer: &str) -> Result<Tenant, Error> {
        require(name, "the tenant name")?;
        require(issuer, "the issuer")?;
        self.fetch(
            Call::new(Method::PUT, &["idm", "tenant", name])
                .json(&IssuerUpdate { name, issuer })?,
        )
        .await
    }

    /// Deletes a tenant with everything in it.
    pub async fn delete_tenant(&self, name: &str) -> Result<(), Error> {
        require(name, "the tenant name")?;
        self.run(Call::new(Method::DELETE, &["idm", "tenant", name]))
            .await
    }

    /// Reads the tenant's policies of the given types (none = all).
    pub async fn tenant_config(
        &self,
        tenant: &str,
        types: &[ConfigType],
    ) -> Result<TenantConfiguration, Error> {
        require(tenant, "the tenant name")?;
        let segments = ["idm", "tenant", tenant, "config"];
        let mut call = Call::new(Method::GET, &segments);
        for config_type in types {
            call = call.query("type", config_type.as_str());
        }
        self.fetch(call).await
    }

    /// Changes the policies present in `config`; the others stay as they are. Returns the
    /// policies that were sent, as the server now has them.
    ///
    /// Lightwave splits the writes: the password and lockout policies live in the directory and
    /// change only through `PUT /vmdir/tenant/{t}/config` (IDM's `PUT …/config` ignores them),
    /// the token, provider, brand and authentication policies through IDM's.
    pub async fn update_tenant_config(
        &self,
        tenant: &str,
        config: &TenantConfiguration,
    ) -> Result<TenantConfiguration, Error> {
        require(tenant, "the tenant name")?;
        let directory = TenantConfiguration {
            password_policy: config.password_policy.clone(),
            lockout_policy: config.lockout_policy.clone(),
            ..TenantConfiguration::default()
        };
        let identity = TenantConfiguration {
            password_policy: None,
            lockout_policy: None,
            ..config.clone()
        };
        let mut updated = TenantConfiguration::default();
        if directory != TenantConfiguration::default() {
            let answer: TenantConfiguration = self
                .fetch(
                    Call::new(Method::PUT, &["vmdir", "tenant", tenant, "config"])
                        .json(&directory)?,
                )
                .await?;
            updated.password_policy = answer.password_policy;
            updated.lockout_policy = answer.lockout_policy;
        }
        if identity != TenantConfiguration::default() {
            let answer: TenantConfiguration = self
                .fetch(
                    Call::new(Method::PUT, &["idm", "tenant", tenant, "config"]).json(&identity)?,
                )
                .await?;
            updated = TenantConfiguration {
                password_policy: updated.password_policy,
                lockout_policy: updated.lockout_policy,
                ..answer
            };
        }
        Ok(updated)
    }

    /// The tenant's certificate chains; needs no token (relying parties fetch them to verify
    /// tokens).
    pub async fn tenant_certificates(
        &self,
        tenant: &str,
        scope: CertificateScope,
        granularity: CertificateGranularity,
    ) -> Result<Vec<CertificateChain>, Error> {
        require(tenant, "the tenant name")?;
        self.fetch(
            Call::new(Method::GET, &["idm", "tenant", tenant, "certificates"])
                .query("scope", scope.as_str())
                .query("granularity", granularity.as_str())
                .anonymous(),
        )
        .await
    }

    /// Adds a trusted certificate to the tenant.
    pub async fn add_trusted_certificate(
        &self,
        tenant: &str,
        certificate: &Certificate,
    ) -> Result<(), Error> {
        require(tenant, "the tenant name")?;
        self.run(
            Call::new(Method::POST, &["idm", "tenant", tenant, "certificates"])
                .json(certificate)?,
        )
        .await
    }

    /// Removes a trusted certificate by its fingerprint.
    pub async fn remove_trusted_certificate(
        &self,
        tenant: &str,
        fingerprint: &str,
    ) -> Result<(), Error> {
        require(tenant, "the tenant name")?;
        require(fingerprint, "the certificate fingerprint")?;
        self.run(
            Call::new(Method::DELETE, &["idm", "tenant", tenant, "certificates"])
                .query("fingerprint", fingerprint),
        )
        .await
    }
}
