//! `boot_command`: Packer's key syntax, parsed into USB HID key events and waits, and typed into
//! the VM console with vim25 `PutUsbScanCodes` (the vSphere keyboard API; photon/vim has no call
//! for it, so the request is defined here on top of `vim::Request`).
//!
//! Syntax (Packer's): literal text is typed character by character; `<name>` is a special key
//! (`<enter>`, `<esc>`, `<tab>`, `<f1>` … `<f12>`, arrows, `<pageUp>`, …); `<leftShiftOn>` /
//! `<leftShiftOff>` (and Ctrl, Alt, Super, left and right) hold or release a modifier for the keys
//! that follow; `<wait>` waits 1 s, `<wait5>` 5 s, `<wait2m>`/`<wait500ms>`/`<wait1m30s>` a Go-style
//! duration. `{{ .HTTPIP }}`, `{{ .HTTPPort }}` and `{{ .Name }}` are replaced before parsing.

use std::time::Duration;

use serde::Serialize;
use vim::{ManagedObjectReference, Request, Returnvals};

/// The modifiers held while a key is pressed (vim25 `UsbScanCodeSpecModifierType`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Modifiers {
    pub(crate) left_control: bool,
    pub(crate) left_shift: bool,
    pub(crate) left_alt: bool,
    pub(crate) left_gui: bool,
    pub(crate) right_control: bool,
    pub(crate) right_shift: bool,
    pub(crate) right_alt: bool,
    pub(crate) right_gui: bool,
}

/// One key press (press and release), as vim25 `UsbScanCodeSpecKeyEvent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct KeyEvent {
    /// The HID usage id in the high 16 bits, usage page 7 (keyboard) in the low ones: what
    /// vSphere expects.
    pub(crate) usb_hid_code: i32,
    pub(crate) modifiers: Modifiers,
}

impl KeyEvent {
    fn new(usage: u16, modifiers: Modifiers) -> Self {
        Self {
            usb_hid_code: (i32::from(usage) << 16) | 7,
            modifiers,
        }
    }

    /// The HID usage id (without the page).
    #[cfg(test)]
    pub(crate) fn usage(&self) -> u16 {
        u16::try_from(self.usb_hid_code >> 16).unwrap_or_default()
    }
}

/// A step of a parsed boot command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Keys typed in one `PutUsbScanCodes` call.
    Keys(Vec<KeyEvent>),
    /// A pause (`<waitX>`).
    Wait(Duration),
}

/// A boot command problem: the message names the offending part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError(pub(crate) String);

/// Values for `{{ .HTTPIP }}`, `{{ .HTTPPort }}` and `{{ .Name }}`.
#[derive(Clone, Debug, Default)]
pub(crate) struct TemplateData {
    pub(crate) http_ip: Option<String>,
    pub(crate) http_port: Option<u16>,
    pub(crate) name: String,
}

