//! Reads a server's TLS certificate, to show how many days are left before it expires.
//!
//! The handshake accepts any certificate (an expired or untrusted one is exactly what must be
//! reported, so it has to be read), but the server still has to prove it holds the certificate's key:
//! handshake signatures are checked as usual. Trust is then evaluated separately with rustls's
//! WebPKI verifier against the Mozilla roots (`webpki-roots`) plus an optional extra CA, and a refusal
//! becomes a short reason ("expired", "self-signed", "unknown issuer", "name mismatch", …).
//! The certificate's fields are read with `x509-parser`.

use crate::action::{FetchError, FetchErrorKind};
use crate::sanitize::sanitize_trunc;
use crate::sources::http::err;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;
use std::time::Duration;
use x509_parser::extensions::GeneralName;

/// What a server's certificate says, and whether it would be trusted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CertInfo {
    /// End of validity, ms since the Unix epoch.
    pub not_after_ms: i64,
    /// Start of validity, ms since the Unix epoch.
    pub not_before_ms: i64,
    /// Subject distinguished name (`CN=…, O=…`), sanitised.
    pub subject: String,
    /// Issuer distinguished name, sanitised.
    pub issuer: String,
    /// The subject alternative names the certificate is valid for: DNS names, and IP addresses as text.
    pub dns_names: Vec<String>,
    pub trust: Trust,
}

/// Whether a client verifying the certificate chain and name would accept it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Trust {
    Trusted,
    /// Why not, in a few words: "expired", "self-signed", "unknown issuer", "name mismatch",
    /// "not yet valid", "revoked", "bad signature", "not for servers", "malformed", or a short
    /// description of another verifier error.
    Untrusted(String),
}

/// Whole days until `info` expires at `now_ms`, rounded down: 0 on its last day, negative once expired.
pub fn days_left(info: &CertInfo, now_ms: i64) -> i64 {
    info.not_after_ms.saturating_sub(now_ms).div_euclid(86_400_000)
}

/// Connect to the host and port of `url` (port 443 unless given; a bare `host[:port]` works too),
/// complete a TLS handshake with SNI set to the host, and report its certificate. `ca_pem` adds one or
/// more trusted CA certificates (PEM) to the public roots. `timeout` bounds the connection and handshake.
pub async fn probe(url: &str, ca_pem: Option<&[u8]>, timeout: Duration) -> Result<CertInfo, FetchError> {
    let (host, port) = host_port(url)?;
    let target = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
    let server_name = ServerName::try_from(host.clone())
        .map_err(|_| err(FetchErrorKind::Connect, format!("TLS probe of {url}: {host:?} is not a valid host name")))?;
    let roots = root_store(ca_pem)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| err(FetchErrorKind::Connect, format!("TLS {target}: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAnyCert(provider.clone())))
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));

    let handshake = async {
        let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| err(FetchErrorKind::Connect, format!("TLS {target}: cannot connect: {e}")))?;
        connector.connect(server_name.clone(), tcp).await.map_err(|e| {
            err(FetchErrorKind::Connect, format!("TLS {target}: handshake failed (is it serving TLS?): {e}"))
        })
    };
    let stream = match tokio::time::timeout(timeout, handshake).await {
        Ok(r) => r?,
        Err(_) => {
            return Err(err(
                FetchErrorKind::Timeout,
                format!("TLS {target}: no handshake within {}", humantime::format_duration(timeout)),
            ))
        }
    };
    let chain: Vec<CertificateDer<'static>> = stream.get_ref().1.peer_certificates().unwrap_or_default().to_vec();
    drop(stream);
    let Some((end_entity, intermediates)) = chain.split_first() else {
        return Err(err(FetchErrorKind::Decode, format!("TLS {target}: the server sent no certificate")));
    };

    let (_, cert) = x509_parser::parse_x509_certificate(end_entity.as_ref())
        .map_err(|e| err(FetchErrorKind::Decode, format!("TLS {target}: unreadable certificate: {e}")))?;
    let validity = cert.validity();
    let not_after_ms = validity.not_after.timestamp().saturating_mul(1000);
    let not_before_ms = validity.not_before.timestamp().saturating_mul(1000);
    let mut dns_names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => dns_names.push(sanitize_trunc(d, 253)),
                GeneralName::IPAddress(ip) => dns_names.extend(ip_text(ip)),
                _ => {}
            }
        }
    }
    let self_signed = cert.subject().as_raw() == cert.issuer().as_raw();

    let now = UnixTime::now();
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| err(FetchErrorKind::Decode, format!("TLS {target}: cannot set up verification: {e}")))?;
    let verdict = verifier.verify_server_cert(end_entity, intermediates, &server_name, &[], now);
    let now_ms = i64::try_from(now.as_secs()).unwrap_or(i64::MAX).saturating_mul(1000);
    let trust = if not_after_ms < now_ms {
        // Whatever else is wrong, this is the one an on-call engineer must hear first.
        Trust::Untrusted("expired".into())
    } else {
        match verdict {
            Ok(_) => Trust::Trusted,
            Err(e) => Trust::Untrusted(reason(&e, self_signed)),
        }
    };
    Ok(CertInfo {
        not_after_ms,
        not_before_ms,
        subject: sanitize_trunc(&cert.subject().to_string(), 300),
        issuer: sanitize_trunc(&cert.issuer().to_string(), 300),
        dns_names,
        trust,
    })
}

