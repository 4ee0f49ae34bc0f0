//! The SOAP client against a hostile local server: malformed XML, truncated bodies, faults of every
//! common kind (and one the client does not know), HTML error pages, empty and mismatched answers,
//! a server that never answers, one that answers byte by byte, one that resets the connection and
//! one that redirects forever. Every case must end in a typed [`vim::Error`] within a bound the test
//! asserts: nothing hangs.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vim::{Client, ConnectOptions, Error, FaultKind, RetryPolicy};

/// The per-request timeout of the client in these tests (the library default is 60 s).
const REQUEST_TIMEOUT: Duration = Duration::from_millis(600);

/// No case may take longer than this, whatever the server does.
const CASE_BOUND: Duration = Duration::from_secs(10);

/// What the hostile server does with the request for the targeted method.
#[derive(Clone)]
enum Answer {
    /// Writes these bytes (a whole HTTP response, or not), then closes.
    Raw(Vec<u8>),
    /// A `200 OK` whose `Content-Length` claims more than the body it sends before closing.
    ShortBody { body: String, claimed: usize },
    /// Reads the request and then neither answers nor closes.
    Silent,
    /// Writes the response one byte at a time, `pause` apart.
    Slow { response: Vec<u8>, pause: Duration },
    /// Writes the start of the response, then resets the connection (RST, not FIN).
    Reset { partial: Vec<u8> },
    /// Redirects (307, which keeps method and body) to the same URL, forever.
    RedirectToSelf,
}

/// A fake `/sdk`: no version document (the client assumes 6.5), built-in
/// `RetrieveServiceContent`, `Login`, `Logout` and `CurrentTime`; requests for `target` get
/// `answer` instead. Returns the URL and how many requests for `target` arrived.
async fn hostile_server(target: &'static str, answer: Answer) -> (String, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sdk", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicU32::new(0));
    let counter = hits.clone();
    let location = url.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(serve(
                socket,
                target,
                answer.clone(),
                counter.clone(),
                location.clone(),
            ));
        }
    });
    (url, hits)
}

/// Reads one request: the head and the body (`Content-Length` bytes).
async fn read_request(socket: &mut TcpStream) -> Option<(String, String)> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = socket.read(&mut buffer).await.ok()?;
        if n == 0 {
            return None;
        }
        request.extend_from_slice(&buffer[..n]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|value| value.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                return Some((text[..end].to_owned(), text[end + 4..].to_owned()));
            }
        }
    }
}

async fn serve(
    mut socket: TcpStream,
    target: &'static str,
    answer: Answer,
    hits: Arc<AtomicU32>,
    location: String,
) {
    let Some((head, body)) = read_request(&mut socket).await else {
        return;
    };
    if head.starts_with("GET ") {
        let _ = socket
            .write_all(http("404 Not Found", "", "").as_bytes())
            .await;
        return;
    }
    let method = body
        .split("<soapenv:Body><")
        .nth(1)
        .and_then(|rest| rest.split(['>', ' ', '/']).next())
        .unwrap_or_default()
        .to_owned();
    if method != target {
        let _ = socket.write_all(builtin(&method).as_bytes()).await;
        let _ = socket.shutdown().await;
        return;
    }
    hits.fetch_add(1, Ordering::SeqCst);
    match answer {
        Answer::Raw(bytes) => {
            let _ = socket.write_all(&bytes).await;
            let _ = socket.shutdown().await;
        }
        Answer::ShortBody { body, claimed } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {claimed}\r\nConnection: close\r\n\r\n"
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body.as_bytes()).await;
            let _ = socket.shutdown().await;
        }
        Answer::Silent => {
            // Hold the connection open far longer than any client timeout in these tests.
            tokio::time::sleep(Duration::from_secs(3600)).await;
            drop(socket);
        }
        Answer::Slow { response, pause } => {
            for byte in response {
                if socket.write_all(&[byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(pause).await;
            }
            let _ = socket.shutdown().await;
        }
        Answer::Reset { partial } => {
            let _ = socket.write_all(&partial).await;
            let _ = socket.flush().await;
            // Give the client time to start reading the body, so the reset lands mid-body.
            tokio::time::sleep(Duration::from_millis(50)).await;
            socket.set_zero_linger().unwrap();
            drop(socket);
        }
        Answer::RedirectToSelf => {
            let _ = socket
                .write_all(
                    http(
                        "307 Temporary Redirect",
                        &format!("Location: {location}\r\n"),
                        "",
                    )
                    .as_bytes(),
                )
                .await;
            let _ = socket.shutdown().await;
        }
    }
}

