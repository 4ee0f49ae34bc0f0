//! Logging for plugins launched by Terraform and Packer.
//!
//! Both hosts read a plugin's stderr line by line. go-plugin (Terraform) parses a line that is a JSON
//! object as a go-hclog entry: `@level`, `@message`, `@timestamp`, `@module`, and every other key as a
//! key/value pair. It panics on an `@level` or `@message` that is not a string (go-plugin 1.4.1), so
//! both are always strings here. Packer copies the lines verbatim into its own log under
//! `PACKER_LOG=1`. This crate turns `tracing` events into such lines.
//!
//! ```no_run
//! photon_hclog::init("provider.terraform-provider-photon", &["TF_LOG_PROVIDER", "TF_LOG"]);
//! tracing::info!(resource = "photon_folder", "created");
//! ```

use std::fmt;
use std::io::Write;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::FormatItem;
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
/// The level type [`init_at`] takes.
pub use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

/// go-hclog's `TimeFormatJSON`: `2006-01-02T15:04:05.000000Z07:00`.
const HCLOG_TIME: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6][offset_hour sign:mandatory]:[offset_minute]"
);

/// Installs the process-wide subscriber writing hclog JSON lines to stderr.
///
/// The level comes from the first of `level_vars` that is set (`trace`, `debug`, `info`, `warn`,
/// `error`, `off`, case-insensitive; any other non-empty value, such as Packer's `PACKER_LOG=1`,
/// means `trace`). With none set, warnings and errors are still written.
/// Does nothing when a global subscriber is already installed.
pub fn init(module: &str, level_vars: &[&str]) {
    init_at(
        module,
        level_from_env(level_vars, |name| std::env::var(name).ok()),
    );
}

/// [`init`] with the level decided by the caller.
pub fn init_at(module: &str, level: LevelFilter) {
    let _already_set = Registry::default()
        .with(HclogLayer::new(module, std::io::stderr).with_filter(filter(level)))
        .try_init();
}

/// Libraries whose debug output is about transport frames, not the plugin: warnings only.
const TRANSPORT_TARGETS: &[&str] = &[
    "h2",
    "hyper",
    "hyper_util",
    "tower",
    "rustls",
    "tonic",
    "mio",
    "want",
];

/// `level` for the plugin's own events; transport libraries stay at warnings.
pub fn filter(level: LevelFilter) -> Targets {
    let quiet = level.min(LevelFilter::WARN);
    Targets::new()
        .with_default(level)
        .with_targets(TRANSPORT_TARGETS.iter().map(|target| (*target, quiet)))
}

/// Picks the level from the first set, non-empty variable among `level_vars`.
pub fn level_from_env(level_vars: &[&str], lookup: impl Fn(&str) -> Option<String>) -> LevelFilter {
    let Some(value) = level_vars
        .iter()
        .filter_map(|name| lookup(name))
        .find(|value| !value.trim().is_empty())
    else {
        return LevelFilter::WARN;
    };
    match value.trim().to_ascii_lowercase().as_str() {
        "off" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// A `tracing` layer writing one hclog JSON object per event.
pub struct HclogLayer<W> {
    module: String,
    make_writer: W,
}

impl<W> HclogLayer<W> {
    /// A layer tagging every line with `@module = module` and writing through `make_writer`.
    pub fn new(module: &str, make_writer: W) -> Self {
        Self {
            module: module.to_owned(),
            make_writer,
        }
    }
}

impl<S, W> Layer<S> for HclogLayer<W>
where
    S: Subscriber,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let line = format_line(event, &self.module, OffsetDateTime::now_utc());
        // A log line that cannot be written has nowhere better to go.
        let _ = self.make_writer.make_writer().write_all(line.as_bytes());
    }
}

