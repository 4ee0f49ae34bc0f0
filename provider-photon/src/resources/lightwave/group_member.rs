//! `photon_lightwave_group_member`: one member of one Lightwave group. Memberships are their own
//! resources (not a member list on the group) so that different configurations can each add
//! their own principals to a shared group without fighting over an authoritative list — the
//! same granularity as Lightwave's API, which adds and removes members one by one.

use async_trait::async_trait;
use tfsdk::cty::{Path, Type, Value};
use tfsdk::plan_modifier::{Default as DefaultValue, RequiresReplace, UseStateForUnknown};
use tfsdk::validator::OneOf;
use tfsdk::{
    Attribute, Block, Context, CreateRequest, DeleteRequest, Diagnostic, Diagnostics, Outcome,
    PlanRequest, ReadRequest, Resource, Schema, UpdateRequest,
};

use super::group::{
    TENANT_LOGIN_NOTE, deleted, planned_tenant, split_import_id, split_upn, tenant_attribute,
};
use super::{client, outcome, plan_default_tenant, text};
use crate::clients::lightwave::api_error;

/// The resource's type name.
pub const TYPE_NAME: &str = "photon_lightwave_group_member";

const ID: &str = "id";
const TENANT: &str = "tenant";
const GROUP: &str = "group";
const MEMBER: &str = "member";
const MEMBER_TYPE: &str = "member_type";

/// The values `member_type` accepts (Lightwave's `type` query values).
pub const MEMBER_TYPES: [&str; 3] = ["user", "group", "solutionuser"];

/// The `photon_lightwave_group_member` resource.
pub struct LightwaveGroupMember;

/// Schema version 0.
pub fn schema_v0() -> Schema {
    Schema::new(
        Block::new()
            .description(&format!(
                "One member (a user, a group or a solution user) of one Lightwave group. Each \
                 membership is its own resource rather than a member list on \
                 `photon_lightwave_group`, because memberships are usually declared by the \
                 configuration that owns the member: an application's module adds its solution \
                 user or service account to a group that another module created. An \
                 authoritative member list on the group would remove those members on every \
                 apply of the group's module. Lightwave's own API works the same way, adding and \
                 removing members one by one (`PUT`/`DELETE …/groups/<group>/members?members=…&type=…`). \
                 Members added outside Terraform are left alone; a managed membership removed \
                 outside Terraform is added again by the next apply. Every argument replaces \
                 the membership. {TENANT_LOGIN_NOTE}"
            ))
            .attribute(tenant_attribute("group and the membership"))
            .attribute(
                Attribute::required(GROUP, Type::String)
                    .description(
                        "The group's principal name `name@domain`, e.g. \
                         `photon_lightwave_group.operators.upn`.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::required(MEMBER, Type::String)
                    .description(
                        "The member's principal name `name@domain`, e.g. `jane@acme`, a group's \
                         `upn` or a solution user's `upn`. Compared case-insensitively, as \
                         Lightwave does.",
                    )
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::optional_computed(MEMBER_TYPE, Type::String)
                    .description(
                        "What kind of principal `member` is: `user`, `group` (nesting) or \
                         `solutionuser`. Lightwave looks the member up among principals of this \
                         kind only. Some Lightwave releases answer \"not implemented\" for \
                         solution-user memberships; the provider reports Lightwave's answer.",
                    )
                    .validator(OneOf(&MEMBER_TYPES))
                    .plan_modifier(DefaultValue(Value::from("user")))
                    .plan_modifier(RequiresReplace),
            )
            .attribute(
                Attribute::computed(ID, Type::String)
                    .description("`<tenant>/<group>/<member>`, also the import id.")
                    .plan_modifier(UseStateForUnknown),
            ),
    )
}

fn member_type(name: &str) -> Option<lightwave::MemberType> {
    match name {
        "user" => Some(lightwave::MemberType::User),
        "group" => Some(lightwave::MemberType::Group),
        "solutionuser" => Some(lightwave::MemberType::SolutionUser),
        _ => None,
    }
}

/// The UPN of a solution user listed as a group member.
fn solution_user_upn(user: &lightwave::SolutionUser) -> String {
    format!("{}@{}", user.name, user.domain)
}

/// The kind (`user`, `group`, `solutionuser`) of `member` among `members`, compared
/// case-insensitively as Lightwave compares principal names.
fn kind_of(members: &lightwave::SearchResult, member: &str) -> Option<&'static str> {
    let same = |upn: String| upn.eq_ignore_ascii_case(member);
    if members.users.iter().any(|user| same(user.upn())) {
        Some("user")
    } else if members.groups.iter().any(|group| same(group.upn())) {
        Some("group")
    } else if members
        .solution_users
        .iter()
        .any(|user| same(solution_user_upn(user)))
    {
        Some("solutionuser")
    } else {
        None
    }
}

