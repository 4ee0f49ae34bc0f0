//! Wire types against JSON written from Lightwave's field names (reference §2.5).

use lightwave::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// Decodes `wire`, checks it against `expected`, and checks it encodes back to `wire`.
fn round_trip<T>(wire: Value, expected: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let decoded: T = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(&decoded, expected);
    assert_eq!(serde_json::to_value(&decoded).unwrap(), wire);
}

#[test]
fn tenant_with_credentials() {
    round_trip(
        json!({
            "name": "acme.local", "longName": "ACME", "key": "k", "guid": "g-1",
            "issuer": "https://lw/openidconnect/acme.local",
            "credentials": {"privateKey": {"encoded": "MIIE", "algorithm": "RSA"},
                            "certificates": [{"encoded": "-----BEGIN CERTIFICATE-----"}]},
            "username": "admin@acme.local", "password": "S3cret!"
        }),
        &Tenant {
            name: "acme.local".into(),
            long_name: Some("ACME".into()),
            key: Some("k".into()),
            guid: Some("g-1".into()),
            issuer: Some("https://lw/openidconnect/acme.local".into()),
            credentials: Some(TenantCredentials {
                private_key: Some(PrivateKey {
                    encoded: "MIIE".into(),
                    algorithm: Some("RSA".into()),
                }),
                certificates: vec![Certificate {
                    encoded: "-----BEGIN CERTIFICATE-----".into(),
                }],
            }),
            username: Some("admin@acme.local".into()),
            password: Some("S3cret!".into()),
        },
    );
}

#[test]
fn absent_fields_are_omitted_and_unknown_fields_ignored() {
    let tenant = Tenant {
        name: "a".into(),
        ..Default::default()
    };
    assert_eq!(serde_json::to_value(&tenant).unwrap(), json!({"name": "a"}));
    let decoded: Tenant =
        serde_json::from_value(json!({"name": "a", "someNewField": {"x": 1}})).unwrap();
    assert_eq!(decoded, tenant);
    let empty: SearchResult = serde_json::from_value(json!({})).unwrap();
    assert_eq!(serde_json::to_value(&empty).unwrap(), json!({}));
}

#[test]
fn tenant_configuration_with_every_policy() {
    round_trip(
        json!({
            "passwordPolicy": {
                "description": "d", "maxIdenticalAdjacentCharacters": 3, "maxLength": 20,
                "minAlphabeticCount": 2, "minLength": 8, "minLowercaseCount": 1,
                "minNumericCount": 1, "minSpecialCharCount": 1, "minUppercaseCount": 1,
                "passwordLifetimeDays": 90, "prohibitedPreviousPasswordCount": 5
            },
            "lockoutPolicy": {"description": "l", "failedAttemptIntervalSec": 180,
                              "maxFailedAttempts": 5, "autoUnlockIntervalSec": 300},
            "tokenPolicy": {
                "clockToleranceMillis": 600000, "delegationCount": 10,
                "maxBearerTokenLifeTimeMillis": 300000, "maxHOKTokenLifeTimeMillis": 2592000000i64,
                "maxBearerRefreshTokenLifeTimeMillis": 21600000,
                "maxHOKRefreshTokenLifeTimeMillis": 2592000000i64, "renewCount": 10
            },
            "providerPolicy": {"defaultProvider": "acme.local", "providerSelectionEnabled": false},
            "brandPolicy": {"name": "ACME", "logonBannerDisabled": true},
            "authenticationPolicy": {"passwordBasedAuthenticationEnabled": true},
            "operatorsAccessPolicy": {"enabled": false}
        }),
        &TenantConfiguration {
            password_policy: Some(PasswordPolicy {
                description: Some("d".into()),
                max_identical_adjacent_characters: Some(3),
                max_length: Some(20),
                min_alphabetic_count: Some(2),
                min_length: Some(8),
                min_lowercase_count: Some(1),
                min_numeric_count: Some(1),
                min_special_char_count: Some(1),
                min_uppercase_count: Some(1),
                password_lifetime_days: Some(90),
                prohibited_previous_password_count: Some(5),
            }),
            lockout_policy: Some(LockoutPolicy {
                description: Some("l".into()),
                failed_attempt_interval_sec: Some(180),
                max_failed_attempts: Some(5),
                auto_unlock_interval_sec: Some(300),
            }),
            token_policy: Some(TokenPolicy {
                clock_tolerance_millis: Some(600_000),
                delegation_count: Some(10),
                max_bearer_token_life_time_millis: Some(300_000),
                max_hok_token_life_time_millis: Some(2_592_000_000),
                max_bearer_refresh_token_life_time_millis: Some(21_600_000),
                max_hok_refresh_token_life_time_millis: Some(2_592_000_000),
                renew_count: Some(10),
            }),
            provider_policy: Some(
                json!({"defaultProvider": "acme.local", "providerSelectionEnabled": false}),
            ),
            brand_policy: Some(json!({"name": "ACME", "logonBannerDisabled": true})),
            authentication_policy: Some(json!({"passwordBasedAuthenticationEnabled": true})),
            operators_access_policy: Some(json!({"enabled": false})),
        },
    );
}

