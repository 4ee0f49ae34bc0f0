//! Arbitrary bytes as the 2xx body of every Lightwave API answer the client decodes (tenants,
//! configuration, certificates, users, groups, search results, solution users, OIDC clients,
//! resource servers, `about`), through `lightwave::fuzzing::decode_answer`, the same decoding
//! `Client` applies. Any `Err` is fine (and names the call); whatever decodes must serialize and
//! decode back to an equal value, and its `Debug` must not show a password or private key that
//! came in the body.
//!
//! Input: the first byte picks the answer type, the rest is the body.
#![no_main]

use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use lightwave::fuzzing::decode_answer;
use lightwave::{
    AboutInfo, CertificateChain, Group, OidcClient, ResourceServer, SearchResult, SolutionUser,
    Tenant, TenantConfiguration, User,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

/// Secret strings in the body: `password` values and `privateKey.encoded`.
fn secrets(json: &Json, out: &mut Vec<String>) {
    match json {
        Json::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("password", Json::String(s)) => out.push(s.clone()),
                    ("privateKey", Json::Object(key)) => {
                        if let Some(Json::String(s)) = key.get("encoded") {
                            out.push(s.clone());
                        }
                    }
                    _ => {}
                }
                secrets(value, out);
            }
        }
        Json::Array(items) => items.iter().for_each(|item| secrets(item, out)),
        _ => {}
    }
}

/// The body without its secret fields, to tell a leak from the same text elsewhere.
fn without_secrets(json: &Json) -> Json {
    match json {
        Json::Object(map) => Json::Object(
            map.iter()
                .filter(|(key, _)| key.as_str() != "password" && key.as_str() != "encoded")
                .map(|(key, value)| (key.clone(), without_secrets(value)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(without_secrets).collect()),
        other => other.clone(),
    }
}

fn run<T: DeserializeOwned + Serialize + PartialEq + Debug>(body: &[u8]) {
    let value = match decode_answer::<T>("GET", "/idm/fuzz", body) {
        Ok(value) => value,
        Err(error) => {
            let text = error.to_string();
            assert!(text.contains("GET /idm/fuzz"), "{text}");
            return;
        }
    };
    let json = serde_json::to_vec(&value).expect("decoded answers serialize");
    let again: T = serde_json::from_slice(&json).expect("serialized answers decode");
    assert_eq!(
        again, value,
        "serialize/decode round trip changed the answer"
    );

    let debug = format!("{value:?}");
    let Ok(body_json) = serde_json::from_slice::<Json>(body) else {
        return;
    };
    let mut found = Vec::new();
    secrets(&body_json, &mut found);
    let elsewhere = format!("{:?}", without_secrets(&body_json));
    for secret in found {
        // Short or non-alphanumeric strings can appear in Debug output by coincidence.
        let distinctive = secret.len() >= 8 && secret.chars().all(|c| c.is_ascii_alphanumeric());
        if distinctive && !elsewhere.contains(&secret) {
            assert!(!debug.contains(&secret), "Debug shows a secret: {debug}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 14 {
        0 => run::<Tenant>(body),
        1 => run::<TenantConfiguration>(body),
        2 => run::<Vec<CertificateChain>>(body),
        3 => run::<User>(body),
        4 => run::<Vec<Group>>(body),
        5 => run::<Group>(body),
        6 => run::<SearchResult>(body),
        7 => run::<SolutionUser>(body),
        8 => run::<OidcClient>(body),
        9 => run::<Vec<OidcClient>>(body),
        10 => run::<ResourceServer>(body),
        11 => run::<AboutInfo>(body),
        12 => run::<Vec<User>>(body),
        _ => run::<Vec<SolutionUser>>(body),
    }
});
