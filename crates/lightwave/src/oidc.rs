//! OIDC clients and resource servers (IDM).

use reqwest::Method;

use crate::client::{Call, require};
use crate::{Client, Error, OidcClient, OidcClientMetadata, ResourceServer};

impl Client {
    /// Registers an OIDC client; the server assigns its `client_id`.
    pub async fn create_oidc_client(
        &self,
        tenant: &str,
        metadata: &OidcClientMetadata,
    ) -> Result<OidcClient, Error> {
        require(tenant, "the tenant name")?;
        self.fetch(
            Call::new(Method::POST, &["idm", "tenant", tenant, "oidcclient"]).json(metadata)?,
        )
        .await
    }

    /// Reads an OIDC client.
    pub async fn get_oidc_client(
        &self,
        tenant: &str,
        client_id: &str,
    ) -> Result<OidcClient, Error> {
        require(tenant, "the tenant name")?;
        require(client_id, "the OIDC client id")?;
        self.fetch(Call::new(
            Method::GET,
            &["idm", "tenant", tenant, "oidcclient", client_id],
        ))
        .await
    }

    /// Lists the tenant's OIDC clients.
    pub async fn list_oidc_clients(&self, tenant: &str) -> Result<Vec<OidcClient>, Error> {
        require(tenant, "the tenant name")?;
        self.fetch(Call::new(
            Method::GET,
            &["idm", "tenant", tenant, "oidcclient"],
        ))
        .await
    }

    /// Replaces an OIDC client's registration.
    pub async fn update_oidc_client(
        &self,
        tenant: &str,
        client_id: &str,
        metadata: &OidcClientMetadata,
    ) -> Result<OidcClient, Error> {
        require(tenant, "the tenant name")?;
        require(client_id, "the OIDC client id")?;
        self.fetch(
            Call::new(
                Method::PUT,
                &["idm", "tenant", tenant, "oidcclient", client_id],
            )
            .json(metadata)?,
        )
        .await
    }

    /// Deletes an OIDC client.
    pub async fn delete_oidc_client(&self, tenant: &str, client_id: &str) -> Result<(), Error> {
        require(tenant, "the tenant name")?;
        require(client_id, "the OIDC client id")?;
        self.run(Call::new(
            Method::DELETE,
            &["idm", "tenant", tenant, "oidcclient", client_id],
        ))
        .await
    }

    /// Creates a resource server (its name must start with `rs_`).
    pub async fn create_resource_server(
        &self,
        tenant: &str,
        server: &ResourceServer,
    ) -> Result<ResourceServer, Error> {
        require(tenant, "the tenant name")?;
        require(&server.name, "the resource server name")?;
        self.fetch(
            Call::new(Method::POST, &["idm", "tenant", tenant, "resourceserver"]).json(server)?,
        )
        .await
    }

    /// Reads a resource server.
    pub async fn get_resource_server(
        &self,
        tenant: &str,
        name: &str,
    ) -> Result<ResourceServer, Error> {
        require(tenant, "the tenant name")?;
        require(name, "the resource server name")?;
        self.fetch(Call::new(
            Method::GET,
            &["idm", "tenant", tenant, "resourceserver", name],
        ))
        .await
    }

    /// Lists the tenant's resource servers.
    pub async fn list_resource_servers(&self, tenant: &str) -> Result<Vec<ResourceServer>, Error> {
        require(tenant, "the tenant name")?;
        self.fetch(Call::new(
            Method::GET,
            &["idm", "tenant", tenant, "resourceserver"],
        ))
        .await
    }

    /// Replaces a resource server's group filter.
    pub async fn update_resource_server(
        &self,
        tenant: &str,
        name: &str,
        server: &ResourceServer,
    ) -> Result<ResourceServer, Error> {
        require(tenant, "the tenant name")?;
        require(name, "the resource server name")?;
        self.fetch(
            Call::new(
                Method::PUT,
                &["idm", "tenant", tenant, "resourceserver", name],
            )
            .json(server)?,
        )
        .await
    }

    /// Deletes a resource server.
    pub async fn delete_resource_server(&self, tenant: &str, name: &str) -> Result<(), Error> {
        require(tenant, "the tenant name")?;
        require(name, "the resource server name")?;
        self.run(Call::new(
            Method::DELETE,
            &["idm", "tenant", tenant, "resourceserver", name],
        ))
        .await
    }
}
