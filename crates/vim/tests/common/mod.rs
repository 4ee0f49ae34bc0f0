//! A local fake vCenter for behaviour vcsim cannot show (paging, multi-round waits): the version
//! document, `RetrieveServiceContent`, `Login` and `Logout` are built in; each test routes the
//! rest.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use vim::{Client, ConnectOptions};

/// The method and body of every SOAP request the fake server received, in order.
pub type Log = Arc<Mutex<Vec<(String, String)>>>;

/// Answers a method call: HTTP status and SOAP body content (inside `soapenv:Body`).
pub type Route = Arc<dyn Fn(&str, &str) -> (u16, String) + Send + Sync>;

/// A fake `/sdk` endpoint: the version document, `RetrieveServiceContent`, `Login` and `Logout`
/// are built in, everything else goes to `route`.
pub async fn fake_vcenter(route: Route) -> (String, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sdk", listener.local_addr().unwrap());
    let log: Log = Arc::default();
    let requests = log.clone();
    tokio::spawn(async move {
        loop {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::spawn(serve(socket, route.clone(), requests.clone()));
        }
    });
    (url, log)
}

/// One request per connection (`Connection: close`).
async fn serve(mut socket: TcpStream, route: Route, log: Log) {
    let mut request = Vec::new();
    let mut buffer = [0u8; 8192];
    let (head, body) = loop {
        let n = socket.read(&mut buffer).await.unwrap();
        if n == 0 {
            return;
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
                break (text[..end].to_owned(), text[end + 4..].to_owned());
            }
        }
    };
    let (status, content, cookie) = if head.starts_with("GET ") {
        let document = "<namespaces version=\"1.0\"><namespace><name>urn:vim25</name><version>8.0.2.0</version></namespace></namespaces>";
        (200, document.to_owned(), "")
    } else {
        let method = body
            .split("<soapenv:Body><")
            .nth(1)
            .and_then(|rest| rest.split(['>', ' ', '/']).next())
            .unwrap()
            .to_owned();
        log.lock().unwrap().push((method.clone(), body.clone()));
        let (status, inner, cookie) = match method.as_str() {
            "RetrieveServiceContent" => (
                200,
                r#"<RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder><propertyCollector type="PropertyCollector">propertyCollector</propertyCollector><viewManager type="ViewManager">ViewManager</viewManager><about><name>Fake</name><apiType>VirtualCenter</apiType><apiVersion>8.0.2.0</apiVersion></about><sessionManager type="SessionManager">SessionManager</sessionManager></returnval></RetrieveServiceContentResponse>"#.to_owned(),
                "Set-Cookie: vmware_soap_session=\"fake\"; Path=/; HttpOnly\r\n",
            ),
            "Login" => (
                200,
                r#"<LoginResponse xmlns="urn:vim25"><returnval><key>k</key><userName>u</userName></returnval></LoginResponse>"#.to_owned(),
                "",
            ),
            "Logout" => (200, r#"<LogoutResponse xmlns="urn:vim25"/>"#.to_owned(), ""),
            other => {
                let (status, inner) = route(other, &body);
                (status, inner, "")
            }
        };
        (status, envelope(&inner), cookie)
    };
    let reason = if status == 200 {
        "OK"
    } else {
        "Internal Server Error"
    };
    let response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n{cookie}\r\n{content}",
        content.len()
    );
    socket.write_all(response.as_bytes()).await.unwrap();
    socket.shutdown().await.unwrap();
}

pub fn envelope(body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{body}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// Logs in to the fake server.
pub async fn connect(url: &str) -> Client {
    Client::connect(ConnectOptions {
        url: url.to_owned(),
        username: "u".into(),
        password: "p".into(),
        ..ConnectOptions::default()
    })
    .await
    .unwrap()
}

/// The calls after the login.
pub fn calls(log: &Log) -> Vec<(String, String)> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|(method, _)| {
            !matches!(
                method.as_str(),
                "RetrieveServiceContent" | "Login" | "Logout"
            )
        })
        .cloned()
        .collect()
}
