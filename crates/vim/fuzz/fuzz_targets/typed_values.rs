//! The typed decoders of complex property values and of the OVF import: the first byte picks
//! one, the rest is its input. Decoded devices are also encoded again inside a
//! `ReconfigVM_Task` (an unmodelled device goes back as its own parsed XML). Any `Ok` or `Err` is
//! fine; a panic, hang or abort is a bug.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vim::custom_fields::{CustomFieldDef, custom_values_from_value};
use vim::fuzzing::decode_call;
use vim::ovf::CreateImportSpec;
use vim::provision::ReconfigVmTask;
use vim::snapshot::SnapshotInfo;
use vim::spec::{
    OptionValue, VirtualDeviceConfigSpec, VirtualMachineConfigSpec, devices_from_xml,
};
use vim::{ManagedObjectReference, Value};

fn other(type_name: &str, xml: &str) -> Value {
    Value::Other {
        type_name: type_name.to_owned(),
        xml: xml.to_owned(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match selector % 5 {
        0 => {
            if let Ok(devices) = devices_from_xml(&text) {
                let spec = VirtualMachineConfigSpec {
                    device_change: devices
                        .into_iter()
                        .map(VirtualDeviceConfigSpec::edit)
                        .collect(),
                    ..VirtualMachineConfigSpec::default()
                };
                let _ = vim::encode(&ReconfigVmTask {
                    this: ManagedObjectReference::new("VirtualMachine", "vm-1"),
                    spec,
                });
            }
        }
        1 => {
            if let Ok(info) = SnapshotInfo::from_xml(&text) {
                let _ = info.walk();
                let _ = info.current();
                let _ = info.find("a/b");
            }
        }
        2 => {
            let _ = custom_values_from_value(Some(&other("ArrayOfCustomFieldValue", &text)));
            let _ = CustomFieldDef::list_from_value(Some(&other("ArrayOfCustomFieldDef", &text)));
        }
        3 => {
            let _ = OptionValue::from_array(&other("ArrayOfOptionValue", &text));
        }
        _ => {
            if let Ok(result) = decode_call::<CreateImportSpec>(rest)
                && let Some(spec) = &result.import_spec
            {
                let _ = spec.to_xml();
            }
        }
    }
});
