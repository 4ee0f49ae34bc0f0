//! Users, groups, membership and solution users, written and read through VMDIR (IDM only reads).

use reqwest::Method;
use serde::Serialize;

use crate::client::{Call, require};
use crate::{Client, Error, Group, GroupDetails, MemberType, SearchResult, SolutionUser, User};

/// The body of `PUT …/users/{upn}/password`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PasswordChange<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    current_password: Option<&'a str>,
    new_password: &'a str,
}

/// The body of `PUT …/groups/{g}`: Lightwave refuses (501) a body naming the group, its domain
/// or alias, so only the details travel.
#[derive(Serialize)]
struct GroupUpdate<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a GroupDetails>,
}

impl Client {
    /// Creates a user in the tenant's system domain; `user.password_details.password` is its
    /// initial password.
    pub async fn create_user(&self, tenant: &str, user: &User) -> Result<User, Error> {
        require(tenant, "the tenant name")?;
        require(&user.name, "the user name")?;
        self.fetch(Call::new(Method::POST, &["vmdir", "tenant", tenant, "users"]).json(user)?)
            .await
    }

    /// Reads a user by UPN.
    pub async fn get_user(&self, tenant: &str, upn: &str) -> Result<User, Error> {
        require(tenant, "the tenant name")?;
        require(upn, "the user UPN")?;
        self.fetch(Call::new(
            Method::GET,
            &["vmdir", "tenant", tenant, "users", upn],
        ))
        .await
    }

    /// Updates a user's details, enables/disables it (`disabled`) or unlocks it
    /// (`locked: Some(false)`).
    pub async fn update_user(&self, tenant: &str, upn: &str, user: &User) -> Result<User, Error> {
        require(tenant, "the tenant name")?;
        require(upn, "the user UPN")?;
        self.fetch(Call::new(Method::PUT, &["vmdir", "tenant", tenant, "users", upn]).json(user)?)
            .await
    }

    /// Deletes a user.
    pub async fn delete_user(&self, tenant: &str, upn: &str) -> Result<(), Error> {
        require(tenant, "the tenant name")?;
        require(upn, "the user UPN")?;
        self.run(Call::new(
            Method::DELETE,
            &["vmdir", "tenant", tenant, "users", upn],
        ))
        .await
    }

    /// Sets a user's password: an administrator needs no `current_password`, the user itself
    /// does.
    pub async fn set_user_password(
        &self,
        tenant: &str,
        upn: &str,
        current_password: Option<&str>,
        new_password: &str,
    ) -> Result<User, Error> {
        require(tenant, "the tenant name")?;
        require(upn, "the user UPN")?;
        if new_password.is_empty() {
            return Err(Error::Config("the new password must not be empty".into()));
        }
        let change = PasswordChange {
            current_password,
            new_password,
        };
        self.fetch(
            Call::new(
                Method::PUT,
                &["vmdir", "tenant", tenant, "users", upn, "password"],
            )
            .json(&change)?,
        )
        .await
    }

    /// The groups a user belongs to, directly or (with `nested`) through other groups.
    pub async fn user_groups(
        &self,
        tenant: &str,
        upn: &str,
        nested: bool,
    ) -> Result<Vec<Group>, Error> {
        require(tenant, "the tenant name")?;
        require(upn, "the user UPN")?;
        self.fetch(
            Call::new(
                Method::GET,
                &["vmdir", "tenant", tenant, "users", upn, "groups"],
            )
            .query("nested", nested.to_string()),
        )
        .await
    }

    /// Creates a group in the tenant's system domain.
    pub async fn create_group(&self, tenant: &str, group: &Group) -> Result<Group, Error> {
        require(tenant, "the tenant name")?;
        require(&group.name, "the group name")?;
        self.fetch(Call::new(Method::POST, &["vmdir", "tenant", tenant, "groups"]).json(group)?)
            .await
    }

    /// Reads a group by `name@domain`.
    pub async fn get_group(&self, tenant: &str, upn: &str) -> Result<Group, Error> {
        require(tenant, "the tenant name")?;
        require(upn, "the group name")?;
        self.fetch(Call::new(
            Method::GET,
            &["vmdir", "tenant", tenant, "groups", upn],
        ))
        .await
    }

    /// Updates a group's details (its description: the only thing Lightwave lets change).
    pub async fn update_group(
        &self,
        tenant: &str,
        upn: &str,
        group: &Group,
    ) -> Result<Group, Error> {
        require(tenant, "the tenant name")?;
        require(upn, "the group name")?;
        let update = GroupUpdate {
            details: group.details.as_ref(),
        };
        self.fetch(
            Call::new(Method::PUT, &["vmdir", "tenant", tenant, "groups", upn]).json(&update)?,
        )
        .await
    }

