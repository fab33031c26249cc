//! A backend's TLS options against a real local HTTPS server (tokio-rustls + hyper, certificates made
//! with rcgen): a private CA (`ca_file`), verification off (`insecure_skip_verify`) and mutual TLS
//! (`client_cert` + `client_key`), each through the Prometheus client as the dashboards use it.

use centinela::config::PromSource;
use centinela::sources::loki::LokiClient;
use centinela::sources::loki_tail::{self, TailEvent, TailMode, TailOptions};
use centinela::sources::prometheus::{PromClient, QueryData};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"api"},"value":[1700000000,"1"]}]}}"#;

/// A private CA, a server certificate for localhost and a client certificate, all written as PEM files.
struct Pki {
    dir: tempfile::TempDir,
    server_cert: CertificateDer<'static>,
    server_key: Vec<u8>,
    ca_der: CertificateDer<'static>,
}

impl Pki {
    fn new() -> Pki {
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name.push(DnType::CommonName, "centinela test CA");
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let leaf = |names: Vec<String>, purpose: ExtendedKeyUsagePurpose| {
            let mut p = CertificateParams::new(names).unwrap();
            p.distinguished_name.push(DnType::CommonName, "centinela test");
            p.extended_key_usages = vec![purpose];
            let key = KeyPair::generate().unwrap();
            let cert = p.signed_by(&key, &issuer).unwrap();
            (cert, key)
        };
        let (server, server_key) =
            leaf(vec!["localhost".into(), "127.0.0.1".into()], ExtendedKeyUsagePurpose::ServerAuth);
        let (client, client_key) = leaf(vec!["centinela-client".into()], ExtendedKeyUsagePurpose::ClientAuth);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ca.pem"), ca_cert.pem()).unwrap();
        std::fs::write(dir.path().join("client.pem"), client.pem()).unwrap();
        std::fs::write(dir.path().join("client.key"), client_key.serialize_pem()).unwrap();
        Pki {
            dir,
            server_cert: server.der().clone(),
            server_key: server_key.serialize_der(),
            ca_der: ca_cert.der().clone(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Serve a Prometheus-shaped `/api/v1/query` over HTTPS; with `mtls`, only to clients holding a
    /// certificate signed by the CA.
    async fn serve(&self, mtls: bool) -> String {
        let router = axum::Router::new()
            .route("/api/v1/query", axum::routing::any(|| async { ([("content-type", "application/json")], VECTOR) }));
        self.serve_router(mtls, router).await
    }

    /// Serve `router` over HTTPS (websocket upgrades included) on a loopback port.
    async fn serve_router(&self, mtls: bool, router: axum::Router) -> String {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = if mtls {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(self.ca_der.clone()).unwrap();
            let verifier =
                rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build().unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let mut config = builder.with_single_cert(vec![self.server_cert.clone()], key).unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { continue };
                let (acceptor, router) = (acceptor.clone(), router.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let service = hyper_util::service::TowerToHyperService::new(router);
                    let io = hyper_util::rt::TokioIo::new(tls);
                    let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
                    let _ = conn.with_upgrades().await;
                });
            }
        });
        format!("https://localhost:{port}")
    }
}

/// A tiny HTTP proxy on a loopback port that records each request's first line: `CONNECT` is
/// tunnelled to its target; any other request (absolute-form, as clients send plain `http` through a
/// proxy) is answered by the proxy itself with a Prometheus vector.
async fn proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut tcp, _)) = listener.accept().await else { continue };
            let log = log.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    let Ok(b) = tcp.read_u8().await else { return };
                    head.push(b);
                }
                let head = String::from_utf8_lossy(&head).to_string();
                let first = head.lines().next().unwrap_or_default().to_string();
                log.lock().unwrap().push(first.clone());
                if let Some(target) = first.strip_prefix("CONNECT ").and_then(|r| r.split(' ').next()) {
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(target).await else { return };
                    let _ = tcp.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await;
                    let _ = tokio::io::copy_bidirectional(&mut tcp, &mut upstream).await;
                    return;
                }
                let len = head
                    .lines()
                    .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().to_string()))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(0);
                let mut body = vec![0; len];
                let _ = tcp.read_exact(&mut body).await;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{VECTOR}",
                    VECTOR.len()
                );
                let _ = tcp.write_all(answer.as_bytes()).await;
            });
        }
    });
    (url, seen)
}