/// Replaces the `{{ .X }}` placeholders of `text`. Anything else inside `{{ }}` is an error, so a
/// typo never gets typed into the console. With `data` = None only the syntax is checked.
pub(crate) fn render(text: &str, data: Option<&TemplateData>) -> Result<String, ParseError> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| ParseError(format!("unclosed `{{{{` in {text:?}")))?;
        let name = after[..end].trim();
        let value = match (name, data) {
            (".HTTPIP" | ".HTTPPort" | ".Name", None) => String::new(),
            (".HTTPIP", Some(data)) => data.http_ip.clone().ok_or_else(|| {
                ParseError("{{ .HTTPIP }} needs `http_directory` or `http_content`".into())
            })?,
            (".HTTPPort", Some(data)) => {
                data.http_port.map(|port| port.to_string()).ok_or_else(|| {
                    ParseError("{{ .HTTPPort }} needs `http_directory` or `http_content`".into())
                })?
            }
            (".Name", Some(data)) => data.name.clone(),
            _ => {
                return Err(ParseError(format!(
                    "unknown template variable `{{{{ {name} }}}}`; expected .HTTPIP, .HTTPPort or .Name"
                )));
            }
        };
        out.push_str(&value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A key name inside `<…>` (case-insensitive, as Packer's) → HID usage id.
fn special_key(name: &str) -> Option<u16> {
    let lower = name.to_ascii_lowercase();
    if let Some(number) = lower.strip_prefix('f') {
        if let Ok(n @ 1..=12) = number.parse::<u16>() {
            return Some(0x3a + n - 1);
        }
    }
    Some(match lower.as_str() {
        "enter" | "return" => 0x28,
        "esc" => 0x29,
        "bs" => 0x2a,
        "tab" => 0x2b,
        "spacebar" => 0x2c,
        "insert" => 0x49,
        "home" => 0x4a,
        "pageup" => 0x4b,
        "del" => 0x4c,
        "end" => 0x4d,
        "pagedown" => 0x4e,
        "right" => 0x4f,
        "left" => 0x50,
        "down" => 0x51,
        "up" => 0x52,
        "menu" => 0x65,
        "leftctrl" => 0xe0,
        "leftshift" => 0xe1,
        "leftalt" => 0xe2,
        "leftsuper" => 0xe3,
        "rightctrl" => 0xe4,
        "rightshift" => 0xe5,
        "rightalt" => 0xe6,
        "rightsuper" => 0xe7,
        _ => return None,
    })
}

/// A typed character → (HID usage id, needs shift), for a US keyboard layout.
fn character(c: char) -> Option<(u16, bool)> {
    const SHIFTED_DIGITS: &str = ")!@#$%^&*(";
    let plain = |usage| Some((usage, false));
    let shifted = |usage| Some((usage, true));
    match c {
        'a'..='z' => plain(0x04 + (c as u16 - 'a' as u16)),
        'A'..='Z' => shifted(0x04 + (c as u16 - 'A' as u16)),
        '1'..='9' => plain(0x1e + (c as u16 - '1' as u16)),
        '0' => plain(0x27),
        '\n' => plain(0x28),
        '\t' => plain(0x2b),
        ' ' => plain(0x2c),
        '-' => plain(0x2d),
        '_' => shifted(0x2d),
        '=' => plain(0x2e),
        '+' => shifted(0x2e),
        '[' => plain(0x2f),
        '{' => shifted(0x2f),
        ']' => plain(0x30),
        '}' => shifted(0x30),
        '\\' => plain(0x31),
        '|' => shifted(0x31),
        ';' => plain(0x33),
        ':' => shifted(0x33),
        '\'' => plain(0x34),
        '"' => shifted(0x34),
        '`' => plain(0x35),
        '~' => shifted(0x35),
        ',' => plain(0x36),
        '<' => shifted(0x36),
        '.' => plain(0x37),
        '>' => shifted(0x37),
        '/' => plain(0x38),
        '?' => shifted(0x38),
        _ => {
            let index = SHIFTED_DIGITS.find(c)?;
            let usage = if index == 0 {
                0x27
            } else {
                0x1e + u16::try_from(index).ok()? - 1
            };
            shifted(usage)
        }
    }
}

/// A Go-style duration (`5s`, `1m30s`, `500ms`, `2h`); a bare number is seconds (Packer's
/// `<wait5>`).
pub(crate) fn duration(text: &str) -> Option<Duration> {
    if text.is_empty() {
        return None;
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ms" => 0.001,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += Duration::try_from_secs_f64(number * scale).ok()?;
    }
    Some(total)
}

/// Which modifier a `<…On>`/`<…Off>` name holds.
fn modifier_slot<'m>(modifiers: &'m mut Modifiers, name: &str) -> Option<&'m mut bool> {
    Some(match name.to_ascii_lowercase().as_str() {
        "leftctrl" => &mut modifiers.left_control,
        "leftshift" => &mut modifiers.left_shift,
        "leftalt" => &mut modifiers.left_alt,
        "leftsuper" => &mut modifiers.left_gui,
        "rightctrl" => &mut modifiers.right_control,
        "rightshift" => &mut modifiers.right_shift,
        "rightalt" => &mut modifiers.right_alt,
        "rightsuper" => &mut modifiers.right_gui,
        _ => return None,
    })
}

