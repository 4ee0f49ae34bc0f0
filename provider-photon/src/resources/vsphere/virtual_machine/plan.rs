//! Validation and plan adjustments: disks keep their identity by `label` (not by position),
//! new disks get their default unit numbers, adapters keep their MAC while their model stays,
//! and changes vSphere cannot make (shrinking a disk, moving it to another unit) are errors at
//! plan time, naming the attribute.

use std::collections::{BTreeMap, BTreeSet};

use tfsdk::cty::{Path, Value};
use tfsdk::{Diagnostic, Diagnostics, PlanRequest};

use super::schema::*;

fn items(value: &Value, name: &str) -> Vec<Value> {
    value
        .attr(name)
        .and_then(Value::elements)
        .map(<[Value]>::to_vec)
        .unwrap_or_default()
}

fn int(value: &Value, name: &str) -> Option<i64> {
    value
        .attr(name)
        .and_then(Value::as_number)
        .and_then(|number| number.as_i64())
}

fn disk_path(index: usize, attribute: &str) -> Path {
    Path::root().attr(DISK).index(index as i64).attr(attribute)
}

/// `disk.1.size`: the path as Terraform users write it in messages.
pub(crate) fn dotted(path: &Path) -> String {
    path.to_string().replace('[', ".").replace(']', "")
}

fn error(path: Path, summary: &str, detail: String) -> Diagnostic {
    Diagnostic::error(summary, format!("{}: {detail}", dotted(&path))).at(path)
}

/// Whether a list block's value is known to have no elements.
fn known_empty(config: &Value, name: &str) -> bool {
    match config.attr(name) {
        Some(Value::List(items)) => items.is_empty(),
        Some(Value::Null) | None => true,
        _ => false,
    }
}

/// Checks a configuration (which may hold unknowns).
pub(crate) fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    let cloning = !known_empty(config, CLONE);
    if !cloning && known_empty(config, DISK) && config.attr(DISK).is_some() {
        diagnostics.push(error(
            Path::root().attr(DISK),
            "Missing disk",
            "a VM created from scratch needs at least one `disk` block (or a `clone` block to \
             copy a VM)."
                .into(),
        ));
    }
    if !cloning && config.attr(DATASTORE_ID).is_some_and(Value::is_null) {
        diagnostics.push(error(
            Path::root().attr(DATASTORE_ID),
            "Missing datastore_id",
            "a VM created from scratch needs a datastore for its files; set datastore_id to \
             the `id` of a `photon_datastore`."
                .into(),
        ));
    }
    if let Some(Value::String(folder)) = config.attr(FOLDER) {
        if let Err(detail) = crate::resources::vsphere::folder::split_path(folder) {
            diagnostics.push(error(
                Path::root().attr(FOLDER),
                "Invalid folder",
                format!("{detail}; leave folder out for the datacenter's vm folder itself."),
            ));
        }
    }
    if let Some(entries) = config.attr(EXTRA_CONFIG).and_then(Value::entries) {
        if entries.contains_key(KICKSTART_KEY) {
            diagnostics.push(error(
                Path::root().attr(EXTRA_CONFIG),
                "Kickstart in extra_config",
                format!("set the kickstart with the `kickstart` argument, not as {KICKSTART_KEY}."),
            ));
        }
    }
    if let (Some(cpus), Some(cores)) = (int(config, NUM_CPUS), int(config, NUM_CORES_PER_SOCKET)) {
        if cores > 0 && cpus % cores != 0 {
            diagnostics.push(error(
                Path::root().attr(NUM_CORES_PER_SOCKET),
                "Invalid CPU topology",
                format!("num_cpus ({cpus}) must be a multiple of num_cores_per_socket ({cores})."),
            ));
        }
    }
    let mut labels = BTreeSet::new();
    let mut units = BTreeMap::new();
    for (index, disk) in items(config, DISK).iter().enumerate() {
        if let Some(label) = disk.attr(LABEL).and_then(Value::as_str) {
            if !labels.insert(label.to_owned()) {
                diagnostics.push(error(
                    disk_path(index, LABEL),
                    "Duplicate disk label",
                    format!("another disk is already labelled {label:?}; labels identify disks."),
                ));
            }
        }
        if let Some(unit) = int(disk, UNIT_NUMBER) {
            if unit == 7 {
                diagnostics.push(error(
                    disk_path(index, UNIT_NUMBER),
                    "Reserved unit number",
                    "unit 7 is the SCSI controller's own; use 0-6 or 8-15.".into(),
                ));
            } else if let Some(other) = units.insert(unit, index) {
                diagnostics.push(error(
                    disk_path(index, UNIT_NUMBER),
                    "Duplicate unit number",
                    format!("disk {other} already uses unit {unit}."),
                ));
            }
        }
    }
    diagnostics
}

/// The default unit of the disk at `position`: the position, skipping the controller's unit 7.
fn default_unit(position: usize) -> i64 {
    let position = position as i64;
    if position < 7 { position } else { position + 1 }
}

