//! HTTP transport: one pooled reqwest client per endpoint, the session cookie, and bounded
//! retries of idempotent calls after connection-level errors.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::{StatusCode, Url};

use crate::envelope::{self, DecodeError, Decoded, Request};
use crate::error::Error;

/// The cookie vCenter (and vcsim) keep the SOAP session in.
pub(crate) const SESSION_COOKIE: &str = "vmware_soap_session";

/// How many bytes of a non-SOAP error body are kept in [`Error::HttpStatus`].
const BODY_EXCERPT: usize = 2048;

/// How idempotent calls are retried after connection-level errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts, the first included (1 = no retries).
    pub attempts: u32,
    /// Delay before the first retry; doubled before each further one.
    pub base_delay: Duration,
    /// Upper bound of a single delay.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// Three attempts, 100 ms then 200 ms apart.
    fn default() -> Self {
        Self {
            attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// The delay before retry number `retry` (1-based).
    pub(crate) fn delay(&self, retry: u32) -> Duration {
        let factor = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// Sends SOAP requests to one `/sdk` endpoint. Cheap to clone; clones share the cookie.
#[derive(Clone, Debug)]
pub(crate) struct Transport {
    http: reqwest::Client,
    url: Url,
    soap_action: String,
    cookie: Arc<Mutex<Option<String>>>,
    retry: RetryPolicy,
    round_trips: Arc<AtomicU64>,
}

impl Transport {
    /// A transport posting to `url` with `SOAPAction: urn:vim25/<version>`.
    pub(crate) fn new(http: reqwest::Client, url: Url, version: &str, retry: RetryPolicy) -> Self {
        Self {
            http,
            url,
            soap_action: format!("urn:vim25/{version}"),
            cookie: Arc::new(Mutex::new(None)),
            retry,
            round_trips: Arc::default(),
        }
    }

    /// The `SOAPAction` header value in use.
    #[cfg(test)]
    pub(crate) fn soap_action(&self) -> &str {
        &self.soap_action
    }

    /// The current session cookie (`vmware_soap_session=...`), if any.
    pub(crate) fn cookie(&self) -> Option<String> {
        self.cookie
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The HTTP client (TLS settings, keep-alive pool) shared by side channels: datastore
    /// `/folder` transfers, NFC uploads and the REST endpoint.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// How many SOAP requests were sent so far (retries included), for measurements.
    pub(crate) fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    /// The `/sdk` URL; side channels derive their URLs from it.
    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    fn remember_cookie(&self, headers: &reqwest::header::HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let Ok(value) = value.to_str() else { continue };
            let pair = value.split(';').next().unwrap_or_default().trim();
            if let Some((name, _)) = pair.split_once('=')
                && name.trim() == SESSION_COOKIE
            {
                *self
                    .cookie
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(pair.to_owned());
            }
        }
    }

    /// Calls `request` and decodes its response.
    pub(crate) async fn call<R: Request>(&self, request: &R) -> Result<R::Response, Error> {
        let method = R::METHOD;
        let body = envelope::encode(request).map_err(|error| Error::Encode {
            method,
            reason: error.to_string(),
        })?;
        let attempts = if R::IDEMPOTENT {
            self.retry.attempts.max(1)
        } else {
            1
        };
        let mut attempt = 0;
        let (status, text) = loop {
            attempt += 1;
            match self.exchange(method, body.clone()).await {
                Ok(answer) => break answer,
                Err(Failure::Permanent(error)) => return Err(error),
                Err(Failure::Connection(source)) => {
                    if attempt >= attempts {
                        return Err(Error::Send {
                            method,
                            url: self.url.to_string(),
                            attempts: attempt,
                            source,
                        });
                    }
                    let delay = self.retry.delay(attempt);
                    tracing::debug!(method, attempt, ?delay, error = %source, "retrying idempotent call");
                    tokio::time::sleep(delay).await;
                }
            }
        };
        interpret::<R>(status, &text)
    }

    /// One POST: the status and body, or a classified failure.
    async fn exchange(
        &self,
        method: &'static str,
        body: String,
    ) -> Result<(StatusCode, String), Failure> {
        let mut request = self
            .http
            .post(self.url.clone())
            .header(CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("SOAPAction", &self.soap_action)
            .body(body);
        if let Some(cookie) = self.cookie() {
            request = request.header(COOKIE, cookie);
        }
        tracing::trace!(method, url = %self.url, "SOAP call");
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await.map_err(|error| self.classify(error))?;
        let status = response.status();
        self.remember_cookie(response.headers());
        let text = response.text().await.map_err(|error| {
            if is_connection_error(&error) {
                Failure::Connection(error)
            } else {
                Failure::Permanent(Error::ReadBody {
                    method,
                    source: error,
                })
            }
        })?;
        tracing::trace!(method, %status, bytes = text.len(), "SOAP response");
        Ok((status, text))
    }

    fn classify(&self, error: reqwest::Error) -> Failure {
        if is_tls_error(&error) {
            Failure::Permanent(Error::Tls {
                url: self.url.to_string(),
                source: error,
            })
        } else {
            // Anything else from `send` means no response arrived: a connection-level error.
            Failure::Connection(error)
        }
    }
}

/// Why one exchange failed.
enum Failure {
    /// Connection-level: an idempotent call may be retried.
    Connection(reqwest::Error),
    /// Retrying would not help.
    Permanent(Error),
}

/// Turns an HTTP status and body into the call's result.
fn interpret<R: Request>(status: StatusCode, text: &str) -> Result<R::Response, Error> {
    let method = R::METHOD;
    let decoded = envelope::decode(method, text);
    let soap_status = status == StatusCode::OK || status == StatusCode::INTERNAL_SERVER_ERROR;
    match decoded {
        Ok(Decoded::Fault(fault)) => Err(fault.into()),
        Ok(Decoded::Response(returnvals)) if status == StatusCode::OK => {
            R::decode(returnvals).map_err(|reason| Error::Decode { method, reason })
        }
        Err(DecodeError::Empty) if soap_status => Err(Error::EmptyBody {
            method,
            status: status.as_u16(),
        }),
        Err(DecodeError::Malformed(reason)) if status == StatusCode::OK => {
            Err(Error::MalformedXml { method, reason })
        }
        Err(DecodeError::Unexpected(reason)) if status == StatusCode::OK => {
            Err(Error::Decode { method, reason })
        }
        // A non-200 answer that is not a SOAP fault: report the status and the body verbatim.
        _ => Err(Error::HttpStatus {
            method,
            status: status.as_u16(),
            body: excerpt(text),
        }),
    }
}

/// The start of `text`, cut at a character boundary.
pub(crate) fn excerpt(text: &str) -> String {
    if text.len() <= BODY_EXCERPT {
        return text.to_owned();
    }
    let mut end = BODY_EXCERPT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

/// Whether `found` holds for any error in the chain of `error`, including the errors wrapped inside
/// `std::io::Error`s (whose `source()` skips the wrapped error itself).
fn any_in_chain(
    error: &(dyn std::error::Error + 'static),
    found: &dyn Fn(&(dyn std::error::Error + 'static)) -> bool,
) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if found(error) {
            return true;
        }
        if let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && any_in_chain(inner, found)
        {
            return true;
        }
        current = error.source();
    }
    false
}

/// Whether the error chain holds a rustls error (certificate not trusted, name mismatch, ...).
pub(crate) fn is_tls_error(error: &reqwest::Error) -> bool {
    any_in_chain(error, &|error| {
        error.downcast_ref::<rustls::Error>().is_some()
    })
}

/// Whether a body-read error is the connection dropping (worth a retry for idempotent calls).
fn is_connection_error(error: &reqwest::Error) -> bool {
    if error.is_timeout() || error.is_connect() {
        return true;
    }
    any_in_chain(error, &|error| {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            return matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            );
        }
        error
            .downcast_ref::<hyper::Error>()
            .is_some_and(|hyper| hyper.is_incomplete_message() || hyper.is_closed())
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::fault::FaultKind;
    use crate::methods::{CurrentTime, Logout, service_instance};
    use crate::types::ManagedObjectReference;

    fn transport(url: &str) -> Transport {
        Transport::new(
            reqwest::Client::new(),
            Url::parse(url).unwrap(),
            "6.5",
            RetryPolicy {
                attempts: 3,
                base_delay: Duration::from_millis(5),
                max_delay: Duration::from_millis(20),
            },
        )
    }

    fn now() -> CurrentTime {
        CurrentTime {
            this: service_instance(),
        }
    }

    fn logout() -> Logout {
        Logout {
            this: ManagedObjectReference::new("SessionManager", "SessionManager"),
        }
    }

    /// A server that accepts connections and closes them without answering; counts them.
    async fn hang_up_server() -> (String, Arc<AtomicU32>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sdk", listener.local_addr().unwrap());
        let count = Arc::new(AtomicU32::new(0));
        let counter = count.clone();
        tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                counter.fetch_add(1, Ordering::SeqCst);
                let mut buffer = [0u8; 1024];
                let _ = socket.read(&mut buffer).await;
                drop(socket);
            }
        });
        (url, count)
    }

    /// A server answering each connection with the next canned response; returns the requests.
    async fn canned_server(
        responses: Vec<String>,
    ) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/sdk", listener.local_addr().unwrap());
        let handle = tokio::spawn(async move {
            let mut requests = Vec::new();
            for response in responses {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // Headers, then Content-Length bytes of body.
                loop {
                    let n = socket.read(&mut buffer).await.unwrap();
                    request.extend_from_slice(&buffer[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|line| {
                                line.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|value| value.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                    if n == 0 {
                        break;
                    }
                }
                requests.push(String::from_utf8_lossy(&request).to_string());
                socket.write_all(response.as_bytes()).await.unwrap();
                socket.shutdown().await.unwrap();
            }
            requests
        });
        (url, handle)
    }

    fn http(status: &str, extra_headers: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{extra_headers}\r\n{body}",
            body.len()
        )
    }

    const ENVELOPE_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>"#;

    fn soap(body: &str) -> String {
        format!("{ENVELOPE_HEAD}{body}</soapenv:Body></soapenv:Envelope>")
    }

    #[tokio::test]
    async fn idempotent_calls_are_retried_after_the_connection_drops() {
        let (url, count) = hang_up_server().await;
        let error = transport(&url).call(&now()).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Send {
                    method: "CurrentTime",
                    attempts: 3,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn non_idempotent_calls_are_never_retried() {
        let (url, count) = hang_up_server().await;
        let error = transport(&url).call(&logout()).await.unwrap_err();
        assert!(
            matches!(error, Error::Send { attempts: 1, .. }),
            "{error:?}"
        );
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn connection_refused_is_a_send_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/sdk", listener.local_addr().unwrap());
        drop(listener);
        let error = transport(&url).call(&now()).await.unwrap_err();
        match error {
            Error::Send {
                attempts, source, ..
            } => {
                assert_eq!(attempts, 3);
                assert!(source.is_connect(), "{source:?}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn the_session_cookie_is_kept_and_sent_with_the_soap_headers() {
        let (url, server) = canned_server(vec![
            http(
                "200 OK",
                "Set-Cookie: other=1; Path=/\r\nSet-Cookie: vmware_soap_session=abc-123; HttpOnly\r\n",
                &soap(r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>t1</returnval></CurrentTimeResponse>"#),
            ),
            http(
                "200 OK",
                "",
                &soap(r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>t2</returnval></CurrentTimeResponse>"#),
            ),
        ])
        .await;
        let transport = transport(&url);
        assert_eq!(transport.soap_action(), "urn:vim25/6.5");
        assert_eq!(transport.call(&now()).await.unwrap(), "t1");
        assert_eq!(
            transport.cookie().as_deref(),
            Some("vmware_soap_session=abc-123")
        );
        assert_eq!(transport.call(&now()).await.unwrap(), "t2");
        let requests = server.await.unwrap();
        let first = requests[0].to_ascii_lowercase();
        assert!(first.starts_with("post /sdk http/1.1"), "{first}");
        assert!(first.contains("soapaction: urn:vim25/6.5"), "{first}");
        assert!(first.contains("content-type: text/xml"), "{first}");
        assert!(!first.contains("cookie:"), "{first}");
        assert!(
            requests[1].contains("vmware_soap_session=abc-123"),
            "{}",
            requests[1]
        );
    }

    #[tokio::test]
    async fn http_errors_empty_and_malformed_bodies_are_distinct_errors() {
        let fault = soap(
            r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring></faultstring><detail><InvalidLoginFault xmlns="urn:vim25" xsi:type="InvalidLogin"/></detail></soapenv:Fault>"#,
        );
        let truncated = soap(
            r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>t</returnval></CurrentTimeResponse>"#,
        );
        let (url, _server) = canned_server(vec![
            http(
                "503 Service Unavailable",
                "",
                "<html>too many sessions</html>",
            ),
            http("500 Internal Server Error", "", ""),
            http("200 OK", "", ""),
            http("200 OK", "", &truncated[..truncated.len() - 12]),
            http("200 OK", "", "<not xml"),
            http("500 Internal Server Error", "", "panic: oops"),
            http("500 Internal Server Error", "", &fault),
        ])
        .await;
        let transport = transport(&url);
        let results = [
            transport.call(&now()).await.unwrap_err(),
            transport.call(&now()).await.unwrap_err(),
            transport.call(&now()).await.unwrap_err(),
            transport.call(&now()).await.unwrap_err(),
            transport.call(&now()).await.unwrap_err(),
            transport.call(&now()).await.unwrap_err(),
            transport.call(&now()).await.unwrap_err(),
        ];
        assert!(
            matches!(&results[0], Error::HttpStatus { status: 503, body, .. } if body.contains("too many sessions")),
            "{:?}",
            results[0]
        );
        assert!(
            matches!(results[1], Error::EmptyBody { status: 500, .. }),
            "{:?}",
            results[1]
        );
        assert!(
            matches!(results[2], Error::EmptyBody { status: 200, .. }),
            "{:?}",
            results[2]
        );
        assert!(
            matches!(results[3], Error::MalformedXml { .. }),
            "{:?}",
            results[3]
        );
        assert!(
            matches!(results[4], Error::MalformedXml { .. }),
            "{:?}",
            results[4]
        );
        assert!(
            matches!(&results[5], Error::HttpStatus { status: 500, body, .. } if body == "panic: oops"),
            "{:?}",
            results[5]
        );
        assert_eq!(
            results[6].fault().map(|fault| &fault.kind),
            Some(&FaultKind::InvalidLogin)
        );
    }

    #[test]
    fn backoff_is_bounded() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1), Duration::from_millis(100));
        assert_eq!(policy.delay(2), Duration::from_millis(200));
        assert_eq!(policy.delay(40), Duration::from_secs(2));
    }

    #[test]
    fn long_bodies_are_cut_at_a_char_boundary() {
        let body = "é".repeat(BODY_EXCERPT);
        let cut = excerpt(&body);
        assert!(cut.ends_with("..."));
        assert!(cut.len() <= BODY_EXCERPT + 3);
    }
}