fn host_port(url: &str) -> Result<(String, u16), FetchError> {
    let bad = |why: &str| err(FetchErrorKind::Connect, format!("TLS probe of {url}: {why}"));
    let with_scheme = if url.contains("://") { url.to_string() } else { format!("https://{url}") };
    let parsed = reqwest::Url::parse(&with_scheme).map_err(|e| bad(&format!("not a URL ({e})")))?;
    // IPv6 literals come bracketed ("[::1]"); the name and the socket address want them bare.
    let host = match parsed.host_str() {
        Some(h) if !h.is_empty() => h.trim_start_matches('[').trim_end_matches(']').to_string(),
        _ => return Err(bad("no host")),
    };
    Ok((host, parsed.port().unwrap_or(443)))
}

fn root_store(ca_pem: Option<&[u8]>) -> Result<RootCertStore, FetchError> {
    let mut roots = RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let Some(pem) = ca_pem else { return Ok(roots) };
    let mut added = 0;
    for der in CertificateDer::pem_slice_iter(pem) {
        let der = der.map_err(|e| err(FetchErrorKind::Decode, format!("CA certificate: not valid PEM ({e})")))?;
        roots.add(der).map_err(|e| err(FetchErrorKind::Decode, format!("CA certificate: not usable ({e})")))?;
        added += 1;
    }
    if added == 0 {
        return Err(err(FetchErrorKind::Decode, "CA certificate: no PEM certificate found".into()));
    }
    Ok(roots)
}

fn ip_text(bytes: &[u8]) -> Option<String> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(|b| std::net::Ipv4Addr::from(b).to_string()),
        16 => <[u8; 16]>::try_from(bytes).ok().map(|b| std::net::Ipv6Addr::from(b).to_string()),
        _ => None,
    }
}

/// The verifier's refusal in a few words.
fn reason(e: &rustls::Error, self_signed: bool) -> String {
    let rustls::Error::InvalidCertificate(ce) = e else {
        return sanitize_trunc(&e.to_string(), 60);
    };
    match ce {
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => "expired",
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "not yet valid",
        CertificateError::UnknownIssuer if self_signed => "self-signed",
        CertificateError::UnknownIssuer => "unknown issuer",
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => "name mismatch",
        CertificateError::Revoked => "revoked",
        CertificateError::BadSignature => "bad signature",
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => "not for servers",
        CertificateError::BadEncoding => "malformed",
        other => return sanitize_trunc(&format!("{other:?}"), 60),
    }
    .to_string()
}

/// A verifier that accepts any certificate chain (for `insecure_skip_verify`, and for reading a bad
/// certificate); the server must still prove it holds the certificate's key.
pub(crate) fn accept_any(provider: Arc<CryptoProvider>) -> Arc<dyn ServerCertVerifier> {
    Arc::new(AcceptAnyCert(provider))
}

