//! Bad input through the real binaries: invalid configurations for every resource and data source of
//! the Terraform provider (`terraform validate`, and `terraform plan` for values that are only
//! unknown) and for every Packer component (`packer validate`, HCL2 and JSON). Each bad input must
//! be refused with a diagnostic that names the attribute and says what was expected; values that
//! are merely unknown must pass; nothing may panic or crash.
//!
//! Terraform reports every validation error of a configuration at once, so the cases of one kind
//! share one configuration (one block per case) and each diagnostic is matched to its case by the
//! line it points at. Terraform stops at the first static (schema) error before asking the
//! provider, so schema errors and provider validation run as separate configurations.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use photon_test_rig::{PackerDir, ProviderInstall, TerraformDir, versions_tf};
use serde_json::{Value, json};

/// Words in any tool output that mean something crashed rather than refused the input.
const CRASH_MARKERS: [&str; 6] = [
    "panic",
    "crash",
    "plugin exited",
    "goroutine ",
    "unexpected EOF",
    "RUST_BACKTRACE",
];

fn assert_no_crash(what: &str, output: &str) {
    let lower = output.to_lowercase();
    for marker in CRASH_MARKERS {
        assert!(
            !lower.contains(&marker.to_lowercase()),
            "{what}: {marker:?} in the output:\n{output}"
        );
    }
}

/// `disk[1].size` and `disk.1.size` name the same attribute (the VM resource prints the latter).
fn normalise_path(text: &str) -> String {
    text.replace('[', ".").replace(']', "")
}

// ---- Terraform ------------------------------------------------------------------------------

/// What a Terraform case must produce.
#[derive(Clone, Debug)]
enum Expect {
    /// At least one error in the case's block whose message names `attribute` and holds one of
    /// `words` (case-insensitive).
    Error {
        attribute: &'static str,
        words: &'static [&'static str],
    },
    /// No error at all in the case's block.
    Valid,
}

#[derive(Clone, Debug)]
struct TfCase {
    /// `resource` or `data`.
    kind: &'static str,
    type_name: &'static str,
    /// What is wrong, for messages.
    what: &'static str,
    body: String,
    expect: Expect,
}