/// Parses the (already rendered) lines of a boot command into actions. Consecutive keys are
/// grouped into one `Keys` action, cut at every wait.
pub(crate) fn parse(lines: &[String]) -> Result<Vec<Action>, ParseError> {
    let mut actions = Vec::new();
    let mut keys = Vec::new();
    let mut held = Modifiers::default();
    for (index, line) in lines.iter().enumerate() {
        let mut rest = line.as_str();
        while let Some(c) = rest.chars().next() {
            if c == '<' {
                if let Some(end) = rest.find('>') {
                    let name = &rest[1..end];
                    if let Some(step) = tag(name, &mut held) {
                        match step {
                            Tag::Key(usage) => keys.push(KeyEvent::new(usage, held)),
                            Tag::Modifier => {}
                            Tag::Wait(pause) => {
                                if !keys.is_empty() {
                                    actions.push(Action::Keys(std::mem::take(&mut keys)));
                                }
                                actions.push(Action::Wait(pause));
                            }
                        }
                        rest = &rest[end + 1..];
                        continue;
                    }
                    if looks_like_tag(name) {
                        return Err(ParseError(format!(
                            "boot_command[{index}]: unknown special key `<{name}>`"
                        )));
                    }
                }
            }
            let (usage, shift) = character(c).ok_or_else(|| {
                ParseError(format!(
                    "boot_command[{index}]: cannot type {c:?} on a US keyboard"
                ))
            })?;
            let mut modifiers = held;
            modifiers.left_shift |= shift;
            keys.push(KeyEvent::new(usage, modifiers));
            rest = &rest[c.len_utf8()..];
        }
    }
    if !keys.is_empty() {
        actions.push(Action::Keys(keys));
    }
    Ok(actions)
}

/// A `<name>` Packer treats as a tag: letters and digits only. `<` followed by anything else
/// (e.g. `a < b > c`) is typed literally, as Packer does.
fn looks_like_tag(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric())
}

enum Tag {
    Key(u16),
    Modifier,
    Wait(Duration),
}

fn tag(name: &str, held: &mut Modifiers) -> Option<Tag> {
    if let Some(spec) = name.strip_prefix("wait") {
        if spec.is_empty() {
            return Some(Tag::Wait(Duration::from_secs(1)));
        }
        return duration(spec).map(Tag::Wait);
    }
    for (suffix, on) in [("On", true), ("Off", false)] {
        if let Some(base) = name.strip_suffix(suffix) {
            if let Some(slot) = modifier_slot(held, base) {
                *slot = on;
                return Some(Tag::Modifier);
            }
        }
    }
    special_key(name).map(Tag::Key)
}

/// vim25 `PutUsbScanCodes` on a VM: types `keyEvents`; returns how many were injected.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PutUsbScanCodes {
    #[serde(rename = "_this")]
    pub(crate) this: ManagedObjectReference,
    pub(crate) spec: UsbScanCodeSpec,
}

/// vim25 `UsbScanCodeSpec`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UsbScanCodeSpec {
    pub(crate) key_events: Vec<KeyEvent>,
}

