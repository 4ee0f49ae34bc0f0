//! `photon_tag_category`, `photon_tag` and their data sources through the real Terraform 1.0.3
//! against vcsim's vAPI REST tagging service over verified TLS. The provider is configured from
//! VSPHERE_* variables only; every effect is checked through a `vim::rest::RestClient` session of
//! the test's own, independent of the provider process.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used)]

mod common;

use photon_test_rig::{ProviderInstall, TerraformDir, Vcsim, VcsimOptions};
use serde_json::{Value, json};
use vim::rest::{
    Cardinality, Category, CategorySpec, CategoryUpdate, RestClient, Tag, TagSpec, TagUpdate,
};

/// A simulator of the test's own: the examples use fixed names, and tests run in parallel.
fn vcsim() -> Vcsim {
    Vcsim::start(VcsimOptions::default()).unwrap()
}

/// A working directory whose provider block is empty: everything comes from VSPHERE_*.
fn workdir(vcsim: &Vcsim) -> TerraformDir {
    let terraform = TerraformDir::new(ProviderInstall::FilesystemMirror).with_vcsim(vcsim);
    terraform.require_this_provider();
    terraform.write("provider.tf", "provider \"photon\" {}\n");
    terraform
}

fn example(path: &str) -> String {
    std::fs::read_to_string(photon_test_rig::project_root().join("examples").join(path)).unwrap()
}

fn plan(terraform: &TerraformDir) -> (Option<i32>, String) {
    let output = terraform.run(&["plan", "-no-color", "-detailed-exitcode"]);
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code(), text)
}

fn assert_plan_empty(terraform: &TerraformDir, when: &str) {
    let (code, text) = plan(terraform);
    assert_eq!(code, Some(0), "plan {when} is not empty:\n{text}");
}

/// Plans (expecting changes) and checks the summary line.
fn assert_plan(terraform: &TerraformDir, summary: &str) -> String {
    let (code, text) = plan(terraform);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains(summary), "expected {summary:?}:\n{text}");
    text
}

fn apply(terraform: &TerraformDir) {
    terraform.ok(&["apply", "-no-color", "-auto-approve"]);
}