async fn query(src: &PromSource) -> Result<QueryData, String> {
    let client = PromClient::new(src)?;
    client.query("up", 1_700_000_000.0).await.map_err(|e| e.message)
}

fn one_series(d: &QueryData) -> bool {
    format!("{d:?}").contains("api")
}

#[tokio::test]
async fn a_private_ca_is_refused_by_default_and_trusted_with_ca_file() {
    let pki = Pki::new();
    let url = pki.serve(false).await;
    let e = query(&PromSource::new(&url)).await.unwrap_err();
    assert!(e.contains("certificate"), "{e}");
    assert!(e.contains("ca_file"), "the error says what to do: {e}");

    let src = PromSource { ca_file: Some(pki.path("ca.pem")), ..PromSource::new(&url) };
    assert!(one_series(&query(&src).await.unwrap()));
}

#[tokio::test]
async fn insecure_skip_verify_accepts_an_untrusted_certificate() {
    let pki = Pki::new();
    let url = pki.serve(false).await;
    let src = PromSource { insecure_skip_verify: true, ..PromSource::new(&url) };
    assert!(one_series(&query(&src).await.unwrap()));
}

#[tokio::test]
async fn mutual_tls_needs_the_client_certificate() {
    let pki = Pki::new();
    let url = pki.serve(true).await;
    let trusted = PromSource { ca_file: Some(pki.path("ca.pem")), ..PromSource::new(&url) };
    let e = query(&trusted).await.unwrap_err();
    assert!(e.contains("client certificate") && e.contains("client_cert"), "{e}");

    let src = PromSource {
        client_cert: Some(pki.path("client.pem")),
        client_key: Some(pki.path("client.key")),
        ..trusted.clone()
    };
    assert!(one_series(&query(&src).await.unwrap()));
    // The client's Debug shows neither the key nor its path's content.
    let client = PromClient::new(&src).unwrap();
    let key = std::fs::read_to_string(pki.path("client.key")).unwrap();
    let shown = format!("{client:?}");
    let key_body = key.lines().nth(1).unwrap();
    assert!(!shown.contains(key_body), "{shown}");

    // A missing key file is named.
    let missing = PromSource { client_key: Some(pki.path("nope.key")), ..src };
    let e = PromClient::new(&missing).unwrap_err();
    assert!(e.contains("client_key") && e.contains("nope.key"), "{e}");
}

#[tokio::test]
async fn a_configured_proxy_carries_the_requests() {
    let (proxy_url, seen) = proxy().await;
    // The host does not resolve: only the proxy can answer.
    let src = PromSource { proxy: Some(proxy_url.clone()), ..PromSource::new("http://prometheus.invalid:9090") };
    assert!(one_series(&query(&src).await.unwrap()));
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen, ["POST http://prometheus.invalid:9090/api/v1/query HTTP/1.1"]);
    // HTTPS goes through a CONNECT tunnel, to the real server.
    let pki = Pki::new();
    let url = pki.serve(false).await;
    let (proxy_url, seen) = proxy().await;
    let src = PromSource { proxy: Some(proxy_url), ca_file: Some(pki.path("ca.pem")), ..PromSource::new(&url) };
    assert!(one_series(&query(&src).await.unwrap()));
    let port = url.rsplit(':').next().unwrap();
    let first = seen.lock().unwrap().first().cloned();
    assert_eq!(first, Some(format!("CONNECT localhost:{port} HTTP/1.1")));
    // A proxy's password never shows in the client's Debug or in an error.
    let src = PromSource { proxy: Some("http://user:pr0xy-pw@127.0.0.1:1".into()), ..PromSource::new(&url) };
    let shown = format!("{:?}", PromClient::new(&src).unwrap());
    assert!(!shown.contains("pr0xy-pw"), "{shown}");
    let e = query(&src).await.unwrap_err();
    assert!(!e.contains("pr0xy-pw"), "{e}");
}