impl Request for PutUsbScanCodes {
    const METHOD: &'static str = "PutUsbScanCodes";
    // Typing twice would put the keys in twice.
    const IDEMPOTENT: bool = false;
    type Response = i32;
    fn decode(returnvals: Returnvals) -> Result<i32, String> {
        returnvals.one()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(actions: &[Action]) -> Vec<KeyEvent> {
        actions
            .iter()
            .flat_map(|action| match action {
                Action::Keys(keys) => keys.clone(),
                Action::Wait(_) => Vec::new(),
            })
            .collect()
    }

    fn lines(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    #[test]
    fn literal_text_maps_letters_digits_and_shifted_symbols() {
        let actions = parse(&lines(&["aZ0!:/"])).unwrap();
        let events = keys(&actions);
        let usages: Vec<(u16, bool)> = events
            .iter()
            .map(|event| (event.usage(), event.modifiers.left_shift))
            .collect();
        assert_eq!(
            usages,
            [
                (0x04, false),
                (0x1d, true),
                (0x27, false),
                (0x1e, true),
                (0x33, true),
                (0x38, false)
            ]
        );
        assert_eq!(events[0].usb_hid_code, 0x0004_0007);
    }

    #[test]
    fn special_keys_and_waits_split_the_key_groups() {
        let actions = parse(&lines(&[
            "<esc><wait>x<wait5><enter><wait1m30s><wait500ms>",
        ]))
        .unwrap();
        assert_eq!(actions.len(), 7);
        assert_eq!(
            actions[0],
            Action::Keys(vec![KeyEvent::new(0x29, Modifiers::default())])
        );
        assert_eq!(actions[1], Action::Wait(Duration::from_secs(1)));
        assert_eq!(actions[3], Action::Wait(Duration::from_secs(5)));
        assert_eq!(
            actions[4],
            Action::Keys(vec![KeyEvent::new(0x28, Modifiers::default())])
        );
        assert_eq!(actions[5], Action::Wait(Duration::from_secs(90)));
        assert_eq!(actions[6], Action::Wait(Duration::from_millis(500)));
    }

    #[test]
    fn modifiers_hold_until_released() {
        let actions = parse(&lines(&[
            "<leftCtrlOn>c<leftCtrlOff>c<leftShiftOn>a<leftShiftOff>",
        ]))
        .unwrap();
        let events = keys(&actions);
        assert_eq!(events.len(), 3);
        assert!(events[0].modifiers.left_control);
        assert!(!events[1].modifiers.left_control);
        assert!(events[2].modifiers.left_shift);
        assert_eq!(events[2].usage(), 0x04);
    }

    #[test]
    fn function_and_navigation_keys() {
        let events =
            keys(&parse(&lines(&["<f1><F12><pageDown><up><tab><bs><del><spacebar>"])).unwrap());
        let usages: Vec<u16> = events.iter().map(KeyEvent::usage).collect();
        assert_eq!(usages, [0x3a, 0x45, 0x4e, 0x52, 0x2b, 0x2a, 0x4c, 0x2c]);
    }

    #[test]
    fn unknown_tags_are_errors_naming_the_line_but_lone_brackets_are_text() {
        let error = parse(&lines(&["ok", "<enterr>"])).unwrap_err();
        assert!(
            error.0.contains("boot_command[1]") && error.0.contains("<enterr>"),
            "{error:?}"
        );
        let events = keys(&parse(&lines(&["a < b"])).unwrap());
        assert_eq!(events.len(), 5);
        assert!(parse(&lines(&["é"])).is_err());
    }

    #[test]
    fn templates_render_http_address_and_name() {
        let data = TemplateData {
            http_ip: Some("10.0.0.1".into()),
            http_port: Some(8080),
            name: "vm".into(),
        };
        assert_eq!(
            render(
                "ks=http://{{ .HTTPIP }}:{{.HTTPPort}}/ks.json {{ .Name }}",
                Some(&data)
            )
            .unwrap(),
            "ks=http://10.0.0.1:8080/ks.json vm"
        );
        assert!(render("{{ .Nope }}", None).unwrap_err().0.contains(".Nope"));
        assert!(render("{{ .HTTPIP", None).is_err());
        let without_http = TemplateData::default();
        assert!(render("{{ .HTTPIP }}", Some(&without_http)).is_err());
    }

    #[test]
    fn random_input_never_panics() {
        let alphabet: Vec<char> = "<>{}wait5On leftCtrl.HTTPIP ms\u{e9}".chars().collect();
        let mut seed = 0x1234_5678_u64;
        for _ in 0..2000 {
            let mut text = String::new();
            for _ in 0..(seed % 24) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                text.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
            }
            let _ = render(&text, Some(&TemplateData::default()));
            let _ = parse(&[text]);
        }
    }
}