/// A valid body for each type: `(key, HCL text)` pairs; keys let cases replace or drop a part.
fn base(kind: &str, type_name: &str, pki: &Pki) -> Vec<(String, String)> {
    let pairs: Vec<(&str, String)> = match (kind, type_name) {
        ("resource", "photon_container") => vec![
            ("name", r#"name = "web""#.into()),
            ("image", r#"image = "busybox""#.into()),
        ],
        ("resource", "photon_container_image") => vec![("name", r#"name = "busybox:1""#.into())],
        ("resource", "photon_container_network") => vec![("name", r#"name = "backend""#.into())],
        ("resource", "photon_container_volume") => vec![("name", r#"name = "data""#.into())],
        ("resource", "photon_datastore_file") => vec![
            ("datastore_id", r#"datastore_id = "datastore-1""#.into()),
            ("source_file", r#"source_file = "/etc/hostname""#.into()),
            (
                "destination_file",
                r#"destination_file = "dir/hostname""#.into(),
            ),
        ],
        ("resource", "photon_folder") => vec![
            ("path", r#"path = "team/web""#.into()),
            ("type", r#"type = "vm""#.into()),
            ("datacenter_id", r#"datacenter_id = "datacenter-2""#.into()),
        ],
        ("resource", "photon_image") => vec![
            ("name", r#"name = "photon-5""#.into()),
            ("datastore_id", r#"datastore_id = "datastore-1""#.into()),
            (
                "resource_pool_id",
                r#"resource_pool_id = "resgroup-1""#.into(),
            ),
            (
                "source_path",
                r#"source_path = "/images/photon.ova""#.into(),
            ),
        ],
        ("resource", "photon_lightwave_group") => vec![("name", r#"name = "ops""#.into())],
        ("resource", "photon_lightwave_group_member") => vec![
            ("group", r#"group = "ops@acme""#.into()),
            ("member", r#"member = "jane@acme""#.into()),
        ],
        ("resource", "photon_lightwave_oidc_client") => vec![(
            "redirect_uris",
            r#"redirect_uris = ["https://app.example.com/callback"]"#.into(),
        )],
        ("resource", "photon_lightwave_solution_user") => vec![
            ("name", r#"name = "app""#.into()),
            (
                "certificate",
                format!("certificate = {}", heredoc(&pki.cert)),
            ),
        ],
        ("resource", "photon_lightwave_tenant") => vec![
            ("name", r#"name = "acme""#.into()),
            (
                "admin_username",
                r#"admin_username = "Administrator""#.into(),
            ),
            ("admin_password", r#"admin_password = "Adm1n!pass""#.into()),
        ],
        ("resource", "photon_lightwave_tenant_policy") => {
            vec![("tenant", r#"tenant = "acme""#.into())]
        }
        ("resource", "photon_lightwave_user") => vec![
            ("name", r#"name = "jane""#.into()),
            ("password", r#"password = "J4ne!pass""#.into()),
        ],
        ("resource", "photon_tag") => vec![
            ("name", r#"name = "web""#.into()),
            (
                "category_id",
                r#"category_id = "urn:vmomi:InventoryServiceCategory:c1:GLOBAL""#.into(),
            ),
        ],
        ("resource", "photon_tag_category") => vec![
            ("name", r#"name = "env""#.into()),
            ("cardinality", r#"cardinality = "SINGLE""#.into()),
            (
                "associable_types",
                r#"associable_types = ["VirtualMachine"]"#.into(),
            ),
        ],
        ("resource", "photon_virtual_machine") => vec![
            ("name", r#"name = "vm""#.into()),
            (
                "resource_pool_id",
                r#"resource_pool_id = "resgroup-1""#.into(),
            ),
            ("datastore_id", r#"datastore_id = "datastore-1""#.into()),
            (
                "disk",
                "disk {\n    label = \"disk0\"\n    size  = 1\n  }".into(),
            ),
        ],
        ("data", "photon_kickstart") => vec![
            (
                "installer_generation",
                r#"installer_generation = "poi-2.7""#.into(),
            ),
            ("disk", r#"disk = "/dev/sda""#.into()),
            ("packages", r#"packages = ["minimal"]"#.into()),
        ],
        ("data", "photon_folder") => vec![("path", r#"path = "vm/team""#.into())],
        ("data", "photon_tag") => vec![
            ("name", r#"name = "web""#.into()),
            ("category_id", r#"category_id = "urn:c1""#.into()),
        ],
        ("data", "photon_datacenter") => vec![("name", r#"name = "DC0""#.into())],
        ("data", _) => vec![("name", r#"name = "thing""#.into())],
        other => panic!("no base body for {other:?}"),
    };
    pairs
        .into_iter()
        .map(|(key, text)| (key.to_owned(), text))
        .collect()
}

/// A heredoc holding `text` (PEM).
fn heredoc(text: &str) -> String {
    format!("<<-EOT\n{}\nEOT", text.trim_end())
}

/// The key of an HCL snippet: its first word (`num_cpus = 2` → `num_cpus`, `disk {` → `disk`).
fn snippet_key(snippet: &str) -> &str {
    snippet
        .trim_start_matches('-')
        .split(|c: char| c.is_whitespace() || c == '=' || c == '{')
        .next()
        .unwrap()
}

/// The base body of the type with `changes` applied: a snippet replaces the base part with the
/// same key (the first snippet of a key only) or is added; `-key` removes the part.
fn body(kind: &str, type_name: &str, changes: &[&str], pki: &Pki) -> String {
    let mut parts = base(kind, type_name, pki);
    let base_keys: Vec<String> = parts.iter().map(|(key, _)| key.clone()).collect();
    let mut replaced = Vec::new();
    for change in changes {
        let key = snippet_key(change).to_owned();
        if change.starts_with('-') {
            parts.retain(|(part, _)| *part != key);
            continue;
        }
        match parts.iter_mut().find(|(part, _)| *part == key) {
            Some(part) if base_keys.contains(&key) && !replaced.contains(&key) => {
                part.1 = (*change).to_owned();
                replaced.push(key);
            }
            _ => parts.push((key, (*change).to_owned())),
        }
    }
    parts
        .iter()
        .map(|(_, text)| format!("  {text}\n"))
        .collect()
}

/// Generated test PKI for the Lightwave resources' certificate and key arguments.
struct Pki {
    cert: String,
    key: String,
}

fn pki() -> Pki {
    let generated = rcgen::generate_simple_self_signed(vec!["acme".into()]).unwrap();
    Pki {
        cert: generated.cert.pem(),
        key: generated.signing_key.serialize_pem(),
    }
}

struct Cases<'a> {
    pki: &'a Pki,
    list: Vec<TfCase>,
}

impl Cases<'_> {
    fn bad(
        &mut self,
        kind: &'static str,
        type_name: &'static str,
        what: &'static str,
        changes: &[&str],
        attribute: &'static str,
        words: &'static [&'static str],
    ) {
        self.list.push(TfCase {
            kind,
            type_name,
            what,
            body: body(kind, type_name, changes, self.pki),
            expect: Expect::Error { attribute, words },
        });
    }

    fn valid(
        &mut self,
        kind: &'static str,
        type_name: &'static str,
        what: &'static str,
        changes: &[&str],
    ) {
        self.list.push(TfCase {
            kind,
            type_name,
            what,
            body: body(kind, type_name, changes, self.pki),
            expect: Expect::Valid,
        });
    }
}

const RESOURCES: [&str; 17] = [
    "photon_container",
    "photon_container_image",
    "photon_container_network",
    "photon_container_volume",
    "photon_datastore_file",
    "photon_folder",
    "photon_image",
    "photon_lightwave_group",
    "photon_lightwave_group_member",
    "photon_lightwave_oidc_client",
    "photon_lightwave_solution_user",
    "photon_lightwave_tenant",
    "photon_lightwave_tenant_policy",
    "photon_lightwave_user",
    "photon_tag",
    "photon_tag_category",
    "photon_virtual_machine",
];

const DATA_SOURCES: [&str; 14] = [
    "photon_compute_cluster",
    "photon_container_image",
    "photon_container_network",
    "photon_datacenter",
    "photon_datastore",
    "photon_folder",
    "photon_host",
    "photon_kickstart",
    "photon_lightwave_tenant",
    "photon_network",
    "photon_resource_pool",
    "photon_tag",
    "photon_tag_category",
    "photon_virtual_machine",
];

const NUMBER: &[&str] = &["a number is required", "number required"];
const STRING: &[&str] = &["string required"];
const BOOL: &[&str] = &["a bool is required", "bool required"];
const UNSUPPORTED: &[&str] = &["is not expected here"];
const REQUIRED: &[&str] = &["is required"];

/// Errors Terraform finds against the schema before the provider is asked: wrong types, unknown
/// arguments and blocks, missing required arguments. Every resource and data source gets each.
fn schema_cases(pki: &Pki) -> Vec<TfCase> {
    let mut cases = Cases {
        pki,
        list: Vec::new(),
    };
    // Per type: a required attribute to drop (if any), a string attribute to give a list, and a
    // typed (number/bool/list) attribute to give a string it cannot convert.
    type Typed = (&'static str, &'static str, &'static [&'static str]);
    let resources: [(&str, Option<&str>, &str, Typed); 17] = [
        (
            "photon_container",
            Some("image"),
            "name",
            ("memory", "memory = \"lots\"", NUMBER),
        ),
        (
            "photon_container_image",
            Some("name"),
            "name",
            ("keep_locally", "keep_locally = \"perhaps\"", BOOL),
        ),
        (
            "photon_container_network",
            Some("name"),
            "driver",
            ("internal", "internal = \"sometimes\"", BOOL),
        ),
        (
            "photon_container_volume",
            None,
            "name",
            (
                "labels",
                "labels = \"env=prod\"",
                &["map of string required"],
            ),
        ),
        (
            "photon_datastore_file",
            Some("destination_file"),
            "source_file",
            (
                "create_directories",
                "create_directories = \"yes please\"",
                BOOL,
            ),
        ),
        (
            "photon_folder",
            Some("type"),
            "path",
            ("datacenter_id", "datacenter_id = { id = 1 }", STRING),
        ),
        (
            "photon_image",
            Some("source_path"),
            "name",
            (
                "network_mapping",
                "network_mapping = [\"VM Network\"]",
                &["map of string required"],
            ),
        ),
        (
            "photon_lightwave_group",
            Some("name"),
            "description",
            ("tenant", "tenant = [\"acme\"]", STRING),
        ),
        (
            "photon_lightwave_group_member",
            Some("member"),
            "group",
            ("member_type", "member_type = [\"user\"]", STRING),
        ),
        (
            "photon_lightwave_oidc_client",
            Some("redirect_uris"),
            "logout_uri",
            (
                "authn_request_client_assertion_lifetime_ms",
                "authn_request_client_assertion_lifetime_ms = \"30s\"",
                NUMBER,
            ),
        ),
        (
            "photon_lightwave_solution_user",
            Some("certificate"),
            "name",
            ("multi_tenant", "multi_tenant = \"both\"", BOOL),
        ),
        (
            "photon_lightwave_tenant",
            Some("admin_password"),
            "long_name",
            ("credentials", "credentials = \"pem\"", UNSUPPORTED),
        ),
        (
            "photon_lightwave_tenant_policy",
            Some("tenant"),
            "tenant",
            (
                "min_length",
                "password_policy {\n    min_length = \"eight\"\n  }",
                NUMBER,
            ),
        ),
        (
            "photon_lightwave_user",
            Some("password"),
            "email",
            ("disabled", "disabled = \"nope\"", BOOL),
        ),
        (
            "photon_tag",
            Some("category_id"),
            "description",
            ("name", "name = { value = \"web\" }", STRING),
        ),
        (
            "photon_tag_category",
            Some("cardinality"),
            "name",
            (
                "associable_types",
                "associable_types = \"VirtualMachine\"",
                &["set of string required"],
            ),
        ),
        (
            "photon_virtual_machine",
            Some("resource_pool_id"),
            "annotation",
            ("num_cpus", "num_cpus = \"two\"", NUMBER),
        ),
    ];
    for (type_name, required, string_attr, (typed_attr, typed_snippet, typed_words)) in resources {
        if let Some(required) = required {
            let drop = format!("-{required}");
            cases.bad(
                "resource",
                type_name,
                "missing required argument",
                &[leak(drop)],
                required,
                REQUIRED,
            );
        }
        let list = format!("{string_attr} = [\"a\", \"b\"]");
        cases.bad(
            "resource",
            type_name,
            "list where a string is expected",
            &[leak(list)],
            string_attr,
            STRING,
        );
        cases.bad(
            "resource",
            type_name,
            "wrong type",
            &[typed_snippet],
            typed_attr,
            typed_words,
        );
        cases.bad(
            "resource",
            type_name,
            "unknown argument",
            &["colour = \"blue\""],
            "colour",
            UNSUPPORTED,
        );
        cases.bad(
            "resource",
            type_name,
            "unknown block",
            &["tuning {\n  }"],
            "tuning",
            &["blocks of type \"tuning\" are not expected"],
        );
    }
    // Nested blocks: types and limits inside them.
    cases.bad(
        "resource",
        "photon_virtual_machine",
        "string where a number is expected, in a block",
        &["disk {\n    label = \"d\"\n    size = \"big\"\n  }"],
        "size",
        NUMBER,
    );
    cases.bad(
        "resource",
        "photon_virtual_machine",
        "two clone blocks (at most one)",
        &[
            "clone {\n    template_uuid = \"a\"\n  }",
            "clone {\n    template_uuid = \"b\"\n  }",
        ],
        "clone",
        &["no more than 1"],
    );
    cases.bad(
        "resource",
        "photon_virtual_machine",
        "block missing its required argument",
        &["network_interface {\n    adapter_type = \"e1000\"\n  }"],
        "network_id",
        REQUIRED,
    );
    cases.bad(
        "resource",
        "photon_container",
        "number where a list is expected",
        &["ports {\n    internal = [80]\n  }"],
        "internal",
        NUMBER,
    );
    cases.bad(
        "resource",
        "photon_lightwave_tenant",
        "block missing its private key",
        &["credentials {\n    certificates = []\n  }"],
        "private_key",
        REQUIRED,
    );
    let data: [(&str, Option<&str>, &str); 14] = [
        ("photon_compute_cluster", Some("name"), "datacenter_id"),
        ("photon_container_image", Some("name"), "name"),
        ("photon_container_network", Some("name"), "name"),
        ("photon_datacenter", None, "name"),
        ("photon_datastore", Some("name"), "datacenter_id"),
        ("photon_folder", Some("path"), "path"),
        ("photon_host", None, "name"),
        ("photon_kickstart", None, "hostname"),
        ("photon_lightwave_tenant", Some("name"), "name"),
        ("photon_network", Some("name"), "datacenter_id"),
        ("photon_resource_pool", None, "name"),
        ("photon_tag", Some("category_id"), "name"),
        ("photon_tag_category", Some("name"), "name"),
        ("photon_virtual_machine", None, "path"),
    ];
    for (type_name, required, string_attr) in data {
        if let Some(required) = required {
            let drop = format!("-{required}");
            cases.bad(
                "data",
                type_name,
                "missing required argument",
                &[leak(drop)],
                required,
                REQUIRED,
            );
        }
        let list = format!("{string_attr} = [\"a\"]");
        cases.bad(
            "data",
            type_name,
            "list where a string is expected",
            &[leak(list)],
            string_attr,
            STRING,
        );
        cases.bad(
            "data",
            type_name,
            "unknown argument",
            &["colour = \"blue\""],
            "colour",
            UNSUPPORTED,
        );
    }
    cases.bad(
        "data",
        "photon_kickstart",
        "string where a bool is expected",
        &["live = \"maybe\""],
        "live",
        BOOL,
    );
    cases.bad(
        "data",
        "photon_kickstart",
        "string where a number is expected, in a block",
        &["network {\n    vlan_id = \"ten\"\n  }"],
        "vlan_id",
        NUMBER,
    );
    cases.list
}

/// Values the provider's validators refuse: out-of-range numbers, bad enum values, malformed
/// addresses, durations, paths, URIs and names, and conflicting arguments. Plus, per type, the
/// valid base and values that are only unknown, which must pass.
fn validator_cases(pki: &Pki) -> Vec<TfCase> {
    let mut cases = Cases {
        pki,
        list: Vec::new(),
    };
    let c = &mut cases;
    for type_name in RESOURCES {
        c.valid("resource", type_name, "the valid base", &[]);
    }
    for type_name in DATA_SOURCES {
        c.valid("data", type_name, "the valid base", &[]);
    }

    // Read-only (computed-only) attributes set in the configuration.
    c.bad(
        "resource",
        "photon_container",
        "read-only exit_code",
        &["exit_code = 3"],
        "exit_code",
        &["read-only"],
    );
    c.bad(
        "resource",
        "photon_container_volume",
        "read-only mountpoint",
        &["mountpoint = \"/x\""],
        "mountpoint",
        &["read-only"],
    );
    c.bad(
        "data",
        "photon_datacenter",
        "read-only id",
        &["id = \"x\""],
        "id",
        &["read-only"],
    );

    // photon_virtual_machine
    let vm = "photon_virtual_machine";
    c.bad(
        "resource",
        vm,
        "negative CPU count",
        &["num_cpus = -2"],
        "num_cpus",
        &["from 1 to 768"],
    );
    c.bad(
        "resource",
        vm,
        "zero cores per socket",
        &["num_cores_per_socket = 0"],
        "num_cores_per_socket",
        &["from 1 to 768"],
    );
    c.bad(
        "resource",
        vm,
        "too little memory",
        &["memory = 2"],
        "memory",
        &["from 4 to"],
    );
    c.bad(
        "resource",
        vm,
        "CPUs not a multiple of the cores",
        &["num_cpus = 4", "num_cores_per_socket = 3"],
        "num_cores_per_socket",
        &["multiple of"],
    );
    c.bad(
        "resource",
        vm,
        "bad firmware",
        &["firmware = \"uefi\""],
        "firmware",
        &["one of `bios`, `efi`"],
    );
    c.bad(
        "resource",
        vm,
        "bad power state",
        &["power_state = \"sleeping\""],
        "power_state",
        &["one of `on`, `off`"],
    );
    c.bad(
        "resource",
        vm,
        "bad SCSI type",
        &["scsi_type = \"ide\""],
        "scsi_type",
        &["one of `pvscsi`"],
    );
    c.bad(
        "resource",
        vm,
        "shutdown wait too long",
        &["shutdown_wait_timeout = 5000"],
        "shutdown_wait_timeout",
        &["from 0 to 60"],
    );
    c.bad(
        "resource",
        vm,
        "negative guest IP wait",
        &["wait_for_guest_ip_timeout = -1"],
        "wait_for_guest_ip_timeout",
        &["from 0 to 1440"],
    );
    c.bad(
        "resource",
        vm,
        "zero-sized disk",
        &["disk {\n    label = \"d\"\n    size = 0\n  }"],
        "disk[0].size",
        &["from 1 to"],
    );
    c.bad(
        "resource",
        vm,
        "unit number out of range",
        &["disk {\n    label = \"d\"\n    size = 1\n    unit_number = 16\n  }"],
        "disk[0].unit_number",
        &["from 0 to 15"],
    );
    c.bad(
        "resource",
        vm,
        "the controller's unit number",
        &["disk {\n    label = \"d\"\n    size = 1\n    unit_number = 7\n  }"],
        "disk[0].unit_number",
        &["use 0-6 or 8-15"],
    );
    c.bad(
        "resource",
        vm,
        "duplicate disk labels",
        &[
            "disk {\n    label = \"d\"\n    size = 1\n  }",
            "disk {\n    label = \"d\"\n    size = 2\n  }",
        ],
        "disk[1].label",
        &["already labelled"],
    );
    c.bad(
        "resource",
        vm,
        "duplicate unit numbers",
        &[
            "disk {\n    label = \"a\"\n    size = 1\n    unit_number = 3\n  }",
            "disk {\n    label = \"b\"\n    size = 2\n    unit_number = 3\n  }",
        ],
        "disk[1].unit_number",
        &["already uses unit 3"],
    );
    c.bad("resource", vm, "bad adapter type", &["network_interface {\n    network_id = \"network-1\"\n    adapter_type = \"rtl8139\"\n  }"], "network_interface[0].adapter_type", &["one of `vmxnet3`"]);
    c.bad(
        "resource",
        vm,
        "kickstart smuggled in extra_config",
        &["extra_config = { \"guestinfo.kickstart.data\" = \"x\" }"],
        "extra_config",
        &["`kickstart` argument"],
    );
    c.bad(
        "resource",
        vm,
        "folder with an empty segment",
        &["folder = \"a//b\""],
        "folder",
        &["empty or blank segment"],
    );
    c.bad(
        "resource",
        vm,
        "no disk and no clone",
        &["-disk"],
        "disk",
        &["at least one `disk`"],
    );
    c.bad(
        "resource",
        vm,
        "no datastore and no clone",
        &["-datastore_id"],
        "datastore_id",
        &["needs a datastore"],
    );

    // photon_container
    let ct = "photon_container";
    c.bad(
        "resource",
        ct,
        "env entry without =",
        &["env = [\"NOEQUALS\"]"],
        "env",
        &["KEY=value"],
    );
    c.bad(
        "resource",
        ct,
        "negative CPU shares",
        &["cpu_shares = -5"],
        "cpu_shares",
        &["from 2 to 262144"],
    );
    c.bad(
        "resource",
        ct,
        "too little memory",
        &["memory = 1"],
        "memory",
        &["from 6 to"],
    );
    c.bad(
        "resource",
        ct,
        "bad restart policy",
        &["restart = \"sometimes\""],
        "restart",
        &["one of `no`, `on-failure`"],
    );
    c.bad(
        "resource",
        ct,
        "retries without on-failure",
        &["restart = \"always\"", "max_retry_count = 3"],
        "max_retry_count",
        &["on-failure"],
    );
    c.bad(
        "resource",
        ct,
        "host network mode with networks",
        &[
            "network_mode = \"host\"",
            "networks_advanced {\n    name = \"backend\"\n  }",
        ],
        "network_mode",
        &["remove one of them"],
    );
    c.bad(
        "resource",
        ct,
        "bad health check command",
        &["healthcheck {\n    test = [\"PING\"]\n  }"],
        "healthcheck.test",
        &["CMD-SHELL"],
    );
    c.bad(
        "resource",
        ct,
        "malformed duration",
        &["healthcheck {\n    test = [\"NONE\"]\n    interval = \"10 parsecs\"\n  }"],
        "healthcheck.interval",
        &["expected a duration"],
    );
    c.bad(
        "resource",
        ct,
        "relative mount target",
        &["mounts {\n    target = \"data\"\n    type = \"volume\"\n    source = \"vol\"\n  }"],
        "mounts[0].target",
        &["absolute path"],
    );
    c.bad(
        "resource",
        ct,
        "bad mount type",
        &["mounts {\n    target = \"/data\"\n    type = \"nfs\"\n  }"],
        "mounts.type",
        &["one of `bind`, `volume`, `tmpfs`"],
    );
    c.bad(
        "resource",
        ct,
        "bind mount without source",
        &["mounts {\n    target = \"/data\"\n    type = \"bind\"\n  }"],
        "mounts[0].source",
        &["host path"],
    );
    c.bad("resource", ct, "tmpfs options on a volume mount", &["mounts {\n    target = \"/data\"\n    type = \"volume\"\n    source = \"v\"\n    tmpfs_options {\n      size_bytes = 1024\n    }\n  }"], "mounts[0].tmpfs_options", &["only a tmpfs mount"]);
    c.bad(
        "resource",
        ct,
        "port out of range",
        &["ports {\n    internal = 70000\n  }"],
        "ports[0].internal",
        &["from 1 to 65535"],
    );
    c.bad(
        "resource",
        ct,
        "bad protocol",
        &["ports {\n    internal = 80\n    protocol = \"icmp\"\n  }"],
        "ports[0].protocol",
        &["one of `tcp`, `udp`"],
    );
    c.bad(
        "resource",
        ct,
        "negative wait timeout",
        &["wait_timeout = -1"],
        "wait_timeout",
        &["from 1 to 86400"],
    );
    c.bad(
        "resource",
        ct,
        "grace period too long",
        &["destroy_grace_seconds = 99999"],
        "destroy_grace_seconds",
        &["from 0 to 3600"],
    );

    // containers: image, network, volume
    c.bad(
        "resource",
        "photon_container_image",
        "reference with spaces",
        &["name = \"UPPER CASE\""],
        "name",
        &["whitespace"],
    );
    c.bad(
        "resource",
        "photon_container_image",
        "blank tarball path",
        &["source_tarball = \" \""],
        "source_tarball",
        &["path of a tar file"],
    );
    c.bad(
        "resource",
        "photon_container_network",
        "slash in the name",
        &["name = \"a/b\""],
        "name",
        &["without \"/\""],
    );
    c.bad(
        "resource",
        "photon_container_network",
        "prefix length out of range",
        &["ipam_config {\n    subnet = \"10.0.0.0/33\"\n  }"],
        "ipam_config[0].subnet",
        &["prefix length from 0 to 32"],
    );
    c.bad(
        "resource",
        "photon_container_network",
        "malformed gateway",
        &["ipam_config {\n    subnet = \"10.0.0.0/24\"\n    gateway = \"10.0.0.300\"\n  }"],
        "ipam_config[0].gateway",
        &["not an IP address"],
    );
    c.bad(
        "resource",
        "photon_container_network",
        "ip_range not CIDR",
        &["ipam_config {\n    subnet = \"10.0.0.0/24\"\n    ip_range = \"banana\"\n  }"],
        "ipam_config[0].ip_range",
        &["CIDR notation"],
    );
    c.bad(
        "resource",
        "photon_container_network",
        "gateway with a prefix",
        &["ipam_config {\n    subnet = \"10.0.0.0/24\"\n    gateway = \"10.0.0.1/24\"\n  }"],
        "ipam_config[0].gateway",
        &["without a prefix"],
    );
    c.bad(
        "resource",
        "photon_container_volume",
        "name starting with a dash",
        &["name = \"-x\""],
        "name",
        &["starting with a letter or digit"],
    );

    // vSphere inventory resources
    c.bad(
        "resource",
        "photon_datastore_file",
        "blank source",
        &["source_file = \"\""],
        "source_file",
        &["path of a local file"],
    );
    c.bad(
        "resource",
        "photon_datastore_file",
        "absolute destination",
        &["destination_file = \"/abs/x\""],
        "destination_file",
        &["relative to the datastore"],
    );
    c.bad(
        "resource",
        "photon_folder",
        "bad folder type",
        &["type = \"everything\""],
        "type",
        &["one of `vm`, `host`"],
    );
    c.bad(
        "resource",
        "photon_folder",
        "empty path segment",
        &["path = \"a//b\""],
        "path",
        &["empty or blank segment"],
    );
    c.bad(
        "resource",
        "photon_folder",
        "vm folder without a datacenter",
        &["-datacenter_id"],
        "datacenter_id",
        &["lives in a datacenter"],
    );
    c.bad(
        "resource",
        "photon_image",
        "empty name",
        &["name = \"\""],
        "name",
        &["1 to 80 characters"],
    );
    c.bad(
        "resource",
        "photon_image",
        "bad provisioning",
        &["disk_provisioning = \"fat\""],
        "disk_provisioning",
        &["one of `thin`"],
    );
    c.bad(
        "resource",
        "photon_image",
        "absolute folder",
        &["folder = \"/a/b\""],
        "folder",
        &["relative to the datacenter"],
    );
    c.bad(
        "resource",
        "photon_image",
        "blank source",
        &["source_path = \"\""],
        "source_path",
        &[".ova"],
    );
    c.bad(
        "resource",
        "photon_tag",
        "blank category",
        &["category_id = \" \""],
        "category_id",
        &["non-empty"],
    );
    c.bad(
        "resource",
        "photon_tag",
        "blank name",
        &["name = \"\""],
        "name",
        &["non-empty"],
    );
    c.bad(
        "resource",
        "photon_tag_category",
        "bad cardinality",
        &["cardinality = \"MANY\""],
        "cardinality",
        &["one of `SINGLE`, `MULTIPLE`"],
    );
    c.bad(
        "resource",
        "photon_tag_category",
        "blank name",
        &["name = \" \""],
        "name",
        &["non-empty"],
    );
    c.bad(
        "resource",
        "photon_tag_category",
        "blank associable type",
        &["associable_types = [\"\"]"],
        "associable_types",
        &["managed object type"],
    );

    // Lightwave
    c.bad(
        "resource",
        "photon_lightwave_tenant",
        "bad tenant name",
        &["name = \"bad name!\""],
        "name",
        &["domain-like name"],
    );
    c.bad(
        "resource",
        "photon_lightwave_tenant",
        "administrator of another domain",
        &["admin_username = \"Administrator@other\""],
        "admin_username",
        &["lives in the\nnew tenant", "lives in the new tenant"],
    );
    c.bad(
        "resource",
        "photon_lightwave_tenant",
        "empty administrator password",
        &["admin_password = \"\""],
        "admin_password",
        &["non-empty password"],
    );
    c.bad(
        "resource",
        "photon_lightwave_tenant",
        "certificate not PEM",
        &[leak(format!(
            "credentials {{\n    certificates = [\"not a pem\"]\n    private_key = {}\n  }}",
            heredoc(&pki.key)
        ))],
        "credentials.certificates[0]",
        &["PEM certificate"],
    );
    c.bad(
        "resource",
        "photon_lightwave_tenant",
        "private key neither PEM nor base64",
        &[leak(format!(
            "credentials {{\n    certificates = [{}]\n    private_key = \"not-a-key!\"\n  }}",
            json!(pki.cert)
        ))],
        "credentials.private_key",
        &["PKCS#8"],
    );
    c.bad("resource", "photon_lightwave_tenant", "encrypted-style key label", &[leak(format!("credentials {{\n    certificates = [{}]\n    private_key = \"-----BEGIN RSA PRIVATE KEY-----\\nAAAA\\n-----END RSA PRIVATE KEY-----\"\n  }}", json!(pki.cert)))], "credentials.private_key", &["openssl pkcs8"]);
    c.bad(
        "resource",
        "photon_lightwave_tenant_policy",
        "blank tenant",
        &["tenant = \" \""],
        "tenant",
        &["tenant name"],
    );
    c.bad(
        "resource",
        "photon_lightwave_tenant_policy",
        "min length above max length",
        &["password_policy {\n    min_length = 20\n    max_length = 10\n  }"],
        "password_policy.min_length",
        &["at most max_length"],
    );
    c.bad(
        "resource",
        "photon_lightwave_tenant_policy",
        "negative count",
        &["password_policy {\n    min_numeric_count = -1\n  }"],
        "password_policy.min_numeric_count",
        &["whole number from 0"],
    );
    c.bad(
        "resource",
        "photon_lightwave_tenant_policy",
        "fractional count",
        &["lockout_policy {\n    max_failed_attempts = 1.5\n  }"],
        "lockout_policy.max_failed_attempts",
        &["whole number from 0"],
    );
    c.bad(
        "resource",
        "photon_lightwave_tenant_policy",
        "negative renew count",
        &["token_policy {\n    renew_count = -3\n  }"],
        "token_policy.renew_count",
        &["whole number from 0"],
    );
    c.bad(
        "resource",
        "photon_lightwave_user",
        "name with a domain",
        &["name = \"a@b\""],
        "name",
        &["without a domain"],
    );
    c.bad(
        "resource",
        "photon_lightwave_user",
        "empty password",
        &["password = \"\""],
        "password",
        &["non-empty password"],
    );
    c.bad(
        "resource",
        "photon_lightwave_user",
        "blank tenant",
        &["tenant = \"\""],
        "tenant",
        &["tenant name"],
    );
    c.bad(
        "resource",
        "photon_lightwave_group",
        "name with a slash",
        &["name = \"bad/group\""],
        "name",
        &["without a domain"],
    );
    c.bad(
        "resource",
        "photon_lightwave_group_member",
        "empty group",
        &["group = \"\""],
        "group",
        &["name@domain"],
    );
    c.bad(
        "resource",
        "photon_lightwave_group_member",
        "member with a space",
        &["member = \"x y\""],
        "member",
        &["name@domain"],
    );
    c.bad(
        "resource",
        "photon_lightwave_group_member",
        "bad member type",
        &["member_type = \"robot\""],
        "member_type",
        &["one of `user`, `group`"],
    );
    c.bad(
        "resource",
        "photon_lightwave_solution_user",
        "empty name",
        &["name = \"\""],
        "name",
        &["bare solution user name"],
    );
    c.bad(
        "resource",
        "photon_lightwave_solution_user",
        "certificate not PEM",
        &["certificate = \"nope\""],
        "certificate",
        &["BEGIN CERTIFICATE"],
    );
    c.bad(
        "resource",
        "photon_lightwave_oidc_client",
        "relative redirect URI",
        &["redirect_uris = [\"https://ok.example.com/cb\", \"relative/path\"]"],
        "redirect_uris[1]",
        &["absolute URI"],
    );
    c.bad(
        "resource",
        "photon_lightwave_oidc_client",
        "relative logout URI",
        &["logout_uri = \"also relative\""],
        "logout_uri",
        &["absolute URI"],
    );
    c.bad(
        "resource",
        "photon_lightwave_oidc_client",
        "relative post-logout URI",
        &["post_logout_redirect_uris = [\"/bye\"]"],
        "post_logout_redirect_uris[0]",
        &["absolute URI"],
    );
    c.bad(
        "resource",
        "photon_lightwave_oidc_client",
        "bad auth method",
        &["token_endpoint_auth_method = \"magic\""],
        "token_endpoint_auth_method",
        &["one of `none`, `private_key_jwt`"],
    );
    c.bad(
        "resource",
        "photon_lightwave_oidc_client",
        "private_key_jwt without a subject DN",
        &["token_endpoint_auth_method = \"private_key_jwt\""],
        "cert_subject_dn",
        &["required when"],
    );
    c.bad(
        "resource",
        "photon_lightwave_oidc_client",
        "negative assertion lifetime",
        &["authn_request_client_assertion_lifetime_ms = -1"],
        "authn_request_client_assertion_lifetime_ms",
        &["whole number of milliseconds"],
    );
    c.bad(
        "resource",
        "photon_lightwave_oidc_client",
        "fractional assertion lifetime",
        &["authn_request_client_assertion_lifetime_ms = 1.5"],
        "authn_request_client_assertion_lifetime_ms",
        &["whole number of milliseconds"],
    );

    // Data sources with validators
    c.bad(
        "data",
        "photon_container_image",
        "empty reference",
        &["name = \"\""],
        "name",
        &["image reference or ID"],
    );
    c.bad(
        "data",
        "photon_container_network",
        "empty name",
        &["name = \"\""],
        "name",
        &["network name or ID"],
    );
    c.bad(
        "data",
        "photon_lightwave_tenant",
        "blank name",
        &["name = \" \""],
        "name",
        &["tenant name"],
    );
    c.bad(
        "data",
        "photon_virtual_machine",
        "name and path together",
        &["path = \"/DC0/vm/x\""],
        "path",
        &["not both"],
    );
    c.bad(
        "data",
        "photon_virtual_machine",
        "neither name nor path",
        &["-name"],
        "name",
        &["inventory path"],
    );
    let ks = "photon_kickstart";
    c.bad(
        "data",
        ks,
        "unknown installer generation",
        &["installer_generation = \"photon-99\""],
        "installer_generation",
        &["expected one"],
    );
    c.bad(
        "data",
        ks,
        "bad partition table type",
        &["partition_type = \"zfs\""],
        "partition_type",
        &["one of `gpt`, `msdos`"],
    );
    c.bad(
        "data",
        ks,
        "bad boot mode",
        &["bootmode = \"floppy\""],
        "bootmode",
        &["one of `bios`, `efi`, `dualboot`"],
    );
    c.bad(
        "data",
        ks,
        "bad network type",
        &["network {\n    type = \"carrier-pigeon\"\n  }"],
        "network.type",
        &["one of `dhcp`, `static`, `vlan`"],
    );
    c.bad(
        "data",
        ks,
        "negative partition size",
        &["partitions {\n    mountpoint = \"/\"\n    size = -1\n  }"],
        "partitions[0].size",
        &["at least 1"],
    );
    c.bad(
        "data",
        ks,
        "unknown file system",
        &["partitions {\n    mountpoint = \"/\"\n    filesystem = \"ntfs\"\n  }"],
        "partitions[0].filesystem",
        &["one of `ext4`"],
    );
    c.bad(
        "data",
        ks,
        "relative mount point",
        &["partitions {\n    mountpoint = \"relative\"\n  }"],
        "partitions[0].mountpoint",
        &["absolute path"],
    );
    c.bad(
        "data",
        ks,
        "text and crypted password together",
        &["password {\n    text = \"a\"\n    crypted = \"$6$salt$hash\"\n  }"],
        "password",
        &["exactly one of `text`"],
    );
    c.bad(
        "data",
        ks,
        "malformed crypted password",
        &["password {\n    crypted = \"plain\"\n  }"],
        "password.crypted",
        &["crypt(3) hash"],
    );
    c.bad(
        "data",
        ks,
        "no disk",
        &["-disk"],
        "disk",
        &["block device path"],
    );
    c.bad(
        "data",
        ks,
        "no package set",
        &["-packages"],
        "packages",
        &["package set"],
    );

    // Values known only after apply: every validator must defer instead of failing.
    c.valid(
        "resource",
        vm,
        "unknown CPU count with a fixed core count",
        &[
            "num_cpus = photon_container.source.exit_code",
            "num_cores_per_socket = 3",
        ],
    );
    c.valid("resource", vm, "unknown enum, folder and disk values", &["firmware = photon_container_volume.source.mountpoint", "power_state = photon_container_volume.source.mountpoint", "folder = photon_container_volume.source.mountpoint", "disk {\n    label = photon_container_volume.source.mountpoint\n    size = photon_container.source.exit_code\n    unit_number = photon_container.source.exit_code\n  }", "disk {\n    label = photon_container_volume.source.mountpoint\n    size = 1\n  }"]);
    c.valid(
        "resource",
        vm,
        "unknown datastore",
        &["datastore_id = photon_container_volume.source.mountpoint"],
    );
    c.valid("resource", ct, "unknown env, health check, mounts, ports and restart", &["env = [photon_container_volume.source.mountpoint]", "restart = photon_container_volume.source.mountpoint", "max_retry_count = 3", "network_mode = photon_container_volume.source.mountpoint", "networks_advanced {\n    name = \"backend\"\n  }", "healthcheck {\n    test = [\"CMD\", photon_container_volume.source.mountpoint]\n    interval = photon_container_volume.source.mountpoint\n  }", "mounts {\n    target = photon_container_volume.source.mountpoint\n    type = \"bind\"\n    source = photon_container_volume.source.mountpoint\n  }", "ports {\n    internal = photon_container.source.exit_code\n    protocol = photon_container_volume.source.mountpoint\n  }", "memory = photon_container.source.exit_code"]);
    c.valid(
        "resource",
        "photon_container_image",
        "unknown reference",
        &["name = photon_container_volume.source.mountpoint"],
    );
    c.valid("resource", "photon_container_network", "unknown name and addresses", &["name = photon_container_volume.source.mountpoint", "ipam_config {\n    subnet = photon_container_volume.source.mountpoint\n    gateway = photon_container_volume.source.mountpoint\n  }"]);
    c.valid(
        "resource",
        "photon_container_volume",
        "unknown name",
        &["name = photon_container_volume.source.mountpoint"],
    );
    c.valid(
        "resource",
        "photon_folder",
        "unknown path, type and datacenter",
        &[
            "path = photon_container_volume.source.mountpoint",
            "type = photon_container_volume.source.mountpoint",
            "datacenter_id = photon_container_volume.source.mountpoint",
        ],
    );
    c.valid(
        "resource",
        "photon_tag_category",
        "unknown cardinality and types",
        &[
            "cardinality = photon_container_volume.source.mountpoint",
            "associable_types = [photon_container_volume.source.mountpoint]",
        ],
    );
    c.valid(
        "resource",
        "photon_tag",
        "unknown category",
        &["category_id = photon_container_volume.source.mountpoint"],
    );
    c.valid(
        "resource",
        "photon_image",
        "unknown name, source and folder",
        &[
            "name = photon_container_volume.source.mountpoint",
            "source_path = photon_container_volume.source.mountpoint",
            "folder = photon_container_volume.source.mountpoint",
            "disk_provisioning = photon_container_volume.source.mountpoint",
        ],
    );
    c.valid(
        "resource",
        "photon_datastore_file",
        "unknown paths",
        &[
            "destination_file = photon_container_volume.source.mountpoint",
            "datastore_id = photon_container_volume.source.mountpoint",
        ],
    );
    c.valid("resource", "photon_lightwave_tenant", "unknown name, administrator and credentials", &["name = photon_container_volume.source.mountpoint", "admin_username = photon_container_volume.source.mountpoint", "credentials {\n    certificates = [photon_container_volume.source.mountpoint]\n    private_key = photon_container_volume.source.mountpoint\n  }"]);
    c.valid("resource", "photon_lightwave_tenant_policy", "unknown policy numbers", &["tenant = photon_container_volume.source.mountpoint", "password_policy {\n    min_length = photon_container.source.exit_code\n    max_length = 10\n  }", "token_policy {\n    renew_count = photon_container.source.exit_code\n  }"]);
    c.valid(
        "resource",
        "photon_lightwave_user",
        "unknown name and password",
        &[
            "name = photon_container_volume.source.mountpoint",
            "password = photon_container_volume.source.mountpoint",
        ],
    );
    c.valid(
        "resource",
        "photon_lightwave_group",
        "unknown name",
        &["name = photon_container_volume.source.mountpoint"],
    );
    c.valid(
        "resource",
        "photon_lightwave_group_member",
        "unknown principals and type",
        &[
            "group = photon_container_volume.source.mountpoint",
            "member = photon_container_volume.source.mountpoint",
            "member_type = photon_container_volume.source.mountpoint",
        ],
    );
    c.valid(
        "resource",
        "photon_lightwave_solution_user",
        "unknown certificate",
        &["certificate = photon_container_volume.source.mountpoint"],
    );
    c.valid(
        "resource",
        "photon_lightwave_oidc_client",
        "unknown URIs, method and subject DN",
        &[
            "redirect_uris = [photon_container_volume.source.mountpoint]",
            "logout_uri = photon_container_volume.source.mountpoint",
            "token_endpoint_auth_method = \"private_key_jwt\"",
            "cert_subject_dn = photon_container_volume.source.mountpoint",
            "authn_request_client_assertion_lifetime_ms = photon_container.source.exit_code",
        ],
    );
    c.valid("data", "photon_kickstart", "unknown generation, disk and partitions", &["installer_generation = photon_container_volume.source.mountpoint", "disk = photon_container_volume.source.mountpoint", "partitions {\n    mountpoint = photon_container_volume.source.mountpoint\n    size = photon_container.source.exit_code\n  }"]);
    c.valid(
        "data",
        "photon_virtual_machine",
        "unknown name",
        &["name = photon_container_volume.source.mountpoint"],
    );
    c.valid(
        "data",
        "photon_container_image",
        "unknown reference",
        &["name = photon_container_volume.source.mountpoint"],
    );
    cases.list
}

/// Leaks a generated snippet so that case tables can hold `&'static str`s (tests only).
fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// The resources whose outputs the unknown-value cases read: planned for creation, so their
/// computed attributes are unknown in `plan` (and every reference is unknown in `validate`).
const UNKNOWN_SOURCES: &str = r#"
resource "photon_container_volume" "source" {
  name = "source"
}

resource "photon_container" "source" {
  name  = "source"
  image = "busybox"
}
"#;

/// Writes the cases into one configuration; returns it and each case's line range.
fn configuration(cases: &[TfCase]) -> (String, Vec<(usize, usize)>) {
    let mut text = versions_tf();
    text.push_str(UNKNOWN_SOURCES);
    let mut ranges = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        text.push('\n');
        let first = text.lines().count() + 1;
        writeln!(
            text,
            "# {}: {}\n{} \"{}\" \"case_{index}\" {{\n{}}}",
            case.type_name, case.what, case.kind, case.type_name, case.body
        )
        .unwrap();
        ranges.push((first, text.lines().count()));
    }
    (text, ranges)
}

/// One diagnostic of `terraform ... -json`.
#[derive(Debug)]
struct TfDiagnostic {
    severity: String,
    text: String,
    line: Option<usize>,
}

fn diagnostics(json_output: &str) -> Vec<TfDiagnostic> {
    let document: Value = serde_json::from_str(json_output).unwrap_or_else(|error| {
        panic!("terraform -json output is not JSON ({error}):\n{json_output}")
    });
    document["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|diagnostic| TfDiagnostic {
            severity: diagnostic["severity"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            text: format!(
                "{}: {}",
                diagnostic["summary"].as_str().unwrap_or_default(),
                diagnostic["detail"].as_str().unwrap_or_default()
            ),
            line: diagnostic["range"]["start"]["line"]
                .as_u64()
                .map(|line| line as usize),
        })
        .collect()
}

/// Runs `terraform validate -json` over `cases` in one configuration and checks every case.
/// Returns how many cases were checked.
fn validate_batch(terraform: &TerraformDir, name: &str, cases: &[TfCase]) -> usize {
    let (text, ranges) = configuration(cases);
    // Each batch replaces the previous configuration.
    let main = terraform.path().join("main.tf");
    let _ = std::fs::remove_file(&main);
    terraform.write("main.tf", &text);
    let started = Instant::now();
    let output = terraform.run(&["validate", "-json", "-no-color"]);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    eprintln!(
        "{name}: {} cases, terraform validate took {:?}",
        cases.len(),
        started.elapsed()
    );
    assert_no_crash(name, &format!("{stdout}\n{stderr}"));
    let found = diagnostics(&stdout);
    let case_at = |line: usize| {
        ranges
            .iter()
            .position(|(first, last)| (*first..=*last).contains(&line))
    };
    let mut per_case: BTreeMap<usize, Vec<&TfDiagnostic>> = BTreeMap::new();
    for diagnostic in &found {
        if diagnostic.severity != "error" {
            continue;
        }
        let case = diagnostic.line.and_then(case_at).unwrap_or_else(|| {
            panic!(
                "{name}: an error outside of any case (ambiguous batch):\n{diagnostic:?}\n--- configuration\n{text}"
            )
        });
        per_case.entry(case).or_default().push(diagnostic);
    }
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        let errors = per_case.get(&index).cloned().unwrap_or_default();
        let label = format!(
            "{} {}.case_{index} ({})",
            case.kind, case.type_name, case.what
        );
        match &case.expect {
            Expect::Valid => {
                if !errors.is_empty() {
                    failures.push(format!("{label}: refused, but it is valid:\n{errors:#?}"));
                }
            }
            Expect::Error { attribute, words } => {
                let attribute = normalise_path(attribute);
                let named = errors.iter().any(|error| {
                    let text = error.text.to_lowercase();
                    normalise_path(&text).contains(&attribute.to_lowercase())
                        && words.iter().any(|word| text.contains(&word.to_lowercase()))
                });
                if errors.is_empty() {
                    failures.push(format!("{label}: accepted\n{}", case.body));
                } else if !named {
                    failures.push(format!(
                        "{label}: no error names {attribute:?} with one of {words:?}:\n{errors:#?}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    let refused = cases
        .iter()
        .any(|case| matches!(case.expect, Expect::Error { .. }));
    assert_eq!(
        output.status.success(),
        !refused,
        "{name}: exit status {} does not match the cases",
        output.status
    );
    cases.len()
}

fn count_by_type(cases: &[TfCase], counts: &mut BTreeMap<String, (usize, usize)>) {
    for case in cases {
        let entry = counts
            .entry(format!("{} {}", case.kind, case.type_name))
            .or_default();
        match case.expect {
            Expect::Error { .. } => entry.0 += 1,
            Expect::Valid => entry.1 += 1,
        }
    }
}

#[test]
fn terraform_refuses_every_invalid_configuration_naming_the_attribute() {
    let started = Instant::now();
    let pki = pki();
    let terraform = TerraformDir::new(ProviderInstall::DevOverride);
    let schema = schema_cases(&pki);
    let validators = validator_cases(&pki);
    let mut counts = BTreeMap::new();
    count_by_type(&schema, &mut counts);
    count_by_type(&validators, &mut counts);
    let mut checked = validate_batch(&terraform, "schema errors", &schema);
    checked += validate_batch(&terraform, "provider validation", &validators);
    // Every registered type is covered.
    for type_name in RESOURCES {
        assert!(
            counts.contains_key(&format!("resource {type_name}")),
            "{type_name}"
        );
    }
    for type_name in DATA_SOURCES {
        assert!(
            counts.contains_key(&format!("data {type_name}")),
            "{type_name}"
        );
    }
    for (type_name, (bad, valid)) in &counts {
        eprintln!("{type_name}: {bad} invalid, {valid} valid or unknown-only");
    }
    let bad: usize = counts.values().map(|(bad, _)| bad).sum();
    eprintln!(
        "terraform: {checked} cases ({bad} invalid) over {} types in {:?}",
        counts.len(),
        started.elapsed()
    );
}

#[test]
fn terraform_plans_values_that_are_only_unknown_without_contacting_anything() {
    let pki = pki();
    let unknown: Vec<TfCase> = validator_cases(&pki)
        .into_iter()
        .filter(|case| matches!(case.expect, Expect::Valid) && case.what.starts_with("unknown"))
        .collect();
    assert!(unknown.len() >= 20, "{}", unknown.len());
    let (mut text, _) = configuration(&unknown);
    // Every backend configured, none reachable: a plan that needed one would fail.
    text.push_str(
        r#"
provider "photon" {
  vsphere {
    server   = "127.0.0.1:9"
    user     = "nobody"
    password = "nothing"
  }
  container_engine {
    host = "unix:///nonexistent/photon-bad-input.sock"
  }
  lightwave {
    endpoint = "https://127.0.0.1:9"
    tenant   = "acme"
    username = "nobody"
    password = "nothing"
  }
}
"#,
    );
    let terraform = TerraformDir::new(ProviderInstall::DevOverride);
    terraform.write("main.tf", &text);
    let started = Instant::now();
    let output = terraform.run(&["plan", "-no-color", "-input=false", "-refresh=false"]);
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "plan of {} unknown-value cases took {:?}",
        unknown.len(),
        started.elapsed()
    );
    assert_no_crash("plan", &all);
    assert!(
        output.status.success(),
        "a value that is only unknown failed the plan:\n{all}"
    );
    // Every case's resource is planned (data sources with unknown arguments are deferred).
    for (index, case) in unknown.iter().enumerate() {
        if case.kind == "resource" {
            let address = format!("{}.case_{index} will be created", case.type_name);
            assert!(all.contains(&address), "{address} missing:\n{all}");
        }
    }
}

// ---- Packer ---------------------------------------------------------------------------------

/// Keys whose values are HCL2 blocks (JSON objects or arrays of objects), per component.
const BLOCK_KEYS: [&str; 9] = [
    "storage",
    "network_adapters",
    "kickstart",
    "partitions",
    "password",
    "network",
    "lvm",
    "additional_files",
    "content_library_destination",
];

/// An HCL2 rendering of a JSON value (maps as objects, blocks as blocks).
fn hcl_value(value: &Value) -> String {
    match value {
        Value::Object(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(key, value)| format!("{} = {}", json!(key), hcl_value(value)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(hcl_value).collect::<Vec<_>>().join(", ")
        ),
        other => other.to_string(),
    }
}

fn hcl_body(object: &serde_json::Map<String, Value>, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut text = String::new();
    for (key, value) in object {
        match value {
            Value::Object(inner) if BLOCK_KEYS.contains(&key.as_str()) => {
                let _ = writeln!(
                    text,
                    "{pad}{key} {{\n{}{pad}}}",
                    hcl_body(inner, indent + 2)
                );
            }
            Value::Array(items)
                if BLOCK_KEYS.contains(&key.as_str()) && items.iter().all(Value::is_object) =>
            {
                for item in items {
                    let inner = item.as_object().unwrap();
                    let _ = writeln!(
                        text,
                        "{pad}{key} {{\n{}{pad}}}",
                        hcl_body(inner, indent + 2)
                    );
                }
            }
            other => {
                let _ = writeln!(text, "{pad}{key} = {}", hcl_value(other));
            }
        }
    }
    text
}

/// A Packer case: a component's valid base with `changes` merged in (`null` removes a key).
#[derive(Clone, Debug)]
struct PackerCase {
    component: &'static str,
    what: &'static str,
    changes: Value,
    key: &'static str,
    /// One of these must appear (case-insensitive); HCL2 and JSON word type errors differently.
    words: &'static [&'static str],
}

const CONNECTION: [(&str, &str); 3] = [
    ("vcenter_server", "vc.example.com"),
    ("username", "u"),
    ("password", "p"),
];

fn packer_base(component: &str) -> serde_json::Map<String, Value> {
    let mut base: serde_json::Map<String, Value> = CONNECTION
        .iter()
        .map(|(key, value)| ((*key).to_owned(), json!(value)))
        .collect();
    match component {
        "photon-clone" => {
            base.insert("template".into(), json!("DC0_H0_VM0"));
            base.insert("vm_name".into(), json!("bad-input"));
        }
        "photon-iso" => {
            base.insert("vm_name".into(), json!("bad-input"));
            base.insert("storage".into(), json!([{"disk_size": 1024}]));
            base.insert("iso_paths".into(), json!(["[LocalDS_0] photon.iso"]));
        }
        "photon-template" => {}
        other => panic!("no base for {other}"),
    }
    base
}

fn merged(case: &PackerCase) -> serde_json::Map<String, Value> {
    let mut config = packer_base(case.component);
    for (key, value) in case.changes.as_object().unwrap() {
        if value.is_null() {
            config.remove(key);
        } else {
            config.insert(key.clone(), value.clone());
        }
    }
    config
}

/// The template for `case` in `format` (`hcl` or `json`): the component under test, plus a valid
/// `photon-clone` source when the case is about the post-processor.
fn packer_template(case: &PackerCase, format: &str) -> String {
    let config = merged(case);
    let builder = if case.component == "photon-template" {
        packer_base("photon-clone")
    } else {
        config.clone()
    };
    let builder_type = if case.component == "photon-template" {
        "photon-clone"
    } else {
        case.component
    };
    match format {
        "json" => {
            let mut builder = builder;
            builder.insert("type".into(), json!(builder_type));
            let mut template = json!({ "builders": [builder] });
            if case.component == "photon-template" {
                let mut post = config;
                post.insert("type".into(), json!("photon-template"));
                template["post-processors"] = json!([post]);
            }
            serde_json::to_string_pretty(&template).unwrap()
        }
        _ => {
            let mut text = format!(
                "source \"{builder_type}\" \"bad\" {{\n{}}}\n\nbuild {{\n  sources = [\"source.{builder_type}.bad\"]\n",
                hcl_body(&builder, 2)
            );
            if case.component == "photon-template" {
                let _ = writeln!(
                    text,
                    "  post-processor \"photon-template\" {{\n{}  }}",
                    hcl_body(&config, 4)
                );
            }
            text.push_str("}\n");
            text
        }
    }
}

const P_NUMBER: &[&str] = &[
    "a number is required",
    "number required",
    "expected an integer",
    "expected a number",
];
const P_STRING: &[&str] = &["string required", "expected a string"];
const P_BOOL: &[&str] = &["bool required", "a bool is required", "expected a bool"];
const P_UNKNOWN: &[&str] = &["not expected", "unknown configuration key"];
const P_MISSING: &[&str] = &["missing", "required", "must be set"];
const P_DURATION: &[&str] = &["duration"];

fn packer_cases() -> Vec<PackerCase> {
    let case = |component, what, changes: Value, key, words| PackerCase {
        component,
        what,
        changes,
        key,
        words,
    };
    let mut cases = Vec::new();
    for component in ["photon-clone", "photon-iso", "photon-template"] {
        // Shared connection keys: every component gets them wrong the same ways.
        cases.push(case(
            component,
            "empty server",
            json!({"vcenter_server": ""}),
            "vcenter_server",
            &["empty", "required", "must be set"][..],
        ));
        cases.push(case(
            component,
            "no user",
            json!({"username": null}),
            "username",
            P_MISSING,
        ));
        cases.push(case(
            component,
            "list where a string is expected",
            json!({"datacenter": ["DC0"]}),
            "datacenter",
            P_STRING,
        ));
        cases.push(case(
            component,
            "string where a bool is expected",
            json!({"insecure_connection": "perhaps"}),
            "insecure_connection",
            P_BOOL,
        ));
        cases.push(case(
            component,
            "unknown key",
            json!({"colour": "blue"}),
            "colour",
            P_UNKNOWN,
        ));
    }
    let clone = "photon-clone";
    cases.extend([
        case(clone, "no template", json!({"template": null}), "template", P_MISSING),
        case(clone, "negative CPU count", json!({"CPUs": -1}), "CPUs", &["at least 1"]),
        case(clone, "zero memory", json!({"RAM": 0}), "RAM", &["positive"]),
        case(clone, "list where a number is expected", json!({"RAM": [1024]}), "RAM", P_NUMBER),
        case(clone, "negative cores", json!({"cpu_cores": -2}), "cpu_cores", &["at least 1", "positive"]),
        case(clone, "negative disk size", json!({"disk_size": -10}), "disk_size", &["at least", "positive"]),
        case(clone, "bad firmware", json!({"firmware": "coreboot"}), "firmware", &["\"bios\""]),
        case(clone, "malformed shutdown timeout", json!({"shutdown_timeout": "soon"}), "shutdown_timeout", P_DURATION),
        case(clone, "string where a map is expected", json!({"configuration_parameters": "a=b"}), "configuration_parameters", &["map of string required", "expected a block/object"]),
        case(clone, "string where a bool is expected", json!({"linked_clone": "sometimes"}), "linked_clone", P_BOOL),
        case(clone, "bad communicator", json!({"communicator": "telnet"}), "communicator", &["\"ssh\""]),
        case(clone, "ssh without a user", json!({"communicator": "ssh", "ssh_password": "pw"}), "ssh_username", &["required with communicator"]),
        case(clone, "ssh without a password or key", json!({"communicator": "ssh", "ssh_username": "root"}), "ssh_password", &["required with communicator"]),
        case(clone, "ssh port out of range", json!({"communicator": "ssh", "ssh_username": "root", "ssh_password": "pw", "ssh_port": 70000}), "ssh_port", &["1-65535"]),
        case(clone, "ssh port of the wrong type", json!({"communicator": "ssh", "ssh_username": "root", "ssh_password": "pw", "ssh_port": "twenty-two"}), "ssh_port", P_NUMBER),
        case(clone, "malformed ssh timeout", json!({"communicator": "ssh", "ssh_username": "root", "ssh_password": "pw", "ssh_timeout": "forever"}), "ssh_timeout", P_DURATION),
        case(clone, "malformed IP wait", json!({"communicator": "ssh", "ssh_username": "root", "ssh_password": "pw", "ip_wait_timeout": "1 fortnight"}), "ip_wait_timeout", P_DURATION),
        case(clone, "malformed IP settle time", json!({"communicator": "ssh", "ssh_username": "root", "ssh_password": "pw", "ip_settle_timeout": "a bit"}), "ip_settle_timeout", P_DURATION),
        case(clone, "negative handshake attempts", json!({"communicator": "ssh", "ssh_username": "root", "ssh_password": "pw", "ssh_handshake_attempts": -1}), "ssh_handshake_attempts", &["at least", "positive", "negative"]),
        case(clone, "unreadable private key file", json!({"communicator": "ssh", "ssh_username": "root", "ssh_private_key_file": "/nonexistent/id_ed25519"}), "ssh_private_key_file", &["/nonexistent/id_ed25519"]),
        case(clone, "snapshot name without a snapshot", json!({"snapshot_name": "s"}), "snapshot_name", &["create_snapshot"]),
    ]);
    let iso = "photon-iso";
    cases.extend([
        case(iso, "no storage", json!({"storage": null}), "storage", &["at least one", "required"]),
        case(iso, "zero CPUs", json!({"CPUs": 0}), "CPUs", &["at least 1"]),
        case(iso, "bad controller", json!({"disk_controller_type": "ide"}), "disk_controller_type", &["\"pvscsi\""]),
        case(iso, "bad firmware", json!({"firmware": "bios2"}), "firmware", &["\"efi-secure\""]),
        case(iso, "negative disk size", json!({"storage": [{"disk_size": -5}]}), "storage[0].disk_size", &["at least 1"]),
        case(iso, "string where a number is expected, in a block", json!({"storage": [{"disk_size": "big"}]}), "disk_size", P_NUMBER),
        case(iso, "bad network card", json!({"network_adapters": [{"network_card": "rtl"}]}), "network_adapters[0].network_card", &["vmxnet3"]),
        case(iso, "ISO without a checksum", json!({"iso_url": "/etc/hostname"}), "iso_checksum", &["required with iso_url"]),
        case(iso, "malformed checksum", json!({"iso_url": "/etc/hostname", "iso_checksum": "sha256:xyz"}), "iso_checksum", &["sha256"]),
        case(iso, "string where a number is expected", json!({"vm_version": "fourteen"}), "vm_version", P_NUMBER),
        case(iso, "malformed boot wait", json!({"boot_wait": "later"}), "boot_wait", P_DURATION),
        case(iso, "string where a map is expected", json!({"http_content": "index.html"}), "http_content", &["map of string required", "expected a block/object"]),
        case(iso, "a communicator the builder does not have", json!({"communicator": "ssh"}), "communicator", &["\"none\""]),
        case(iso, "unknown key in a block", json!({"storage": [{"disk_size": 1024, "disk_colour": "red"}]}), "disk_colour", P_UNKNOWN),
        case(iso, "bad kickstart boot mode", json!({"kickstart": {"disk": "/dev/sda", "bootmode": "floppy"}}), "kickstart.bootmode", &["dualboot"]),
        case(iso, "bad kickstart delivery", json!({"kickstart": {"disk": "/dev/sda", "delivery": "carrier-pigeon"}}), "delivery", &["guestinfo"]),
        case(iso, "negative kickstart partition size", json!({"kickstart": {"disk": "/dev/sda", "partitions": [{"mountpoint": "/", "size": -1}]}}), "kickstart.partitions[0].size", &["at least 1"]),
    ]);
    let template = "photon-template";
    cases.extend([
        case(
            template,
            "snapshot name without a snapshot",
            json!({"snapshot_name": "s"}),
            "snapshot_name",
            &["snapshot_enable"],
        ),
        case(
            template,
            "string where a bool is expected",
            json!({"snapshot_enable": "later"}),
            "snapshot_enable",
            P_BOOL,
        ),
        case(
            template,
            "a VMTX library item",
            json!({"content_library_destination": {"library": "lib", "ovf": false}}),
            "ovf",
            &["not supported"],
        ),
        case(
            template,
            "library destination without a library",
            json!({"content_library_destination": {"name": "item"}}),
            "library",
            P_MISSING,
        ),
        case(
            template,
            "string where a bool is expected, in a block",
            json!({"content_library_destination": {"library": "lib", "destroy": "maybe"}}),
            "destroy",
            P_BOOL,
        ),
    ]);
    cases
}

#[test]
fn packer_refuses_every_invalid_configuration_naming_the_key() {
    let started = Instant::now();
    let cases = packer_cases();
    let mut failures = Vec::new();
    let mut runs = 0;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    // Packer validates one template in about 0.3 s; the cases run on a few threads.
    let chunks: Vec<Vec<PackerCase>> = cases
        .chunks(cases.len().div_ceil(3))
        .map(<[_]>::to_vec)
        .collect();
    let results: Vec<(Vec<String>, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                scope.spawn(move || {
                    let packer = PackerDir::new();
                    let mut failures = Vec::new();
                    let mut runs = 0;
                    for case in chunk {
                        for format in ["hcl", "json"] {
                            runs += 1;
                            if let Some(failure) = packer_case(&packer, case, format) {
                                failures.push(failure);
                            }
                        }
                    }
                    (failures, runs)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().unwrap())
            .collect()
    });
    for (chunk_failures, chunk_runs) in results {
        failures.extend(chunk_failures);
        runs += chunk_runs;
    }
    for case in &cases {
        *counts.entry(case.component).or_default() += 2;
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} packer validations failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    for (component, count) in counts {
        eprintln!("{component}: {count} invalid templates (HCL2 and JSON)");
    }
    eprintln!("packer: {runs} validations in {:?}", started.elapsed());
}

/// Validates `case` in `format`; a description of what went wrong, if anything did.
fn packer_case(packer: &PackerDir, case: &PackerCase, format: &str) -> Option<String> {
    let file = if format == "json" {
        "case.json"
    } else {
        "case.pkr.hcl"
    };
    for stale in ["case.json", "case.pkr.hcl"] {
        let _ = std::fs::remove_file(packer.path().join(stale));
    }
    let template = packer_template(case, format);
    packer.write(file, &template);
    let mut command = packer.command(&["validate", file]);
    let output = run_bounded(&mut command, Duration::from_secs(60));
    let all = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let label = format!("{} ({format}): {}", case.component, case.what);
    // Packer wraps its messages at 80 columns.
    let lower = all
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    for marker in CRASH_MARKERS {
        if lower.contains(&marker.to_lowercase()) {
            return Some(format!(
                "{label}: {marker:?} in:\n{all}\n--- template\n{template}"
            ));
        }
    }
    if output.status.success() {
        return Some(format!("{label}: accepted\n--- template\n{template}"));
    }
    if !normalise_path(&lower).contains(&normalise_path(&case.key.to_lowercase())) {
        return Some(format!(
            "{label}: the error does not name {:?}:\n{all}\n--- template\n{template}",
            case.key
        ));
    }
    if !case
        .words
        .iter()
        .any(|word| lower.contains(&word.to_lowercase()))
    {
        return Some(format!(
            "{label}: none of {:?} in:\n{all}\n--- template\n{template}",
            case.words
        ));
    }
    None
}

/// Runs `command` and kills it if it outlives `limit` (a hang is a failure, not a stuck suite).
fn run_bounded(command: &mut std::process::Command, limit: Duration) -> std::process::Output {
    use std::process::Stdio;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("cannot run {command:?}: {error}"));
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!(
                "{command:?} still ran after {limit:?}:\n{}\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