#[test]
fn user_group_and_solution_user() {
    round_trip(
        json!({
            "name": "jane", "domain": "acme.local", "alias": {"name": "j", "domain": "ACME"},
            "details": {"email": "jane@acme.example", "upn": "jane@acme.local",
                        "firstName": "Jane", "lastName": "Doe", "description": "ops"},
            "disabled": false, "locked": false,
            "passwordDetails": {"password": "P@ss1", "lastSet": 1700000000, "lifetime": 7776000},
            "objectId": "o-1"
        }),
        &User {
            name: "jane".into(),
            domain: "acme.local".into(),
            alias: Some(Principal {
                name: "j".into(),
                domain: "ACME".into(),
            }),
            details: Some(UserDetails {
                email: Some("jane@acme.example".into()),
                upn: Some("jane@acme.local".into()),
                first_name: Some("Jane".into()),
                last_name: Some("Doe".into()),
                description: Some("ops".into()),
            }),
            disabled: Some(false),
            locked: Some(false),
            password_details: Some(PasswordDetails {
                password: Some("P@ss1".into()),
                last_set: Some(1_700_000_000),
                lifetime: Some(7_776_000),
            }),
            object_id: Some("o-1".into()),
        },
    );
    round_trip(
        json!({"name": "ops", "domain": "acme.local", "details": {"description": "d"}, "objectId": "g"}),
        &Group {
            name: "ops".into(),
            domain: "acme.local".into(),
            alias: None,
            details: Some(GroupDetails {
                description: Some("d".into()),
            }),
            object_id: Some("g".into()),
        },
    );
    round_trip(
        json!({"name": "svc", "domain": "acme.local", "description": "d",
               "certificate": {"encoded": "PEM"}, "disabled": true, "objectId": "s", "multiTenant": true}),
        &SolutionUser {
            name: "svc".into(),
            domain: "acme.local".into(),
            alias: None,
            description: Some("d".into()),
            certificate: Some(Certificate {
                encoded: "PEM".into(),
            }),
            disabled: Some(true),
            object_id: Some("s".into()),
            multi_tenant: Some(true),
        },
    );
    round_trip(
        json!({"users": [{"name": "u", "domain": "d"}], "groups": [{"name": "g", "domain": "d"}],
               "solutionUsers": [{"name": "s", "domain": "d"}]}),
        &SearchResult {
            users: vec![User {
                name: "u".into(),
                domain: "d".into(),
                ..Default::default()
            }],
            groups: vec![Group {
                name: "g".into(),
                domain: "d".into(),
                ..Default::default()
            }],
            solution_users: vec![SolutionUser {
                name: "s".into(),
                domain: "d".into(),
                ..Default::default()
            }],
        },
    );
    let user = User {
        name: "jane".into(),
        domain: "acme.local".into(),
        ..Default::default()
    };
    assert_eq!(user.upn(), "jane@acme.local");
    let group = Group {
        name: "ops".into(),
        domain: "acme.local".into(),
        ..Default::default()
    };
    assert_eq!(group.upn(), "ops@acme.local");
}