fn set(object: &mut Value, name: &str, value: Value) {
    if let Value::Object(attributes) = object {
        attributes.insert(name.to_owned(), value);
    }
}

/// Adjusts the plan (see the module docs).
pub(crate) fn modify(request: &mut PlanRequest) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    if request.planned.is_null() {
        return diagnostics;
    }
    let creating = request.prior.is_null();
    let cloning = !known_empty(&request.planned, CLONE);
    let prior_disks = items(&request.prior, DISK);
    let config_disks = items(&request.config, DISK);
    let mut disks = items(&request.planned, DISK);
    let label_of = |disk: &Value| disk.attr(LABEL).and_then(Value::as_str).map(str::to_owned);
    let matched: Vec<Option<Value>> = disks
        .iter()
        .map(|disk| {
            let label = label_of(disk)?;
            prior_disks
                .iter()
                .find(|prior| label_of(prior).as_deref() == Some(label.as_str()))
                .cloned()
        })
        .collect();
    let mut taken: BTreeSet<i64> = BTreeSet::new();
    for (index, disk) in disks.iter().enumerate() {
        let config = config_disks.get(index).cloned().unwrap_or(Value::Null);
        if let Some(unit) = int(&config, UNIT_NUMBER) {
            taken.insert(unit);
        } else if let Some(prior) = &matched[index] {
            if let Some(unit) = int(prior, UNIT_NUMBER) {
                taken.insert(unit);
            }
        }
        let _ = disk;
    }
    for (index, disk) in disks.iter_mut().enumerate() {
        let config = config_disks.get(index).cloned().unwrap_or(Value::Null);
        let config_unit = config.attr(UNIT_NUMBER).cloned().unwrap_or(Value::Null);
        let config_thin = config
            .attr(THIN_PROVISIONED)
            .cloned()
            .unwrap_or(Value::Null);
        match &matched[index] {
            Some(prior) => {
                for name in [KEY, UUID, PATH] {
                    set(disk, name, prior.attr(name).cloned().unwrap_or(Value::Null));
                }
                let prior_unit = prior.attr(UNIT_NUMBER).cloned().unwrap_or(Value::Null);
                if config_unit.is_null() {
                    set(disk, UNIT_NUMBER, prior_unit);
                } else if config_unit.is_known() && config_unit != prior_unit {
                    diagnostics.push(error(
                        disk_path(index, UNIT_NUMBER),
                        "Cannot move a disk",
                        format!(
                            "disk {:?} sits on unit {}; an existing disk cannot move to another \
                             unit. Give the new position to a new label to replace the disk.",
                            label_of(disk).unwrap_or_default(),
                            int(prior, UNIT_NUMBER).unwrap_or_default()
                        ),
                    ));
                }
                let prior_thin = prior.attr(THIN_PROVISIONED).cloned().unwrap_or(Value::Null);
                if config_thin.is_null() {
                    set(disk, THIN_PROVISIONED, prior_thin);
                } else if config_thin.is_known() && config_thin != prior_thin {
                    diagnostics.push(error(
                        disk_path(index, THIN_PROVISIONED),
                        "Cannot change provisioning",
                        "an existing disk cannot change between thin and thick provisioning."
                            .into(),
                    ));
                }
                if let (Some(old), Some(new)) = (int(prior, SIZE), int(disk, SIZE)) {
                    if new < old {
                        diagnostics.push(error(
                            disk_path(index, SIZE),
                            "Cannot shrink a disk",
                            format!(
                                "disk {:?} is {old} GB; vSphere disks can grow but never \
                                 shrink (planned {new} GB).",
                                label_of(disk).unwrap_or_default()
                            ),
                        ));
                    }
                }
            }
            None => {
                for name in [KEY, UUID, PATH] {
                    set(disk, name, Value::unknown());
                }
                let clone_disk = creating && cloning;
                if config_unit.is_null() {
                    if clone_disk {
                        set(disk, UNIT_NUMBER, Value::unknown());
                    } else {
                        let mut unit = default_unit(index);
                        if taken.contains(&unit) {
                            unit = (0..16)
                                .find(|unit| *unit != 7 && !taken.contains(unit))
                                .unwrap_or(unit);
                        }
                        taken.insert(unit);
                        set(disk, UNIT_NUMBER, Value::from(unit));
                    }
                }
                if config_thin.is_null() {
                    set(
                        disk,
                        THIN_PROVISIONED,
                        if clone_disk {
                            Value::unknown()
                        } else {
                            Value::from(true)
                        },
                    );
                }
            }
        }
    }
    if request
        .planned
        .attr(DISK)
        .is_some_and(|value| value.is_known())
    {
        set(&mut request.planned, DISK, Value::List(disks));
    }

    // Adapters keep key and MAC while they stay the same model at the same position.
    let prior_nics = items(&request.prior, NETWORK_INTERFACE);
    let mut nics = items(&request.planned, NETWORK_INTERFACE);
    for (index, nic) in nics.iter_mut().enumerate() {
        let same = prior_nics.get(index).filter(|prior| {
            let model = |value: &Value| value.attr(ADAPTER_TYPE).cloned();
            model(prior) == model(nic) && nic.attr(ADAPTER_TYPE).is_some_and(Value::is_known)
        });
        for name in [KEY, MAC_ADDRESS] {
            let value = match same {
                Some(prior) => prior.attr(name).cloned().unwrap_or(Value::Null),
                None => Value::unknown(),
            };
            set(nic, name, value);
        }
    }
    if request
        .planned
        .attr(NETWORK_INTERFACE)
        .is_some_and(|value| value.is_known())
    {
        set(&mut request.planned, NETWORK_INTERFACE, Value::List(nics));
    }
    // Nothing of substance changes: keep the computed guest values as they are.
    if !creating && request.planned != request.prior {
        let mut without_guest = request.planned.clone();
        for name in [DEFAULT_IP_ADDRESS, GUEST_IP_ADDRESSES] {
            set(
                &mut without_guest,
                name,
                request.prior.attr(name).cloned().unwrap_or(Value::Null),
            );
        }
        if without_guest == request.prior {
            request.planned = without_guest;
        }
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(label: &str, size: i64, unit: Value, key: Value) -> Value {
        Value::object([
            (LABEL, Value::from(label)),
            (SIZE, Value::from(size)),
            (THIN_PROVISIONED, Value::from(true)),
            (UNIT_NUMBER, unit),
            (KEY, key),
            (UUID, Value::from("")),
            (PATH, Value::from("[ds] x.vmdk")),
        ])
    }

    fn vm(disks: Vec<Value>) -> Value {
        Value::object([
            (DISK, Value::List(disks)),
            (NETWORK_INTERFACE, Value::List(vec![])),
            (CLONE, Value::List(vec![])),
        ])
    }

    fn request(config: Value, prior: Value, planned: Value) -> PlanRequest {
        PlanRequest {
            config,
            prior,
            planned,
            planned_private: tfsdk::PrivateState::new(),
            requires_replace: Vec::new(),
        }
    }

    #[test]
    fn new_disks_default_to_their_position_skipping_unit_seven() {
        let config_disks: Vec<Value> = (0..9)
            .map(|i| disk(&format!("d{i}"), 1, Value::Null, Value::Null))
            .collect();
        let mut plan = request(vm(config_disks.clone()), Value::Null, vm(config_disks));
        assert!(modify(&mut plan).is_empty());
        let units: Vec<i64> = items(&plan.planned, DISK)
            .iter()
            .map(|disk| int(disk, UNIT_NUMBER).unwrap())
            .collect();
        assert_eq!(units, [0, 1, 2, 3, 4, 5, 6, 8, 9]);
    }

    #[test]
    fn disks_are_matched_by_label_not_position() {
        let prior = vm(vec![
            disk("os", 10, Value::from(0), Value::from(2000)),
            disk("data", 20, Value::from(1), Value::from(2001)),
        ]);
        // "os" removed: "data" keeps its key and unit although it is now first.
        let config = vm(vec![disk("data", 30, Value::Null, Value::Null)]);
        let planned = vm(vec![disk("data", 30, Value::from(0), Value::unknown())]);
        let mut plan = request(config, prior, planned);
        assert!(modify(&mut plan).is_empty());
        let data = &items(&plan.planned, DISK)[0];
        assert_eq!(int(data, KEY), Some(2001));
        assert_eq!(int(data, UNIT_NUMBER), Some(1));
    }

    #[test]
    fn shrinking_is_an_error_on_the_size() {
        let prior = vm(vec![disk("os", 10, Value::from(0), Value::from(2000))]);
        let config = vm(vec![disk("os", 5, Value::Null, Value::Null)]);
        let planned = vm(vec![disk("os", 5, Value::from(0), Value::from(2000))]);
        let mut plan = request(config, prior, planned);
        let diagnostics = modify(&mut plan);
        let paths: Vec<String> = diagnostics
            .iter()
            .filter_map(|d| d.path.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(paths, ["disk[0].size"]);
        assert!(
            diagnostics
                .iter()
                .next()
                .unwrap()
                .detail
                .contains("disk.0.size")
        );
    }

    #[test]
    fn validation_names_the_attribute() {
        let config = Value::object([
            (
                DISK,
                Value::List(vec![
                    disk("a", 1, Value::from(7), Value::Null),
                    disk("a", 1, Value::Null, Value::Null),
                ]),
            ),
            (CLONE, Value::List(vec![])),
            (DATASTORE_ID, Value::Null),
            (FOLDER, Value::from("/abs")),
        ]);
        let paths: Vec<String> = validate(&config)
            .iter()
            .filter_map(|d| d.path.as_ref().map(ToString::to_string))
            .collect();
        assert_eq!(
            paths,
            [
                "datastore_id",
                "folder",
                "disk[0].unit_number",
                "disk[1].label"
            ]
        );
    }
}