    /// Deletes a group.
    pub async fn delete_group(&self, tenant: &str, upn: &str) -> Result<(), Error> {
        require(tenant, "the tenant name")?;
        require(upn, "the group name")?;
        self.run(Call::new(
            Method::DELETE,
            &["vmdir", "tenant", tenant, "groups", upn],
        ))
        .await
    }

    /// Every direct member of a group of the given type (`limit=-1`: Lightwave's default of 200
    /// would silently truncate big groups).
    pub async fn group_members(
        &self,
        tenant: &str,
        group_upn: &str,
        member_type: MemberType,
    ) -> Result<SearchResult, Error> {
        require(tenant, "the tenant name")?;
        require(group_upn, "the group name")?;
        self.fetch(
            Call::new(
                Method::GET,
                &["vmdir", "tenant", tenant, "groups", group_upn, "members"],
            )
            .query("type", member_type.as_str())
            .query("limit", "-1"),
        )
        .await
    }

    /// Adds members (UPNs) of one type to a group.
    pub async fn add_group_members(
        &self,
        tenant: &str,
        group_upn: &str,
        member_type: MemberType,
        members: &[&str],
    ) -> Result<(), Error> {
        self.change_members(Method::PUT, tenant, group_upn, member_type, members)
            .await
    }

    /// Removes members (UPNs) of one type from a group.
    pub async fn remove_group_members(
        &self,
        tenant: &str,
        group_upn: &str,
        member_type: MemberType,
        members: &[&str],
    ) -> Result<(), Error> {
        self.change_members(Method::DELETE, tenant, group_upn, member_type, members)
            .await
    }

    async fn change_members(
        &self,
        method: Method,
        tenant: &str,
        group_upn: &str,
        member_type: MemberType,
        members: &[&str],
    ) -> Result<(), Error> {
        require(tenant, "the tenant name")?;
        require(group_upn, "the group name")?;
        if member_type == MemberType::All {
            return Err(Error::Config(
                "adding or removing group members needs a member type of user, group or solutionuser, not all".into(),
            ));
        }
        if members.is_empty() {
            // Nothing to do; Lightwave would answer 400 to an empty list.
            return Ok(());
        }
        for member in members {
            require(member, "a member UPN")?;
        }
        let segments = ["vmdir", "tenant", tenant, "groups", group_upn, "members"];
        let mut call = Call::new(method, &segments);
        for member in members {
            call = call.query("members", *member);
        }
        self.run(call.query("type", member_type.as_str())).await
    }

    /// Creates a solution user (its certificate is required).
    pub async fn create_solution_user(
        &self,
        tenant: &str,
        user: &SolutionUser,
    ) -> Result<SolutionUser, Error> {
        require(tenant, "the tenant name")?;
        require(&user.name, "the solution user name")?;
        self.fetch(
            Call::new(Method::POST, &["vmdir", "tenant", tenant, "solutionusers"]).json(user)?,
        )
        .await
    }

    /// Reads a solution user by name.
    pub async fn get_solution_user(&self, tenant: &str, name: &str) -> Result<SolutionUser, Error> {
        require(tenant, "the tenant name")?;
        require(name, "the solution user name")?;
        self.fetch(Call::new(
            Method::GET,
            &["vmdir", "tenant", tenant, "solutionusers", name],
        ))
        .await
    }

    /// Replaces a solution user's certificate, description and multi-tenant flag (send the
    /// whole object: Lightwave requires the certificate).
    pub async fn update_solution_user(
        &self,
        tenant: &str,
        name: &str,
        user: &SolutionUser,
    ) -> Result<SolutionUser, Error> {
        require(tenant, "the tenant name")?;
        require(name, "the solution user name")?;
        self.fetch(
            Call::new(
                Method::PUT,
                &["vmdir", "tenant", tenant, "solutionusers", name],
            )
            .json(user)?,
        )
        .await
    }

    /// Deletes a solution user.
    pub async fn delete_solution_user(&self, tenant: &str, name: &str) -> Result<(), Error> {
        require(tenant, "the tenant name")?;
        require(name, "the solution user name")?;
        self.run(Call::new(
            Method::DELETE,
            &["vmdir", "tenant", tenant, "solutionusers", name],
        ))
        .await
    }
}
