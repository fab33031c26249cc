//! A backend's TLS options against a real local HTTPS server (tokio-rustls + hyper, certificates made
//! with rcgen): a private CA (`ca_file`), verification off (`insecure_skip_verify`) and mutual TLS
//! (`client_cert` + `client_key`), each through the Prometheus client as the dashboards use it.

use centinela::config::PromSource;
use centinela::sources::prometheus::{PromClient, QueryData};
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::PathBuf;
use std::sync::Arc;

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
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let service = hyper::service::service_fn(|_req| async {
                        let body = http_body_util_full(VECTOR);
                        Ok::<_, std::convert::Infallible>(
                            hyper::Response::builder().header("content-type", "application/json").body(body).unwrap(),
                        )
                    });
                    let io = hyper_util::rt::TokioIo::new(tls);
                    let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
                });
            }
        });
        format!("https://localhost:{port}")
    }
}

/// A whole body in one piece (axum's body type, which hyper accepts).
fn http_body_util_full(s: &'static str) -> axum::body::Body {
    axum::body::Body::from(s)
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