fn membership_state(tenant: &str, group: &str, member: &str, kind: &str) -> Value {
    Value::object([
        (ID, Value::from(format!("{tenant}/{group}/{member}"))),
        (TENANT, Value::from(tenant)),
        (GROUP, Value::from(group)),
        (MEMBER, Value::from(member)),
        (MEMBER_TYPE, Value::from(kind)),
    ])
}

/// The group's members of `kind`, `None` when the group does not exist.
async fn members(
    client: &lightwave::Client,
    tenant: &str,
    group: &str,
    kind: lightwave::MemberType,
) -> Result<Option<lightwave::SearchResult>, Diagnostic> {
    match client.group_members(tenant, group, kind).await {
        Ok(members) => Ok(Some(members)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(api_error(
            client,
            tenant,
            &format!("listing the members of group {group:?}"),
            None,
            &error,
        )),
    }
}

fn invalid_member_type(kind: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid member type",
        format!("member_type: expected one of `user`, `group`, `solutionuser`, got {kind:?}."),
    )
    .at(Path::root().attr(MEMBER_TYPE))
}

async fn create(ctx: &Context, planned: &Value) -> Result<Value, Diagnostic> {
    let client = client(ctx).await?;
    let tenant = planned_tenant(planned, &client);
    let group = text(planned, GROUP).unwrap_or_default();
    let member = text(planned, MEMBER).unwrap_or_default();
    let kind_name = text(planned, MEMBER_TYPE).unwrap_or_else(|| "user".into());
    let kind = member_type(&kind_name).ok_or_else(|| invalid_member_type(&kind_name))?;
    let action = format!("adding {kind_name} {member:?} to group {group:?}");
    client
        .add_group_members(&tenant, &group, kind, &[member.as_str()])
        .await
        .map_err(|error| {
            // A 404 means the group or the member does not exist; a 400 a bad member name.
            api_error(
                &client,
                &tenant,
                &action,
                Some(Path::root().attr(MEMBER)),
                &error,
            )
        })?;
    tracing::debug!(
        resource = TYPE_NAME,
        tenant = tenant.as_str(),
        group = group.as_str(),
        "member added"
    );
    Ok(membership_state(&tenant, &group, &member, &kind_name))
}

async fn read(ctx: &Context, state: &Value) -> Result<Value, Diagnostic> {
    let (Some(tenant), Some(group), Some(member)) =
        (text(state, TENANT), text(state, GROUP), text(state, MEMBER))
    else {
        return Ok(Value::Null);
    };
    let kind_name = text(state, MEMBER_TYPE).unwrap_or_else(|| "user".into());
    let kind = member_type(&kind_name).ok_or_else(|| invalid_member_type(&kind_name))?;
    let client = client(ctx).await?;
    // The group deleted, or the member removed, outside Terraform: the next plan adds it again.
    let Some(members) = members(&client, &tenant, &group, kind).await? else {
        return Ok(Value::Null);
    };
    Ok(match kind_of(&members, &member) {
        Some(found) if found == kind_name => membership_state(&tenant, &group, &member, found),
        _ => Value::Null,
    })
}

async fn delete(ctx: &Context, prior: &Value) -> Result<(), Diagnostic> {
    let (Some(tenant), Some(group), Some(member)) =
        (text(prior, TENANT), text(prior, GROUP), text(prior, MEMBER))
    else {
        return Ok(());
    };
    let kind_name = text(prior, MEMBER_TYPE).unwrap_or_else(|| "user".into());
    let kind = member_type(&kind_name).ok_or_else(|| invalid_member_type(&kind_name))?;
    let client = client(ctx).await?;
    match client
        .remove_group_members(&tenant, &group, kind, &[member.as_str()])
        .await
    {
        Ok(()) => Ok(()),
        // The group, the member or the membership is already gone.
        Err(error) if error.is_not_found() => Ok(()),
        Err(error) => Err(api_error(
            &client,
            &tenant,
            &format!("removing {kind_name} {member:?} from group {group:?}"),
            None,
            &error,
        )),
    }
}