fn failure(terraform: &TerraformDir, args: &[&str]) -> String {
    let output = terraform.run(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "{args:?} should fail:\n{}\n{stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

fn outputs(terraform: &TerraformDir) -> Value {
    serde_json::from_str(&terraform.ok(&["output", "-json"])).unwrap()
}

/// Our own view of categories and tags: a `vim::rest::RestClient` session of the test's own,
/// not the provider's.
struct Rest {
    client: RestClient,
    runtime: tokio::runtime::Runtime,
}

impl Rest {
    fn login(vcsim: &Vcsim) -> Rest {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = runtime
            .block_on(RestClient::connect(common::vim_options(vcsim)))
            .unwrap();
        Rest { client, runtime }
    }

    /// The category `id`, or `None` when the server says it does not exist.
    fn category(&self, id: &str) -> Option<Category> {
        match self.runtime.block_on(self.client.get_category(id)) {
            Ok(category) => Some(category),
            Err(error) if error.is_not_found() => None,
            Err(error) => panic!("get category {id}: {error}"),
        }
    }

    fn tag(&self, id: &str) -> Option<Tag> {
        match self.runtime.block_on(self.client.get_tag(id)) {
            Ok(tag) => Some(tag),
            Err(error) if error.is_not_found() => None,
            Err(error) => panic!("get tag {id}: {error}"),
        }
    }

    /// The categories named `name`.
    fn categories_named(&self, name: &str) -> Vec<Category> {
        self.runtime
            .block_on(self.client.list_categories())
            .unwrap()
            .iter()
            .filter_map(|id| self.category(id))
            .filter(|category| category.name == name)
            .collect()
    }

    fn tags_named(&self, name: &str) -> Vec<Tag> {
        self.runtime
            .block_on(self.client.list_tags())
            .unwrap()
            .iter()
            .filter_map(|id| self.tag(id))
            .filter(|tag| tag.name == name)
            .collect()
    }

    fn create_category(&self, name: &str) -> String {
        self.runtime
            .block_on(self.client.create_category(&CategorySpec {
                name: name.into(),
                description: "made outside Terraform".into(),
                cardinality: Cardinality::Multiple,
                associable_types: Vec::new(),
            }))
            .unwrap()
    }

    fn create_tag(&self, name: &str, category_id: &str) -> String {
        self.runtime
            .block_on(self.client.create_tag(&TagSpec {
                name: name.into(),
                description: String::new(),
                category_id: category_id.into(),
            }))
            .unwrap()
    }

    fn update_category(&self, id: &str, update: CategoryUpdate) {
        self.runtime
            .block_on(self.client.update_category(id, &update))
            .unwrap();
    }

    fn update_tag(&self, id: &str, update: TagUpdate) {
        self.runtime
            .block_on(self.client.update_tag(id, &update))
            .unwrap();
    }

    fn delete_category(&self, id: &str) {
        self.runtime
            .block_on(self.client.delete_category(id))
            .unwrap();
    }

    fn delete_tag(&self, id: &str) {
        self.runtime.block_on(self.client.delete_tag(id)).unwrap();
    }
}

fn sorted_types(category: &Category) -> Vec<String> {
    let mut types = category.associable_types.clone();
    types.sort();
    types
}

/// The category example's life: create, no drift, in-place description and type additions,
/// replacement on type removal and on cardinality, out-of-band drift, import by name,
/// out-of-band delete, duplicate name, destroy.
#[test]
fn acc_photon_tag_category_lifecycle() {
    let vcsim = vcsim();
    let rest = Rest::login(&vcsim);
    let terraform = workdir(&vcsim);
    let config = example("resources/photon_tag_category/resource.tf");
    terraform.write("main.tf", &config);
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);

    let id = outputs(&terraform)["environment_category_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let category = rest.category(&id).expect("created by apply");
    assert_eq!(category.name, "environment");
    assert_eq!(
        category.description,
        "Where a workload runs. Managed by Terraform."
    );
    assert_eq!(category.cardinality, Some(Cardinality::Single));
    assert_eq!(sorted_types(&category), ["Datastore", "VirtualMachine"]);
    assert_plan_empty(&terraform, "after create");

    // Description: in place, same id.
    let config = config.replace("Where a workload runs.", "Where it runs.");
    terraform.write("main.tf", &config);
    assert_plan(&terraform, "0 to add, 1 to change, 0 to destroy");
    apply(&terraform);
    let category = rest.category(&id).expect("updated in place");
    assert_eq!(category.description, "Where it runs. Managed by Terraform.");
    assert_plan_empty(&terraform, "after the description change");

    // Adding an associable type: in place.
    let config = config.replace("\"Datastore\",", "\"Datastore\",\n    \"HostSystem\",");
    terraform.write("main.tf", &config);
    assert_plan(&terraform, "0 to add, 1 to change, 0 to destroy");
    apply(&terraform);
    assert_eq!(
        sorted_types(&rest.category(&id).unwrap()),
        ["Datastore", "HostSystem", "VirtualMachine"]
    );
    assert_plan_empty(&terraform, "after adding a type");

    // Removing one: vSphere cannot, so the category is replaced.
    let config = config.replace("    \"Datastore\",\n", "");
    terraform.write("main.tf", &config);
    let text = assert_plan(&terraform, "1 to add, 0 to change, 1 to destroy");
    assert!(text.contains("must be replaced"), "{text}");
    apply(&terraform);
    assert!(rest.category(&id).is_none(), "the old category is gone");
    let id = outputs(&terraform)["environment_category_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        sorted_types(&rest.category(&id).unwrap()),
        ["HostSystem", "VirtualMachine"]
    );
    assert_plan_empty(&terraform, "after the type removal");

    // Cardinality: replaced.
    let config = config.replace("\"SINGLE\"", "\"MULTIPLE\"");
    terraform.write("main.tf", &config);
    let text = assert_plan(&terraform, "1 to add, 0 to change, 1 to destroy");
    assert!(text.contains("# forces replacement"), "{text}");
    apply(&terraform);
    assert!(rest.category(&id).is_none(), "the SINGLE category is gone");
    let id = outputs(&terraform)["environment_category_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let category = rest.category(&id).unwrap();
    assert_eq!(category.cardinality, Some(Cardinality::Multiple));
    assert_eq!(rest.categories_named("environment").len(), 1);
    assert_plan_empty(&terraform, "after the cardinality change");

    // Changes made outside Terraform are drift, put back in place.
    rest.update_category(
        &id,
        CategoryUpdate {
            name: Some("environment-oob".into()),
            description: Some("oob".into()),
            ..CategoryUpdate::default()
        },
    );
    let text = assert_plan(&terraform, "0 to add, 1 to change, 0 to destroy");
    assert!(
        text.contains(r#""environment-oob" -> "environment""#),
        "{text}"
    );
    assert!(
        text.contains(r#""oob" -> "Where it runs. Managed by Terraform.""#),
        "{text}"
    );
    apply(&terraform);
    assert_eq!(rest.category(&id).unwrap().name, "environment");
    assert_plan_empty(&terraform, "after fixing the drift");

    // Import by name.
    terraform.ok(&["state", "rm", "photon_tag_category.environment"]);
    terraform.ok(&[
        "import",
        "-no-color",
        "photon_tag_category.environment",
        "environment",
    ]);
    let (_, text) = plan(&terraform);
    assert!(
        !text.contains("Plan:"),
        "import left resource changes:\n{text}"
    );
    apply(&terraform);
    assert_plan_empty(&terraform, "after import");
    // Terraform 1.0 imports only into a configured address.
    terraform.write(
        "other.tf",
        "resource \"photon_tag_category\" \"other\" {\n  name             = \"other\"\n  cardinality      = \"SINGLE\"\n  associable_types = []\n}\n",
    );
    let stderr = failure(
        &terraform,
        &[
            "import",
            "-no-color",
            "photon_tag_category.other",
            "no-such-category",
        ],
    );
    assert!(
        stderr.contains("no tag category named \"no-such-category\""),
        "{stderr}"
    );
    assert!(stderr.contains("environment"), "{stderr}");
    std::fs::remove_file(terraform.path().join("other.tf")).unwrap();

    // Deleted outside Terraform: the plan creates it again.
    rest.delete_category(&id);
    let text = assert_plan(&terraform, "1 to add, 0 to change, 0 to destroy");
    assert!(text.contains("will be created"), "{text}");
    apply(&terraform);
    assert_eq!(rest.categories_named("environment").len(), 1);
    assert_plan_empty(&terraform, "after re-creating");

    // A second category of the same name: refused, pointing at `name`.
    terraform.write(
        "duplicate.tf",
        r#"resource "photon_tag_category" "duplicate" {
  name             = "environment"
  cardinality      = "SINGLE"
  associable_types = ["VirtualMachine"]
}
"#,
    );
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(
        stderr.contains("Create photon_tag_category failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("name: a tag category named \"environment\" already exists"),
        "{stderr}"
    );
    // Terraform shows the attribute's expression.
    assert!(
        stderr.contains(r#"name             = "environment""#),
        "{stderr}"
    );
    assert_eq!(rest.categories_named("environment").len(), 1);
    std::fs::remove_file(terraform.path().join("duplicate.tf")).unwrap();

    // Destroy: gone.
    let id = outputs(&terraform)["environment_category_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(rest.category(&id).is_none());
    assert!(rest.categories_named("environment").is_empty());
}

/// The tag example's life, and both data-source examples read against it.
#[test]
fn acc_photon_tag_lifecycle_and_data_sources() {
    let vcsim = vcsim();
    let rest = Rest::login(&vcsim);
    let terraform = workdir(&vcsim);
    let config = example("resources/photon_tag/resource.tf");
    terraform.write("main.tf", &config);
    terraform.ok(&["init", "-no-color"]);
    apply(&terraform);

    let id = outputs(&terraform)["production_tag_id"]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let tag = rest.tag(&id).expect("created by apply");
    assert_eq!(tag.name, "production");
    assert_eq!(
        tag.description,
        "Production workloads. Managed by Terraform."
    );
    let category_id = tag.category_id.clone();
    assert_eq!(rest.category(&category_id).unwrap().name, "environment");
    assert_plan_empty(&terraform, "after create");

    // Both data-source examples, as modules, find what the resources made.
    let lookup = workdir(&vcsim);
    let mut root = String::new();
    for name in ["photon_tag_category", "photon_tag"] {
        let dir = lookup.path().join(name);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("versions.tf"), photon_test_rig::versions_tf()).unwrap();
        std::fs::write(
            dir.join("main.tf"),
            example(&format!("data-sources/{name}/data-source.tf")),
        )
        .unwrap();
        root.push_str(&format!(
            "module \"{name}\" {{\n  source = \"./{name}\"\n}}\n\noutput \"{name}\" {{\n  value = module.{name}\n}}\n\n"
        ));
    }
    lookup.write("main.tf", &root);
    lookup.ok(&["init", "-no-color"]);
    apply(&lookup);
    let found = outputs(&lookup);
    let category = &found["photon_tag_category"]["value"]["category"];
    assert_eq!(category["id"], category_id.as_str());
    assert_eq!(category["cardinality"], "SINGLE");
    assert_eq!(category["associable_types"], json!(["VirtualMachine"]));
    let tag = &found["photon_tag"]["value"]["tag"];
    assert_eq!(tag["id"], id.as_str());
    assert_eq!(
        tag["description"],
        "Production workloads. Managed by Terraform."
    );
    assert_plan_empty(&lookup, "of the data sources");
    // An unknown tag name is a diagnostic on `name` listing what exists.
    lookup.write(
        "missing.tf",
        r#"data "photon_tag_category" "env" {
  name = "environment"
}

data "photon_tag" "missing" {
  name        = "staging"
  category_id = data.photon_tag_category.env.id
}
"#,
    );
    let stderr = failure(&lookup, &["plan", "-no-color"]);
    assert!(stderr.contains("Error: Tag not found"), "{stderr}");
    assert!(
        stderr.contains("name: no tag named \"staging\""),
        "{stderr}"
    );
    assert!(stderr.contains("available: production"), "{stderr}");
    assert!(stderr.contains(r#"name        = "staging""#), "{stderr}");

    // Description: in place, same id.
    let config = config.replace("Production workloads.", "Prod.");
    terraform.write("main.tf", &config);
    assert_plan(&terraform, "0 to add, 1 to change, 0 to destroy");
    apply(&terraform);
    assert_eq!(
        rest.tag(&id).expect("updated in place").description,
        "Prod. Managed by Terraform."
    );
    assert_plan_empty(&terraform, "after the description change");

    // A rename outside Terraform is drift on `name`.
    rest.update_tag(
        &id,
        TagUpdate {
            name: Some("prod-oob".into()),
            ..TagUpdate::default()
        },
    );
    let text = assert_plan(&terraform, "0 to add, 1 to change, 0 to destroy");
    assert!(text.contains(r#""prod-oob" -> "production""#), "{text}");
    apply(&terraform);
    assert_eq!(rest.tag(&id).unwrap().name, "production");
    assert_plan_empty(&terraform, "after fixing the drift");

    // Import by category and tag name, as JSON.
    terraform.ok(&["state", "rm", "photon_tag.production"]);
    terraform.ok(&[
        "import",
        "-no-color",
        "photon_tag.production",
        r#"{"category_name": "environment", "tag_name": "production"}"#,
    ]);
    let (_, text) = plan(&terraform);
    assert!(
        !text.contains("Plan:"),
        "import left resource changes:\n{text}"
    );
    apply(&terraform);
    assert_plan_empty(&terraform, "after import");
    terraform.write(
        "other.tf",
        "resource \"photon_tag\" \"other\" {\n  name        = \"other\"\n  category_id = \"x\"\n}\n",
    );
    let stderr = failure(
        &terraform,
        &[
            "import",
            "-no-color",
            "photon_tag.other",
            "environment/production",
        ],
    );
    assert!(
        stderr.contains("expected a JSON object with \"category_name\" and \"tag_name\""),
        "{stderr}"
    );
    std::fs::remove_file(terraform.path().join("other.tf")).unwrap();

    // A second tag of the same name in the category: refused, pointing at `name`.
    terraform.write(
        "duplicate.tf",
        r#"resource "photon_tag" "duplicate" {
  name        = "production"
  category_id = photon_tag_category.environment.id
}
"#,
    );
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Create photon_tag failed"), "{stderr}");
    assert!(
        stderr.contains("name: a tag named \"production\" already exists"),
        "{stderr}"
    );
    assert!(stderr.contains(r#"name        = "production""#), "{stderr}");
    assert_eq!(rest.tags_named("production").len(), 1);
    std::fs::remove_file(terraform.path().join("duplicate.tf")).unwrap();

    // Deleted outside Terraform: the plan creates it again.
    rest.delete_tag(&id);
    let text = assert_plan(&terraform, "1 to add, 0 to change, 0 to destroy");
    assert!(
        text.contains("photon_tag.production will be created"),
        "{text}"
    );
    apply(&terraform);
    let recreated = rest.tags_named("production");
    assert_eq!(recreated.len(), 1);
    assert_eq!(recreated[0].category_id, category_id);
    assert_plan_empty(&terraform, "after re-creating");

    // Destroy: tag and category gone.
    terraform.ok(&["destroy", "-no-color", "-auto-approve"]);
    assert!(rest.tags_named("production").is_empty());
    assert!(rest.category(&category_id).is_none());
}

/// A tag whose category was created outside Terraform and then deleted: the create fails
/// with a diagnostic on `category_id`, and nothing is left behind.
#[test]
fn acc_a_tag_in_a_missing_category_is_a_diagnostic_on_category_id() {
    let vcsim = vcsim();
    let rest = Rest::login(&vcsim);
    let gone = rest.create_category("short-lived");
    rest.create_tag("survivor", &rest.create_category("kept"));
    rest.delete_category(&gone);
    let terraform = workdir(&vcsim);
    terraform.write(
        "main.tf",
        &format!(
            "resource \"photon_tag\" \"orphan\" {{\n  name        = \"orphan\"\n  category_id = \"{gone}\"\n}}\n"
        ),
    );
    terraform.ok(&["init", "-no-color"]);
    let stderr = failure(&terraform, &["apply", "-no-color", "-auto-approve"]);
    assert!(stderr.contains("Create photon_tag failed"), "{stderr}");
    assert!(stderr.contains("category_id"), "{stderr}");
    assert!(rest.tags_named("orphan").is_empty());
    assert_eq!(rest.tags_named("survivor").len(), 1);
}