/// Accepts any certificate chain, so that a bad one can still be read; still checks that the server's
/// handshake signatures are made with the certificate's key.
#[derive(Debug)]
struct AcceptAnyCert(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::tls_service::{self, DemoCerts};
    use crate::sim::World;
    use time::OffsetDateTime;

    const T: Duration = Duration::from_secs(5);

    fn world() -> Arc<World> {
        Arc::new(World::new(crate::poll::now_ms()))
    }

    fn certs(names: &[&str], from_days: i64, to_days: i64) -> DemoCerts {
        let now = OffsetDateTime::now_utc();
        tls_service::generate(names, now + time::Duration::days(from_days), now + time::Duration::days(to_days))
            .unwrap()
    }

    #[tokio::test]
    async fn the_demo_certificate_is_trusted_with_its_ca_and_has_ten_days_left() {
        let svc = tls_service::start(world()).await.unwrap();
        let now = crate::poll::now_ms();
        let info = probe(&svc.url, Some(svc.ca_pem.as_bytes()), T).await.unwrap();
        assert_eq!(info.trust, Trust::Trusted);
        assert!((9..=10).contains(&days_left(&info, now)), "{}", days_left(&info, now));
        assert!((now - info.not_before_ms - 86_400_000).abs() < 120_000, "not_before is a day ago");
        assert!(info.subject.contains("CN=localhost"), "{}", info.subject);
        assert!(info.issuer.contains("Centinela Demo CA"), "{}", info.issuer);
        assert_eq!(info.dns_names, vec!["localhost".to_string(), "127.0.0.1".to_string()]);
        // By IP address too: the certificate names 127.0.0.1.
        let by_ip = svc.url.replace("localhost", "127.0.0.1");
        assert_eq!(probe(&by_ip, Some(svc.ca_pem.as_bytes()), T).await.unwrap().trust, Trust::Trusted);
        svc.task.abort();
    }

    #[tokio::test]
    async fn without_the_ca_it_is_untrusted_but_the_expiry_is_still_read() {
        let svc = tls_service::start(world()).await.unwrap();
        let info = probe(&svc.url, None, T).await.unwrap();
        assert_eq!(info.trust, Trust::Untrusted("unknown issuer".into()));
        assert!((9..=10).contains(&days_left(&info, crate::poll::now_ms())));
        svc.task.abort();
    }

    #[tokio::test]
    async fn an_expired_certificate_is_reported_expired() {
        let svc = tls_service::serve(world(), certs(&["localhost"], -30, -2)).await.unwrap();
        for ca in [Some(svc.ca_pem.as_bytes()), None] {
            let info = probe(&svc.url, ca, T).await.unwrap();
            assert_eq!(info.trust, Trust::Untrusted("expired".into()));
            assert!((-3..=-2).contains(&days_left(&info, crate::poll::now_ms())), "{info:?}");
        }
        svc.task.abort();
    }

    #[tokio::test]
    async fn self_signed_and_wrong_name_are_told_apart() {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
        let own = DemoCerts {
            ca_pem: cert.pem(),
            cert: cert.der().clone(),
            key: rustls::pki_types::PrivateKeyDer::Pkcs8(signing_key.serialize_der().into()),
        };
        let svc = tls_service::serve(world(), own).await.unwrap();
        assert_eq!(probe(&svc.url, None, T).await.unwrap().trust, Trust::Untrusted("self-signed".into()));
        svc.task.abort();

        let svc = tls_service::serve(world(), certs(&["other.example"], -1, 10)).await.unwrap();
        let info = probe(&svc.url, Some(svc.ca_pem.as_bytes()), T).await.unwrap();
        assert_eq!(info.trust, Trust::Untrusted("name mismatch".into()));
        assert_eq!(info.dns_names, vec!["other.example".to_string()]);
        svc.task.abort();
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error_naming_host_and_port() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let e = probe(&format!("https://127.0.0.1:{port}/health"), None, T).await.unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Connect);
        assert!(e.message.contains(&format!("127.0.0.1:{port}")) && e.message.contains("cannot connect"), "{e}");
    }

    #[tokio::test]
    async fn a_plain_http_port_fails_the_handshake() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = axum::Router::new().route("/health", axum::routing::get(|| async { "ok" }));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        let e = probe(&format!("http://127.0.0.1:{port}/health"), None, T).await.unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Connect);
        assert!(e.message.contains(&format!("127.0.0.1:{port}")) && e.message.contains("handshake failed"), "{e}");
        task.abort();
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        // Bound but never accepted: the kernel completes the TCP handshake, nobody answers the TLS one.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let e = probe(&format!("127.0.0.1:{port}"), None, Duration::from_millis(200)).await.unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Timeout);
        assert!(e.message.contains(&format!("127.0.0.1:{port}")) && e.message.contains("200ms"), "{e}");
        drop(listener);
    }

    #[tokio::test]
    async fn bad_input_is_an_error_not_a_panic() {
        for url in ["", "https://", "https:///x", "https://exa mple.com", "https://host:99999"] {
            assert!(probe(url, None, T).await.is_err(), "{url}");
        }
        let e = probe("https://127.0.0.1:1", Some(b"not a pem"), T).await.unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Decode);
        assert!(e.message.contains("CA certificate"), "{e}");
    }

    #[test]
    fn host_and_port_come_from_the_url() {
        assert_eq!(host_port("https://example.com/x").unwrap(), ("example.com".into(), 443));
        assert_eq!(host_port("https://example.com:8443").unwrap(), ("example.com".into(), 8443));
        assert_eq!(host_port("example.com:8443").unwrap(), ("example.com".into(), 8443));
        assert_eq!(host_port("https://[::1]:9/").unwrap(), ("::1".into(), 9));
        assert_eq!(host_port("http://10.0.0.1/").unwrap(), ("10.0.0.1".into(), 443));
    }

    #[test]
    fn days_left_rounds_down_and_goes_negative() {
        let day = 86_400_000;
        let info = |not_after_ms| CertInfo {
            not_after_ms,
            not_before_ms: 0,
            subject: String::new(),
            issuer: String::new(),
            dns_names: vec![],
            trust: Trust::Trusted,
        };
        assert_eq!(days_left(&info(10 * day), 0), 10);
        assert_eq!(days_left(&info(10 * day - 1), 0), 9);
        assert_eq!(days_left(&info(0), 0), 0);
        assert_eq!(days_left(&info(-1), 0), -1);
        assert_eq!(days_left(&info(i64::MIN), i64::MAX), i64::MIN.div_euclid(day));
    }
}