async fn import(ctx: &Context, id: &str) -> Result<Value, Diagnostic> {
    const FORMAT: &str = "<tenant>/<group upn>/<member upn>";
    const EXAMPLE: &str = "acme/app-operators@acme/jane@acme";
    let summary = format!("Import {TYPE_NAME} failed");
    let parts = split_import_id(TYPE_NAME, id, 3, FORMAT, EXAMPLE)?;
    let (tenant, group, member) = (parts[0], parts[1], parts[2]);
    for (what, upn) in [("group", group), ("member", member)] {
        if split_upn(upn).is_none() {
            return Err(Diagnostic::error(
                &summary,
                format!(
                    "expected the {what} as `name@domain` (`{FORMAT}`, e.g. `{EXAMPLE}`), got \
                     {upn:?}."
                ),
            ));
        }
    }
    let client = client(ctx).await?;
    // Every kind at once: the import id does not say which kind the member is.
    let Some(members) = members(&client, tenant, group, lightwave::MemberType::All).await? else {
        return Err(Diagnostic::error(
            &summary,
            format!("tenant {tenant:?} has no group {group:?}."),
        ));
    };
    match kind_of(&members, member) {
        Some(kind) => Ok(membership_state(tenant, group, member, kind)),
        None => Err(Diagnostic::error(
            &summary,
            format!("{member:?} is not a member of group {group:?} in tenant {tenant:?}."),
        )),
    }
}

/// `group` and `member` must be principal names `name@domain`.
fn validate_config(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    for attribute in [GROUP, MEMBER] {
        if let Some(Value::String(upn)) = config.attr(attribute) {
            if split_upn(upn).is_none() || upn.contains('/') {
                diagnostics.attribute_error(
                    Path::root().attr(attribute),
                    "Invalid principal name",
                    format!(
                        "{attribute}: expected a principal name `name@domain`, e.g. \
                         \"jane@acme\", got {upn:?}."
                    ),
                );
            }
        }
    }
    diagnostics
}

#[async_trait]
impl Resource for LightwaveGroupMember {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema_v0()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate_config(config)
    }

    async fn modify_plan(&self, ctx: &Context, plan: &mut PlanRequest) -> Diagnostics {
        plan_default_tenant(ctx, plan, TENANT);
        Diagnostics::new()
    }

    async fn create(&self, ctx: &Context, request: CreateRequest) -> Outcome {
        outcome(create(ctx, &request.planned).await)
    }

    async fn read(&self, ctx: &Context, request: ReadRequest) -> Outcome {
        outcome(read(ctx, &request.state).await)
    }

    async fn update(&self, _ctx: &Context, request: UpdateRequest) -> Outcome {
        // Every argument replaces the membership, so there is nothing to change in place.
        Outcome::ok(request.planned)
    }

    async fn delete(&self, ctx: &Context, request: DeleteRequest) -> Diagnostics {
        deleted(delete(ctx, &request.prior).await)
    }

    async fn import(&self, ctx: &Context, id: &str) -> Outcome {
        outcome(import(ctx, id).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> lightwave::SearchResult {
        lightwave::SearchResult {
            users: vec![lightwave::User {
                name: "Jane".into(),
                domain: "ACME".into(),
                ..Default::default()
            }],
            groups: vec![lightwave::Group {
                name: "ops".into(),
                domain: "acme".into(),
                ..Default::default()
            }],
            solution_users: vec![lightwave::SolutionUser {
                name: "app".into(),
                domain: "acme".into(),
                ..Default::default()
            }],
        }
    }

    #[test]
    fn members_are_found_case_insensitively_with_their_kind() {
        let members = members();
        assert_eq!(kind_of(&members, "jane@acme"), Some("user"));
        assert_eq!(kind_of(&members, "OPS@acme"), Some("group"));
        assert_eq!(kind_of(&members, "app@acme"), Some("solutionuser"));
        assert_eq!(kind_of(&members, "john@acme"), None);
        assert_eq!(
            kind_of(&lightwave::SearchResult::default(), "jane@acme"),
            None
        );
    }

    #[test]
    fn principal_names_without_a_domain_are_refused_at_their_attribute() {
        let config = Value::object([
            (GROUP, Value::from("ops")),
            (MEMBER, Value::from("jane@acme")),
        ]);
        let diagnostics = validate_config(&config);
        let paths: Vec<Option<Path>> = diagnostics.iter().map(|d| d.path.clone()).collect();
        assert_eq!(paths, vec![Some(Path::root().attr(GROUP))]);
        let good = Value::object([(GROUP, Value::from("ops@acme")), (MEMBER, Value::unknown())]);
        assert!(validate_config(&good).is_empty());
    }

    #[test]
    fn member_types_map_to_lightwaves_kinds() {
        for name in MEMBER_TYPES {
            assert!(member_type(name).is_some(), "{name}");
        }
        assert!(member_type("all").is_none());
        let state = membership_state("acme", "ops@acme", "jane@acme", "user");
        assert_eq!(
            state.attr(ID),
            Some(&Value::from("acme/ops@acme/jane@acme"))
        );
    }
}