/// The well-behaved answers: enough of a vCenter for `Client::connect` and `current_time`.
fn builtin(method: &str) -> String {
    match method {
        "RetrieveServiceContent" => http(
            "200 OK",
            "Set-Cookie: vmware_soap_session=\"hostile\"; Path=/; HttpOnly\r\n",
            &envelope(
                r#"<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><about><name>Hostile</name><apiType>VirtualCenter</apiType><apiVersion>6.5</apiVersion></about><sessionManager type="SessionManager">SessionManager</sessionManager></returnval></RetrieveServiceContentResponse>"#,
            ),
        ),
        "Login" => http(
            "200 OK",
            "",
            &envelope(
                r#"<LoginResponse xmlns="urn:vim25"><returnval><key>k</key><userName>u</userName></returnval></LoginResponse>"#,
            ),
        ),
        "Logout" => http(
            "200 OK",
            "",
            &envelope(r#"<LogoutResponse xmlns="urn:vim25"/>"#),
        ),
        "CurrentTime" => http("200 OK", "", &current_time_response()),
        other => http(
            "500 Internal Server Error",
            "",
            &fault("InvalidRequest", &format!("no route for {other}"), ""),
        ),
    }
}

fn http(status: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{extra_headers}\r\n{body}",
        body.len()
    )
}

fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

fn current_time_response() -> String {
    envelope(
        r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-11-27T18:00:00Z</returnval></CurrentTimeResponse>"#,
    )
}

/// A SOAP fault envelope whose detail is a `<type>Fault xsi:type="type">` with `fields` inside.
fn fault(type_name: &str, message: &str, fields: &str) -> String {
    envelope(&format!(
        r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{message}</faultstring><detail><{type_name}Fault xmlns="urn:vim25" xsi:type="{type_name}">{fields}</{type_name}Fault></detail></soapenv:Fault>"#
    ))
}

fn ok_raw(body: &str) -> Answer {
    Answer::Raw(http("200 OK", "", body).into_bytes())
}

fn error_raw(body: &str) -> Answer {
    Answer::Raw(http("500 Internal Server Error", "", body).into_bytes())
}

fn options(url: &str, timeout: Duration, attempts: u32) -> ConnectOptions {
    ConnectOptions {
        url: url.to_owned(),
        username: "u".into(),
        password: "p".into(),
        timeout,
        retry: RetryPolicy {
            attempts,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
        },
        ..ConnectOptions::default()
    }
}

/// Connects and, when `target` is not a login step, calls `CurrentTime`; returns the result, how
/// long it took and how many requests for `target` the server saw. Panics if the case takes
/// longer than [`CASE_BOUND`].
async fn attempt(
    target: &'static str,
    answer: Answer,
    timeout: Duration,
    attempts: u32,
) -> (Result<String, Error>, Duration, u32) {
    let (url, hits) = hostile_server(target, answer).await;
    let started = Instant::now();
    let outcome = tokio::time::timeout(CASE_BOUND, async {
        let client = Client::connect(options(&url, timeout, attempts)).await?;
        client.current_time().await
    })
    .await
    .unwrap_or_else(|_| panic!("{target}: no result within {CASE_BOUND:?}: the client hangs"));
    (outcome, started.elapsed(), hits.load(Ordering::SeqCst))
}

/// [`attempt`] on `CurrentTime`, one attempt, the test timeout; the error.
async fn current_time_error(answer: Answer) -> Error {
    let (outcome, elapsed, _) = attempt("CurrentTime", answer, REQUEST_TIMEOUT, 1).await;
    assert!(elapsed < CASE_BOUND, "{elapsed:?}");
    outcome.expect_err("the hostile answer was accepted")
}

fn fault_kind(error: &Error) -> &FaultKind {
    match error {
        Error::Fault(fault) => &fault.kind,
        other => panic!("expected a SOAP fault, got {other:?}"),
    }
}

