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
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