fn format_line(event: &Event<'_>, module: &str, now: OffsetDateTime) -> String {
    let mut fields = FieldCollector::default();
    event.record(&mut fields);

    let mut entry = Map::new();
    entry.insert(
        "@level".into(),
        level_name(*event.metadata().level()).into(),
    );
    entry.insert("@message".into(), fields.message.unwrap_or_default().into());
    entry.insert("@module".into(), module.into());
    entry.insert(
        "@timestamp".into(),
        now.format(HCLOG_TIME).unwrap_or_default().into(),
    );
    for (key, value) in fields.pairs {
        // hclog's own keys win: a field must not be able to forge the level or message.
        entry.entry(key).or_insert(value);
    }
    let mut line = Value::Object(entry).to_string();
    line.push('\n');
    line
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

#[derive(Default)]
struct FieldCollector {
    message: Option<String>,
    pairs: Vec<(String, Value)>,
}

impl FieldCollector {
    fn push(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(text) => text,
                other => other.to_string(),
            });
        } else {
            self.pairs.push((field.name().to_owned(), value));
        }
    }
}

impl Visit for FieldCollector {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.push(field, format!("{value:?}").into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.push(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.push(field, value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.push(field, value.to_string().into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Captured;
        fn make_writer(&'w self) -> Self::Writer {
            self.clone()
        }
    }

    fn capture(level: LevelFilter, emit: impl FnOnce()) -> Vec<Value> {
        let out = Captured::default();
        let subscriber = Registry::default()
            .with(HclogLayer::new("provider.test", out.clone()).with_filter(level));
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = out.0.lock().unwrap().clone();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn event_becomes_one_hclog_json_line() {
        let lines = capture(LevelFilter::TRACE, || {
            tracing::info!(
                resource = "photon_folder",
                attempts = 3_u64,
                ok = true,
                "created folder"
            );
        });
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["@level"], "info");
        assert_eq!(line["@message"], "created folder");
        assert_eq!(line["@module"], "provider.test");
        assert_eq!(line["resource"], "photon_folder");
        assert_eq!(line["attempts"], 3);
        assert_eq!(line["ok"], true);
        let stamp = line["@timestamp"].as_str().unwrap();
        // 2006-01-02T15:04:05.000000+00:00
        assert_eq!(stamp.len(), 32, "{stamp}");
        assert_eq!(&stamp[26..], "+00:00", "{stamp}");
    }

    #[test]
    fn level_and_message_stay_strings_even_when_fields_collide() {
        let lines = capture(LevelFilter::TRACE, || {
            tracing::warn!("@level" = 7, "@message" = false, "odd");
        });
        assert_eq!(lines[0]["@level"], "warn");
        assert!(lines[0]["@message"].is_string());
    }

    #[test]
    fn events_below_the_level_are_dropped() {
        let lines = capture(LevelFilter::WARN, || {
            tracing::debug!("hidden");
            tracing::error!("shown");
        });
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["@level"], "error");
    }

    #[test]
    fn transport_libraries_stay_quiet_at_debug() {
        let out = Captured::default();
        let subscriber = Registry::default().with(
            HclogLayer::new("provider.test", out.clone()).with_filter(filter(LevelFilter::DEBUG)),
        );
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!(target: "h2::codec", "frame");
            tracing::warn!(target: "h2::codec", "broken frame");
            tracing::debug!(target: "tfsdk::server", "planned");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("\"frame\""), "{text}");
        assert!(
            text.contains("broken frame") && text.contains("planned"),
            "{text}"
        );
    }

    #[test]
    fn level_comes_from_the_first_variable_set() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            }
        };
        let vars = ["TF_LOG_PROVIDER", "TF_LOG"];
        assert_eq!(level_from_env(&vars, env(&[])), LevelFilter::WARN);
        assert_eq!(
            level_from_env(&vars, env(&[("TF_LOG", "DEBUG")])),
            LevelFilter::DEBUG
        );
        assert_eq!(
            level_from_env(
                &vars,
                env(&[("TF_LOG", "debug"), ("TF_LOG_PROVIDER", "error")])
            ),
            LevelFilter::ERROR
        );
        assert_eq!(
            level_from_env(&["PACKER_LOG"], env(&[("PACKER_LOG", "1")])),
            LevelFilter::TRACE
        );
        assert_eq!(
            level_from_env(&vars, env(&[("TF_LOG", "off")])),
            LevelFilter::OFF
        );
    }
}
