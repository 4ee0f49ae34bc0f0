#![allow(clippy::unwrap_used)]
//! Our gob bytes decoded by Go's `encoding/gob` into the real hcldec types (Debian's hcl v2
//! package), built twice GOPATH-style: once with hcl and cty under
//! `github.com/hashicorp/packer/vendor/` — so gob names come out exactly as in Debian's Packer
//! 1.6.6 — and once with plain import paths, as in upstream and modern builds.
//!
//! Debian's go-cty (1.12) has no gob support any more (dropped in 1.11), so the peer builds
//! against a copy of it plus `tests/go/ctygob/gob_decode.go`, which restores the decoding half
//! with go-cty 1.4's wire shape.
//!
//! Needs: `apt-get install golang-go golang-github-hashicorp-hcl-v2-dev
//! golang-github-zclconf-go-cty-dev`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use hcl_spec::{BlockListSpec, CtyType, GobFlavor, ObjectSpec, Spec, encode_gob};

const GOCODE: &str = "/usr/share/gocode/src";
const INSTALL: &str = "apt-get install golang-go golang-github-hashicorp-hcl-v2-dev \
                       golang-github-zclconf-go-cty-dev";
const VENDORED_NAME: &str =
    "github.com/hashicorp/packer/vendor/github.com/hashicorp/hcl/v2/hcldec.ObjectSpec";
const PLAIN_NAME: &str = "github.com/hashicorp/hcl/v2/hcldec.ObjectSpec";

struct Peers {
    debian: PathBuf,
    upstream: PathBuf,
}

fn peers() -> &'static Peers {
    static PEERS: OnceLock<Peers> = OnceLock::new();
    PEERS.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hcl-spec-peer");
        Peers {
            debian: build(&root.join("debian"), Some("github.com/hashicorp/packer")),
            upstream: build(&root.join("upstream"), None),
        }
    })
}

/// Lays out a GOPATH under `root` and builds the peer; `under` is the package whose `vendor/`
/// holds hcl and cty (None: they sit at their plain paths).
fn build(root: &Path, under: Option<&str>) -> PathBuf {
    for package in [
        "github.com/hashicorp/hcl/v2/hcldec",
        "github.com/zclconf/go-cty/cty",
    ] {
        assert!(
            Path::new(GOCODE).join(package).is_dir(),
            "{package} is missing from {GOCODE}: {INSTALL}"
        );
    }
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go");
    let _ = std::fs::remove_dir_all(root);
    let src = root.join("src");
    let (main_package, libraries) = match under {
        Some(parent) => (
            format!("{parent}/photonpeer"),
            src.join(parent).join("vendor"),
        ),
        None => ("photonpeer".to_owned(), src.clone()),
    };
    let main_dir = src.join(&main_package);
    std::fs::create_dir_all(&main_dir).unwrap();
    std::fs::copy(here.join("peer/main.go"), main_dir.join("main.go")).unwrap();
    if under.is_some() {
        // Upstream layout finds hcl through the second GOPATH entry; a vendored copy must be
        // inside the vendor tree to get the vendored PkgPath.
        let hcl = libraries.join("github.com/hashicorp/hcl");
        std::fs::create_dir_all(&hcl).unwrap();
        symlink(
            &Path::new(GOCODE).join("github.com/hashicorp/hcl/v2"),
            &hcl.join("v2"),
        );
    }
    // go-cty: every entry linked, except cty/ itself, whose files are linked one by one next to
    // the gob shim.
    let cty_module = Path::new(GOCODE).join("github.com/zclconf/go-cty");
    let overlay = libraries.join("github.com/zclconf/go-cty");
    link_entries(&cty_module, &overlay, &["cty"]);
    link_entries(&cty_module.join("cty"), &overlay.join("cty"), &[]);
    std::fs::copy(
        here.join("ctygob/gob_decode.go"),
        overlay.join("cty/zz_photon_gob_decode.go"),
    )
    .unwrap();

    let binary = root.join("photon-hcl-spec-peer");
    let output = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(&main_package)
        .current_dir(root)
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOPATH", format!("{}:/usr/share/gocode", root.display()))
        .output()
        .unwrap_or_else(|error| panic!("cannot run go ({error}): {INSTALL}"));
    assert!(
        output.status.success(),
        "go build failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    binary
}

fn link_entries(from: &Path, to: &Path, except: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if except.iter().any(|skip| name == *skip) {
            continue;
        }
        symlink(&entry.path(), &to.join(name));
    }
}

fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Runs a peer on `bytes`; Ok(stdout) or Err(stderr).
fn decode(peer: &Path, bytes: &[u8], hcl_file: Option<&Path>) -> Result<String, String> {
    let mut command = Command::new(peer);
    if let Some(file) = hcl_file {
        command.arg(file);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    if output.status.success() {
        Ok(stdout.trim_end().to_owned())
    } else {
        Err(stderr)
    }
}

// The peer prints Go's encoding/json: compact, map keys sorted. These render our model the same
// way, independently of the encoder, so a match means Go decoded what we meant.

fn json_str(text: &str) -> String {
    assert!(
        text.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./ ".contains(c))
    );
    format!("\"{text}\"")
}

fn type_json(ty: &CtyType) -> String {
    match ty {
        CtyType::String => "\"string\"".into(),
        CtyType::Number => "\"number\"".into(),
        CtyType::Bool => "\"bool\"".into(),
        CtyType::List(element) => format!("[\"list\",{}]", type_json(element)),
        CtyType::Set(element) => format!("[\"set\",{}]", type_json(element)),
        CtyType::Map(element) => format!("[\"map\",{}]", type_json(element)),
        // gob leaves empty maps out, so Go decodes a nil AttrTypes, as it would from Go's own
        // encoder.
        CtyType::Object(attributes) if attributes.is_empty() => "[\"object\",null]".into(),
        CtyType::Object(attributes) => {
            let fields: Vec<String> = attributes
                .iter()
                .map(|(name, ty)| format!("{}:{}", json_str(name), type_json(ty)))
                .collect();
            format!("[\"object\",{{{}}}]", fields.join(","))
        }
        CtyType::Dynamic => "\"dynamic\"".into(),
    }
}

fn spec_json(spec: &ObjectSpec) -> String {
    let entries: Vec<String> = spec
        .entries
        .iter()
        .map(|(key, entry)| {
            let value = match entry {
                Spec::Attr(attr) => format!(
                    "{{\"attr\":{{\"name\":{},\"required\":{},\"type\":{}}}}}",
                    json_str(&attr.name),
                    attr.required,
                    type_json(&attr.ty)
                ),
                Spec::Block(block) => format!(
                    "{{\"block\":{{\"nested\":{},\"required\":{},\"type_name\":{}}}}}",
                    spec_json(&block.nested),
                    block.required,
                    json_str(&block.type_name)
                ),
                Spec::BlockList(list) => format!(
                    "{{\"block_list\":{{\"max_items\":{},\"min_items\":{},\"nested\":{},\"type_name\":{}}}}}",
                    list.max_items,
                    list.min_items,
                    spec_json(&list.nested),
                    json_str(&list.type_name)
                ),
            };
            format!("{}:{}", json_str(key), value)
        })
        .collect();
    format!("{{{}}}", entries.join(","))
}

fn expected(spec: &ObjectSpec, name: &str) -> String {
    format!(
        "{{\"object_spec_name\":{},\"spec\":{}}}",
        json_str(name),
        spec_json(spec)
    )
}

/// Every spec and type kind the model has, nested the ways vsphere's generated specs nest.
fn full_spec() -> ObjectSpec {
    let disk = ObjectSpec::new()
        .attr("disk_size", CtyType::Number)
        .attr("disk_thin_provisioned", CtyType::Bool);
    let mut spec = ObjectSpec::new()
        .attr("vcenter_server", CtyType::String)
        .attr("CPUs", CtyType::Number)
        .attr("insecure_connection", CtyType::Bool)
        .attr("boot_command", CtyType::list(CtyType::String))
        .attr("ssh_public_key", CtyType::list(CtyType::Number))
        .attr("configuration_parameters", CtyType::map(CtyType::String))
        .attr("unique_tags", CtyType::set(CtyType::String))
        .attr(
            "network",
            CtyType::Object(BTreeMap::from([
                ("name".to_owned(), CtyType::String),
                ("vlans".to_owned(), CtyType::list(CtyType::Number)),
            ])),
        )
        .attr("empty_object", CtyType::Object(BTreeMap::new()))
        .attr(
            "matrix",
            CtyType::list(CtyType::map(CtyType::set(CtyType::Bool))),
        )
        .block(
            "vapp",
            ObjectSpec::new().attr("properties", CtyType::map(CtyType::String)),
        )
        .block("empty_block", ObjectSpec::new())
        .block_list(
            "network_adapters",
            ObjectSpec::new()
                .attr("network", CtyType::String)
                .block("export", ObjectSpec::new().attr("force", CtyType::Bool)),
        );
    spec.entries.insert(
        "storage".into(),
        Spec::BlockList(BlockListSpec {
            type_name: "storage".into(),
            nested: disk,
            min_items: 1,
            max_items: 300,
        }),
    );
    if let Some(Spec::Attr(attr)) = spec.entries.get_mut("vcenter_server") {
        attr.required = true;
    }
    if let Some(Spec::Block(block)) = spec.entries.get_mut("vapp") {
        block.required = true;
    }
    spec
}

#[test]
fn debian_layout_decodes_debian_bytes_into_real_hcldec_types() {
    let spec = full_spec();
    let bytes = encode_gob(&spec, GobFlavor::Debian166).unwrap();
    let decoded = decode(&peers().debian, &bytes, None).unwrap();
    assert_eq!(decoded, expected(&spec, VENDORED_NAME));
}

#[test]
fn upstream_layout_decodes_upstream_bytes_into_real_hcldec_types() {
    let spec = full_spec();
    let bytes = encode_gob(&spec, GobFlavor::Upstream).unwrap();
    let decoded = decode(&peers().upstream, &bytes, None).unwrap();
    assert_eq!(decoded, expected(&spec, PLAIN_NAME));
}

/// The crash the reference verified on Debian 1.6.6, reproduced both ways round.
#[test]
fn the_wrong_flavour_is_refused_by_name() {
    let spec = ObjectSpec::new().block("export", ObjectSpec::new().attr("force", CtyType::Bool));
    let upstream = encode_gob(&spec, GobFlavor::Upstream).unwrap();
    let error = decode(&peers().debian, &upstream, None).unwrap_err();
    assert!(
        error.contains(&format!(
            "name not registered for interface: \"{PLAIN_NAME}\""
        )),
        "{error}"
    );
    let debian = encode_gob(&spec, GobFlavor::Debian166).unwrap();
    let error = decode(&peers().upstream, &debian, None).unwrap_err();
    assert!(
        error.contains(&format!(
            "name not registered for interface: \"{VENDORED_NAME}\""
        )),
        "{error}"
    );
}

/// Without blocks the bytes are the same and every build accepts them (the portable choice).
#[test]
fn block_free_specs_and_the_empty_spec_suit_every_build() {
    let flat = ObjectSpec::new().attr("name", CtyType::String).attr(
        "disks",
        CtyType::list(CtyType::Object(BTreeMap::from([(
            "size".to_owned(),
            CtyType::Number,
        )]))),
    );
    for spec in [flat, ObjectSpec::new()] {
        let bytes = encode_gob(&spec, GobFlavor::Debian166).unwrap();
        assert_eq!(bytes, encode_gob(&spec, GobFlavor::Upstream).unwrap());
        for (peer, name) in [
            (&peers().debian, VENDORED_NAME),
            (&peers().upstream, PLAIN_NAME),
        ] {
            assert_eq!(decode(peer, &bytes, None).unwrap(), expected(&spec, name));
        }
    }
}

/// Appendix A.2's capture of Go's own encoder (ObjectSpec as id 68) decodes like ours (id 65).
#[test]
fn go_encoder_capture_of_the_empty_spec_decodes_alike() {
    let go_bytes: Vec<u8> = (0..32)
        .map(|index| {
            let pair = &"1aff870401010a4f626a6563745370656301ff8800010c0110000004ff880000"
                [index * 2..index * 2 + 2];
            u8::from_str_radix(pair, 16).unwrap()
        })
        .collect();
    let ours = encode_gob(&ObjectSpec::new(), GobFlavor::Debian166).unwrap();
    for peer in [&peers().debian, &peers().upstream] {
        assert_eq!(decode(peer, &go_bytes, None), decode(peer, &ours, None));
    }
}

/// What Packer does next: hcldec.Decode of a `source` body with the decoded spec, then cty JSON
/// (the bytes Prepare receives).
#[test]
fn decoded_spec_drives_hcl_decoding_like_packer() {
    let spec = ObjectSpec::new()
        .attr("vm_name", CtyType::String)
        .attr("CPUs", CtyType::Number)
        .attr("tags", CtyType::list(CtyType::String))
        .attr("configuration_parameters", CtyType::map(CtyType::String))
        .block("export", ObjectSpec::new().attr("force", CtyType::Bool))
        .block_list(
            "storage",
            ObjectSpec::new().attr("disk_size", CtyType::Number),
        );
    let body = "vm_name = \"photon\"\nCPUs = \"2\"\ntags = [\"a\", \"b\"]\n\
                configuration_parameters = { k = \"v\" }\n\
                export {\n  force = true\n}\n\
                storage {\n  disk_size = 10\n}\nstorage {\n  disk_size = 20\n}\n";
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("hcl-spec-peer");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("source.pkr.hcl");
    std::fs::write(&file, body).unwrap();
    let value = "{\"value\":{\"CPUs\":2,\"configuration_parameters\":{\"k\":\"v\"},\
                 \"export\":{\"force\":true},\"storage\":[{\"disk_size\":10},{\"disk_size\":20}],\
                 \"tags\":[\"a\",\"b\"],\"vm_name\":\"photon\"},\
                 \"type\":[\"object\",{\"CPUs\":\"number\",\
                 \"configuration_parameters\":[\"map\",\"string\"],\
                 \"export\":[\"object\",{\"force\":\"bool\"}],\
                 \"storage\":[\"list\",[\"object\",{\"disk_size\":\"number\"}]],\
                 \"tags\":[\"list\",\"string\"],\"vm_name\":\"string\"}]}";
    for (peer, flavor, name) in [
        (&peers().debian, GobFlavor::Debian166, VENDORED_NAME),
        (&peers().upstream, GobFlavor::Upstream, PLAIN_NAME),
    ] {
        let bytes = encode_gob(&spec, flavor).unwrap();
        let out = decode(peer, &bytes, Some(&file)).unwrap();
        let prefix = expected(&spec, name);
        let want = format!("{},\"value\":{value}}}", &prefix[..prefix.len() - 1]);
        assert_eq!(out, want);
    }
    // An argument the spec lacks is the HCL error Packer reports.
    std::fs::write(&file, "colour = \"red\"\n").unwrap();
    let bytes = encode_gob(&spec, GobFlavor::Upstream).unwrap();
    let error = decode(&peers().upstream, &bytes, Some(&file)).unwrap_err();
    assert!(error.contains("Unsupported argument"), "{error}");
}

/// Go's decoder on truncated streams: an error, never a hang (our bytes are length-framed right).
#[test]
fn truncated_streams_are_rejected_by_go() {
    let bytes = encode_gob(&full_spec(), GobFlavor::Upstream).unwrap();
    for end in [0, 1, bytes.len() / 3, bytes.len() - 1] {
        assert!(decode(&peers().upstream, &bytes[..end], None).is_err());
    }
}