/// A Loki whose `/loki/api/v1/tail` wants `X-Scope-OrgID: acme` and sends one line.
fn loki_router() -> axum::Router {
    use axum::extract::ws::{Message, WebSocketUpgrade};
    use axum::response::IntoResponse;
    async fn tail(ws: WebSocketUpgrade, headers: axum::http::HeaderMap) -> axum::response::Response {
        if headers.get("x-scope-orgid").and_then(|v| v.to_str().ok()) != Some("acme") {
            return (axum::http::StatusCode::UNAUTHORIZED, "no org id").into_response();
        }
        ws.on_upgrade(|mut socket| async move {
            let frame = r#"{"streams":[{"stream":{"job":"api"},"values":[["1700000000000000000","hello over tls"]]}]}"#;
            let _ = socket.send(Message::Text(frame.into())).await;
            tokio::time::sleep(Duration::from_secs(30)).await;
        })
    }
    axum::Router::new().route("/loki/api/v1/tail", axum::routing::get(tail))
}

/// Run the tail on `src` and return its events up to the first lines (at most 3 events).
async fn tail_events(src: &PromSource) -> Vec<TailEvent> {
    let client = LokiClient::new(src).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let opts = TailOptions {
        expr: r#"{job="api"}"#.into(),
        start_ns: 0,
        limit: 10,
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(200),
        poll_interval: Duration::from_secs(5),
    };
    let task = tokio::spawn(loki_tail::run(client, opts, tx));
    let mut events = Vec::new();
    while events.len() < 3 {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(ev)) => {
                let done = matches!(ev, TailEvent::Entries { .. });
                events.push(ev);
                if done {
                    break;
                }
            }
            _ => break,
        }
    }
    task.abort();
    events
}

#[tokio::test]
async fn the_live_tail_uses_the_same_ca_headers_and_proxy() {
    let pki = Pki::new();
    let url = pki.serve_router(false, loki_router()).await;
    let mut headers = std::collections::BTreeMap::new();
    headers.insert("X-Scope-OrgID".to_string(), "acme".to_string());
    let (proxy_url, seen) = proxy().await;
    let src =
        PromSource { headers, ca_file: Some(pki.path("ca.pem")), proxy: Some(proxy_url), ..PromSource::new(&url) };
    let events = tail_events(&src).await;
    assert_eq!(events.first(), Some(&TailEvent::Connected { mode: TailMode::Websocket }), "{events:#?}");
    assert!(
        matches!(events.last(), Some(TailEvent::Entries { entries, .. }) if entries[0].line == "hello over tls"),
        "{events:#?}"
    );
    assert!(seen.lock().unwrap()[0].starts_with("CONNECT localhost:"), "the tail went through the proxy");

    // insecure_skip_verify, no proxy.
    let insecure = PromSource { ca_file: None, proxy: None, insecure_skip_verify: true, ..src.clone() };
    let events = tail_events(&insecure).await;
    assert!(matches!(events.last(), Some(TailEvent::Entries { .. })), "{events:#?}");

    // Without the CA: a clear certificate error, retried.
    let untrusted = PromSource { ca_file: None, proxy: None, ..src };
    let events = tail_events(&untrusted).await;
    match events.first() {
        Some(TailEvent::Disconnected { error, .. }) => {
            assert!(error.message.contains("not trusted") && error.message.contains("ca_file"), "{error:?}")
        }
        other => panic!("{other:?}"),
    }
}