#[tokio::test]
async fn the_well_behaved_server_works() {
    // The control case: the server's built-in answers are good, so the failures below are the
    // hostile answer's doing.
    let (outcome, _, hits) = attempt(
        "CurrentTime",
        Answer::Raw(builtin("CurrentTime").into_bytes()),
        REQUEST_TIMEOUT,
        1,
    )
    .await;
    assert_eq!(outcome.unwrap(), "2026-11-27T18:00:00Z");
    assert_eq!(hits, 1);
}

#[tokio::test]
async fn malformed_xml_is_a_malformed_xml_error() {
    let unclosed = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-11-27T18:00:00Z</returnval>"#;
    let mismatched = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><CurrentTimeResponse xmlns="urn:vim25"><returnval>t</CurrentTimeResponse></returnval></soapenv:Body></soapenv:Envelope>"#;
    let cases: [(&str, String); 6] = [
        ("unclosed tags", unclosed.to_owned()),
        ("mismatched end tags", mismatched.to_owned()),
        ("text garbage", "@@ not xml at all ##".to_owned()),
        ("a lone angle bracket", "<".to_owned()),
        (
            "an end tag without its start",
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body></CurrentTimeResponse></soapenv:Body></soapenv:Envelope>"#.to_owned(),
        ),
        (
            "an undefined entity in a fault string",
            fault("InvalidState", "broken &bogus; entity", ""),
        ),
    ];
    for (name, body) in cases {
        let error = current_time_error(ok_raw(&body)).await;
        assert!(
            matches!(
                error,
                Error::MalformedXml {
                    method: "CurrentTime",
                    ..
                }
            ),
            "{name}: {error:?}"
        );
    }
}

#[tokio::test]
async fn binary_garbage_and_entity_bombs_end_in_typed_errors() {
    // Invalid UTF-8 outside of any element (decoded lossily, then refused by the parser).
    let mut garbage = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 64\r\nConnection: close\r\n\r\n".to_vec();
    garbage.extend((0u8..64).map(|byte| byte.wrapping_mul(37) | 0x80));
    let error = current_time_error(Answer::Raw(garbage)).await;
    assert!(
        matches!(
            error,
            Error::MalformedXml {
                method: "CurrentTime",
                ..
            }
        ),
        "{error:?}"
    );
    // A "billion laughs" document type: never expanded, so no memory blow-up and no hang; the
    // entity reference the parser cannot resolve makes the value undecodable.
    let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><CurrentTimeResponse xmlns="urn:vim25"><returnval>&lol3;</returnval></CurrentTimeResponse></soapenv:Body></soapenv:Envelope>"#;
    let error = current_time_error(ok_raw(bomb)).await;
    assert!(
        matches!(&error, Error::Decode { method: "CurrentTime", reason } if reason.contains("entity")),
        "{error:?}"
    );
    assert!(error.to_string().len() < 4096, "{error}");
}

