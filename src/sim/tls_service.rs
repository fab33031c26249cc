//! The demo's HTTPS endpoint: the `dashboard` service's `/health` served over TLS on a loopback port,
//! with a certificate for `localhost`/`127.0.0.1` from a CA generated at start-up. The certificate
//! expires in 10 days, so the certificate-expiry display has something to warn about; the CA's PEM is
//! handed out so clients (and the probe) can be told to trust it.
//!
//! axum's `serve` does not do TLS, so connections are accepted here: `TcpListener` → rustls
//! `TlsAcceptor` → hyper's HTTP/1 server running the axum router.

use super::services;
use super::World;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
use rcgen::{KeyUsagePurpose, PKCS_ECDSA_P256_SHA256};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// The service whose health is served over HTTPS.
pub const JOB: &str = "dashboard";

/// How long the demo server certificate is valid from start-up.
pub const VALID_DAYS: i64 = 10;

/// The running HTTPS endpoint. Aborting `task` stops it and its connections.
pub struct TlsService {
    /// `https://localhost:PORT/health`
    pub url: String,
    /// The CA that signed the server certificate, PEM.
    pub ca_pem: String,
    pub task: JoinHandle<()>,
}

/// A generated CA and a server certificate signed by it.
pub struct DemoCerts {
    pub ca_pem: String,
    pub cert: CertificateDer<'static>,
    pub key: PrivateKeyDer<'static>,
}

/// Generate a CA ("Centinela Demo CA", valid from `not_before` for a year) and a server certificate
/// for `names` (DNS names or IP addresses) signed by it, valid from `not_before` to `not_after`.
pub fn generate(
    names: &[&str],
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<DemoCerts, rcgen::Error> {
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name.push(DnType::CommonName, "Centinela Demo CA");
    ca.distinguished_name.push(DnType::OrganizationName, "Mini Market (demo)");
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    ca.not_before = not_before;
    ca.not_after = not_before + time::Duration::days(365);
    let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let ca_cert = ca.self_signed(&ca_key)?;
    let issuer = Issuer::new(ca, ca_key);

    let mut leaf = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())?;
    leaf.distinguished_name.push(DnType::CommonName, names.first().copied().unwrap_or("localhost"));
    leaf.distinguished_name.push(DnType::OrganizationName, "Mini Market (demo)");
    leaf.use_authority_key_identifier_extension = true;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer)?;
    Ok(DemoCerts {
        ca_pem: ca_cert.pem(),
        cert: leaf_cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
    })
}

/// Generate the demo certificates (valid from a day ago for [`VALID_DAYS`] days from now, for
/// `localhost` and `127.0.0.1`) and serve `dashboard`'s `/health` over HTTPS on a loopback port.
pub async fn start(world: Arc<World>) -> std::io::Result<TlsService> {
    let now = OffsetDateTime::now_utc();
    let certs =
        generate(&["localhost", "127.0.0.1"], now - time::Duration::days(1), now + time::Duration::days(VALID_DAYS))
            .map_err(std::io::Error::other)?;
    serve(world, certs).await
}

/// Serve `dashboard`'s `/health` over HTTPS with the given certificates on a loopback port.
pub async fn serve(world: Arc<World>, certs: DemoCerts) -> std::io::Result<TlsService> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(std::io::Error::other)?
        .with_no_client_auth()
        .with_single_cert(vec![certs.cert], certs.key)
        .map_err(std::io::Error::other)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let router = Router::new().route("/health", get(health_handler)).with_state(world);
    let task = tokio::spawn(accept_loop(listener, acceptor, router));
    Ok(TlsService { url: format!("https://localhost:{port}/health"), ca_pem: certs.ca_pem, task })
}

async fn health_handler(State(world): State<Arc<World>>) -> Response {
    let now_s = chrono::Utc::now().timestamp_millis() as f64 / 1000.0;
    let (code, body) = services::health(&world, JOB, now_s);
    (code, axum::Json(body)).into_response()
}

/// Accept connections until aborted; the connections live in a `JoinSet`, so they end with it.
async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, router: Router) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::debug!("demo HTTPS accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        connections.spawn(async move {
            let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                Ok(Err(e)) => {
                    tracing::debug!("demo HTTPS handshake failed: {e}");
                    return;
                }
                Err(_) => return,
            };
            let service = hyper_util::service::TowerToHyperService::new(router);
            let io = hyper_util::rt::TokioIo::new(tls);
            if let Err(e) = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await {
                tracing::debug!("demo HTTPS connection ended: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_real_client_trusting_the_ca_reads_the_health_json() {
        let svc = start(Arc::new(World::new(crate::poll::now_ms()))).await.unwrap();
        let ca = reqwest::Certificate::from_pem(svc.ca_pem.as_bytes()).unwrap();
        let client = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
        let resp = client.get(&svc.url).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(body["service"], JOB);
        assert_eq!(body["status"], "healthy");
        // Without the CA a verifying client refuses it.
        assert!(reqwest::get(&svc.url).await.is_err());
        svc.task.abort();
    }
}
