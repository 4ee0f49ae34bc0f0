//! The build's own HTTP server (Packer's `http_directory` / `http_content`): GET and HEAD of
//! files, for installers that fetch their kickstart over the network (`ks=http://…`).
//!
//! Deliberately small: HTTP/1.0-style, one request per connection, no directory listings, and
//! paths cannot leave the directory (`..` is refused).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server answers from.
#[derive(Clone, Debug, Default)]
pub(crate) struct Content {
    /// `http_directory`.
    pub(crate) directory: Option<PathBuf>,
    /// `http_content` plus generated files (`/ks.json`): path (with leading `/`) → body.
    pub(crate) files: BTreeMap<String, Vec<u8>>,
}

/// A running server; dropping it stops it.
pub(crate) struct HttpServer {
    pub(crate) port: u16,
    /// Dropping it ends the accept loop, which selects on the other end.
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl HttpServer {
    /// Listens on `bind` (port 0: any free port) and serves `content` until dropped.
    pub(crate) async fn start(bind: IpAddr, content: Content) -> std::io::Result<HttpServer> {
        let listener = TcpListener::bind(SocketAddr::new(bind, 0)).await?;
        let port = listener.local_addr()?.port();
        let (sender, mut stop) = tokio::sync::oneshot::channel::<()>();
        let content = Arc::new(content);
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stop => break,
                    accepted = listener.accept() => {
                        let Ok((stream, _)) = accepted else { continue };
                        let content = Arc::clone(&content);
                        tokio::spawn(async move {
                            if let Err(error) = serve(stream, &content).await {
                                tracing::debug!(%error, "http: connection failed");
                            }
                        });
                    }
                }
            }
        });
        Ok(HttpServer {
            port,
            _shutdown: sender,
        })
    }
}

async fn serve(mut stream: TcpStream, content: &Content) -> std::io::Result<()> {
    let mut request = Vec::new();
    let mut buffer = [0_u8; 2048];
    // Read the request head only; bodies are never needed (GET/HEAD).
    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await?;
        if read == 0 || request.len() > 16 * 1024 {
            break;
        }
        request.extend_from_slice(&buffer[..read]);
    }
    let head = String::from_utf8_lossy(&request);
    let mut words = head.lines().next().unwrap_or_default().split_whitespace();
    let method = words.next().unwrap_or_default();
    let target = words.next().unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default();
    let (status, body) = if method != "GET" && method != "HEAD" {
        ("405 Method Not Allowed", Vec::new())
    } else {
        match lookup(content, path).await {
            Some(body) => ("200 OK", body),
            None => ("404 Not Found", Vec::new()),
        }
    };
    tracing::debug!(method, path, status, "http: request");
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes()).await?;
    if method != "HEAD" {
        stream.write_all(&body).await?;
    }
    stream.shutdown().await
}

async fn lookup(content: &Content, path: &str) -> Option<Vec<u8>> {
    if let Some(body) = content.files.get(path) {
        return Some(body.clone());
    }
    let directory = content.directory.as_ref()?;
    let relative = path.trim_start_matches('/');
    if relative.split('/').any(|part| part == "..") {
        return None;
    }
    let file = directory.join(relative);
    if !file.is_file() {
        return None;
    }
    tokio::fs::read(file).await.ok()
}

/// The local address the VM can reach us on: the address of the interface a UDP socket
/// "connected" to `peer` (the vCenter) would use. No packet is sent.
pub(crate) fn local_ip_towards(peer: &str) -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect(peer).ok()?;
    socket.local_addr().ok().map(|address| address.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(port: u16, request: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn serves_content_and_directory_and_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "from disk").unwrap();
        let content = Content {
            directory: Some(dir.path().to_owned()),
            files: BTreeMap::from([("/ks.json".to_owned(), b"{\"k\":1}".to_vec())]),
        };
        let server = HttpServer::start("127.0.0.1".parse().unwrap(), content)
            .await
            .unwrap();
        let ks = get(server.port, "GET /ks.json HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(
            ks.starts_with("HTTP/1.1 200 OK") && ks.ends_with("{\"k\":1}"),
            "{ks}"
        );
        let file = get(server.port, "GET /a.txt?x=1 HTTP/1.1\r\n\r\n").await;
        assert!(file.ends_with("from disk"), "{file}");
        let escape = get(server.port, "GET /../etc/passwd HTTP/1.1\r\n\r\n").await;
        assert!(escape.starts_with("HTTP/1.1 404"), "{escape}");
        let post = get(server.port, "POST /ks.json HTTP/1.1\r\n\r\n").await;
        assert!(post.starts_with("HTTP/1.1 405"), "{post}");
        let garbage = get(server.port, "\u{1}\u{2}\r\n\r\n").await;
        assert!(garbage.starts_with("HTTP/1.1 405"), "{garbage}");
    }
}