#[tokio::test]
async fn well_formed_answers_of_the_wrong_shape_are_decode_errors() {
    let cases: [(&str, String, &str); 5] = [
        (
            "an HTML root in a 200",
            "<html><body>Welcome</body></html>".to_owned(),
            "not a SOAP envelope",
        ),
        (
            "another method's response element",
            envelope(
                r#"<LoginResponse xmlns="urn:vim25"><returnval><key>k</key><userName>u</userName></returnval></LoginResponse>"#,
            ),
            "expected <CurrentTimeResponse>",
        ),
        (
            "a response without its returnval",
            envelope(r#"<CurrentTimeResponse xmlns="urn:vim25"/>"#),
            "no returnval",
        ),
        ("an envelope with an empty body", envelope(""), ""),
        (
            "an envelope without a body",
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"/>"#
                .to_owned(),
            "",
        ),
    ];
    for (name, body, reason_part) in cases {
        let error = current_time_error(ok_raw(&body)).await;
        match &error {
            Error::Decode {
                method: "CurrentTime",
                reason,
            } => assert!(reason.contains(reason_part), "{name}: {reason}"),
            other => panic!("{name}: expected a decode error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn empty_answers_are_empty_body_errors() {
    for (status, code) in [("200 OK", 200), ("500 Internal Server Error", 500)] {
        for body in ["", "   \r\n\t  "] {
            let error = current_time_error(Answer::Raw(http(status, "", body).into_bytes())).await;
            assert!(
                matches!(
                    error,
                    Error::EmptyBody { method: "CurrentTime", status } if status == code
                ),
                "{status} {body:?}: {error:?}"
            );
        }
    }
}

#[tokio::test]
async fn non_soap_error_pages_are_http_status_errors_with_the_body() {
    let html = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>";
    for (status, code) in [
        ("500 Internal Server Error", 500),
        ("502 Bad Gateway", 502),
        ("404 Not Found", 404),
    ] {
        let error = current_time_error(Answer::Raw(http(status, "", html).into_bytes())).await;
        match &error {
            Error::HttpStatus {
                method: "CurrentTime",
                status,
                body,
            } => {
                assert_eq!(*status, code);
                assert!(body.contains("nginx"), "{body}");
            }
            other => panic!("{status}: expected an HTTP status error, got {other:?}"),
        }
    }
    // A huge error page is cut, not carried whole into the error message.
    let huge = format!("<html>{}</html>", "x".repeat(1 << 20));
    let error = current_time_error(error_raw(&huge)).await;
    assert!(
        matches!(&error, Error::HttpStatus { status: 500, body, .. } if body.len() < 4096),
        "{}",
        error.to_string().len()
    );
}

#[tokio::test]
async fn soap_faults_are_typed_by_kind() {
    let not_authenticated = fault(
        "NotAuthenticated",
        "The session is not authenticated.",
        r#"<object type="Folder">group-d1</object><privilegeId>System.View</privilegeId>"#,
    );
    let error = current_time_error(error_raw(&not_authenticated)).await;
    assert_eq!(
        fault_kind(&error),
        &FaultKind::NotAuthenticated {
            object: Some(vim::ManagedObjectReference::new("Folder", "group-d1")),
            privilege_id: Some("System.View".into()),
        }
    );
    assert!(error.fault().unwrap().is_auth());

    let not_found = fault(
        "ManagedObjectNotFound",
        "The object has already been deleted or has not been completely created",
        r#"<obj type="VirtualMachine">vm-404</obj>"#,
    );
    let error = current_time_error(error_raw(&not_found)).await;
    assert_eq!(
        fault_kind(&error),
        &FaultKind::ManagedObjectNotFound {
            obj: Some(vim::ManagedObjectReference::new("VirtualMachine", "vm-404")),
        }
    );

    let unknown = fault(
        "QuantumDecoherence",
        "a fault from a future vSphere",
        r#"<qubits>3</qubits>"#,
    );
    let error = current_time_error(error_raw(&unknown)).await;
    assert_eq!(
        fault_kind(&error),
        &FaultKind::Other("QuantumDecoherence".into())
    );
    let fault = error.fault().unwrap();
    assert_eq!(fault.message, "a fault from a future vSphere");
    assert!(fault.detail_xml.contains("qubits"), "{}", fault.detail_xml);

    // A fault without any detail (some proxies and old hosts): still a fault, of no known kind.
    let bare = envelope(
        "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>boom</faultstring></soapenv:Fault>",
    );
    let error = current_time_error(error_raw(&bare)).await;
    assert_eq!(fault_kind(&error), &FaultKind::Other(String::new()));
}

#[tokio::test]
async fn an_invalid_login_fault_fails_the_connect_and_is_not_retried() {
    let invalid_login = fault(
        "InvalidLogin",
        "Cannot complete login due to an incorrect user name or password.",
        "",
    );
    let (outcome, _, hits) = attempt("Login", error_raw(&invalid_login), REQUEST_TIMEOUT, 3).await;
    let error = outcome.unwrap_err();
    assert_eq!(fault_kind(&error), &FaultKind::InvalidLogin);
    assert_eq!(hits, 1, "a fault must not be retried");
    assert!(
        !error.to_string().contains("\"p\""),
        "the password leaked into {error}"
    );
}

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_send_error_after_the_retries() {
    // The connection closes before Content-Length bytes arrived: a connection-level failure, which
    // an idempotent call retries and then reports.
    let body = current_time_response();
    let answer = Answer::ShortBody {
        claimed: body.len() + 500,
        body: body[..body.len() / 2].to_owned(),
    };
    let (outcome, _, hits) = attempt("CurrentTime", answer.clone(), REQUEST_TIMEOUT, 2).await;
    let error = outcome.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Send {
                method: "CurrentTime",
                attempts: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(hits, 2);
    // Login is not idempotent: one attempt only.
    let (outcome, _, hits) = attempt("Login", answer, REQUEST_TIMEOUT, 3).await;
    let error = outcome.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Send {
                method: "Login",
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(hits, 1);
    // A complete HTTP body holding a cut envelope is malformed XML instead.
    let cut = current_time_response();
    let error = current_time_error(ok_raw(&cut[..cut.len() - 20])).await;
    assert!(matches!(error, Error::MalformedXml { .. }), "{error:?}");
}

#[tokio::test]
async fn a_connection_reset_mid_body_is_a_send_error() {
    let response = http("200 OK", "", &current_time_response());
    let partial = response.as_bytes()[..response.len() - 40].to_vec();
    let (outcome, _, hits) =
        attempt("CurrentTime", Answer::Reset { partial }, REQUEST_TIMEOUT, 2).await;
    let error = outcome.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Send {
                method: "CurrentTime",
                attempts: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(hits, 2);
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_request_timeout() {
    let (outcome, elapsed, hits) = attempt("CurrentTime", Answer::Silent, REQUEST_TIMEOUT, 2).await;
    match outcome.unwrap_err() {
        Error::Send {
            method: "CurrentTime",
            attempts: 2,
            source,
            ..
        } => assert!(source.is_timeout(), "{source:?}"),
        other => panic!("expected a timed-out send, got {other:?}"),
    }
    assert_eq!(hits, 2);
    // Two attempts of one timeout each (plus a short back-off), not more.
    assert!(elapsed >= REQUEST_TIMEOUT * 2, "{elapsed:?}");
    assert!(
        elapsed < REQUEST_TIMEOUT * 2 + Duration::from_secs(2),
        "{elapsed:?}"
    );

    // The same during the login, which is not retried.
    let (outcome, elapsed, hits) = attempt("Login", Answer::Silent, REQUEST_TIMEOUT, 3).await;
    assert!(
        matches!(&outcome, Err(Error::Send { method: "Login", attempts: 1, source, .. }) if source.is_timeout()),
        "{outcome:?}"
    );
    assert_eq!(hits, 1);
    assert!(
        elapsed < REQUEST_TIMEOUT + Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_slow_answer_completes_under_the_timeout_and_fails_over_it() {
    let response = http("200 OK", "", &current_time_response()).into_bytes();
    let bytes = response.len() as u32;
    // About 0.3 s of trickle against a 5 s timeout: completes.
    let (outcome, elapsed, _) = attempt(
        "CurrentTime",
        Answer::Slow {
            response: response.clone(),
            pause: Duration::from_micros(300_000 / u64::from(bytes)),
        },
        Duration::from_secs(5),
        1,
    )
    .await;
    assert_eq!(outcome.unwrap(), "2026-11-27T18:00:00Z", "{elapsed:?}");
    // 10 ms a byte (several seconds in all) against the 600 ms timeout, which bounds the whole
    // exchange, body included: the trickle cannot hold the client.
    let (outcome, elapsed, _) = attempt(
        "CurrentTime",
        Answer::Slow {
            response,
            pause: Duration::from_millis(10),
        },
        REQUEST_TIMEOUT,
        1,
    )
    .await;
    match outcome.unwrap_err() {
        Error::Send {
            method: "CurrentTime",
            source,
            ..
        } => assert!(source.is_timeout(), "{source:?}"),
        other => panic!("expected a timed-out send, got {other:?}"),
    }
    assert!(
        elapsed < REQUEST_TIMEOUT + Duration::from_secs(2),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_redirect_loop_is_a_send_error() {
    let (outcome, _, hits) =
        attempt("CurrentTime", Answer::RedirectToSelf, REQUEST_TIMEOUT, 1).await;
    match outcome.unwrap_err() {
        Error::Send {
            method: "CurrentTime",
            source,
            ..
        } => assert!(source.is_redirect(), "{source:?}"),
        other => panic!("expected a redirect error, got {other:?}"),
    }
    // The client gives up after a bounded number of hops (reqwest's default policy: 10).
    assert!((2..=11).contains(&hits), "{hits} redirects followed");
}

#[test]
fn the_default_request_timeout_is_bounded() {
    let timeout = ConnectOptions::default().timeout;
    assert!(
        timeout > Duration::ZERO && timeout <= Duration::from_secs(300),
        "{timeout:?}"
    );
}