#[test]
fn oidc_client_uses_lightwaves_odd_field_names() {
    round_trip(
        json!({
            "clientId": "c-1",
            "oidcclientMetadataDTO": {
                "redirectUris": ["https://app/cb"], "tokenEndpointAuthMethod": "private_key_jwt",
                "postLogoutRedirectUris": ["https://app/bye"], "logoutUri": "https://app/logout",
                "certSubjectDN": "CN=app", "authnRequestClientAssertionLifetimeMS": 30000,
                "multiTenant": true, "redirectUriTemplates": ["https://{tenant}/cb"],
                "postLogoutRedirectUriTemplates": ["https://{tenant}/bye"],
                "logoutUriTemplate": "https://{tenant}/logout"
            }
        }),
        &OidcClient {
            client_id: "c-1".into(),
            metadata: OidcClientMetadata {
                redirect_uris: vec!["https://app/cb".into()],
                token_endpoint_auth_method: Some("private_key_jwt".into()),
                post_logout_redirect_uris: vec!["https://app/bye".into()],
                logout_uri: Some("https://app/logout".into()),
                cert_subject_dn: Some("CN=app".into()),
                authn_request_client_assertion_lifetime_ms: Some(30_000),
                multi_tenant: Some(true),
                redirect_uri_templates: vec!["https://{tenant}/cb".into()],
                post_logout_redirect_uri_templates: vec!["https://{tenant}/bye".into()],
                logout_uri_template: Some("https://{tenant}/logout".into()),
            },
        },
    );
    round_trip(
        json!({"name": "rs_photon", "groupFilter": ["acme.local\\Admins"]}),
        &ResourceServer {
            name: "rs_photon".into(),
            group_filter: vec!["acme.local\\Admins".into()],
        },
    );
    round_trip(
        json!({"productName": "Lightwave", "version": "1.3.1", "release": "GA"}),
        &AboutInfo {
            product_name: Some("Lightwave".into()),
            version: Some("1.3.1".into()),
            release: Some("GA".into()),
        },
    );
    round_trip(
        json!([{"certificates": [{"encoded": "A"}, {"encoded": "B"}]}]),
        &vec![CertificateChain {
            certificates: vec![
                Certificate {
                    encoded: "A".into(),
                },
                Certificate {
                    encoded: "B".into(),
                },
            ],
        }],
    );
}

#[test]
fn enums_use_the_query_values() {
    assert_eq!(MemberType::SolutionUser.as_str(), "solutionuser");
    assert_eq!(
        serde_json::to_value(MemberType::SolutionUser).unwrap(),
        json!("solutionuser")
    );
    assert_eq!(ConfigType::OperatorsAccess.as_str(), "OPERATORS_ACCESS");
    assert_eq!(
        serde_json::to_value(ConfigType::OperatorsAccess).unwrap(),
        json!("OPERATORS_ACCESS")
    );
    assert_eq!(CertificateScope::ExternalIdp.as_str(), "EXTERNAL_IDP");
    assert_eq!(
        serde_json::to_value(CertificateScope::ExternalIdp).unwrap(),
        json!("EXTERNAL_IDP")
    );
    assert_eq!(CertificateGranularity::Leaf.as_str(), "LEAF");
    assert_eq!(
        ApiErrorKind::from_code("insufficient_scope"),
        ApiErrorKind::InsufficientScope
    );
    assert_eq!(ApiErrorKind::from_code("NOT_FOUND"), ApiErrorKind::NotFound);
    assert_eq!(ApiErrorKind::from_code("odd").to_string(), "odd");
}

#[test]
fn debug_redacts_secrets() {
    let tenant = Tenant {
        name: "a".into(),
        password: Some("tenant-secret".into()),
        credentials: Some(TenantCredentials {
            private_key: Some(PrivateKey {
                encoded: "key-secret".into(),
                algorithm: Some("RSA".into()),
            }),
            certificates: vec![],
        }),
        ..Default::default()
    };
    let details = PasswordDetails {
        password: Some("user-secret".into()),
        ..Default::default()
    };
    let text = format!("{tenant:?} {details:?}");
    for secret in ["tenant-secret", "key-secret", "user-secret"] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(text.contains("RSA"));
}
