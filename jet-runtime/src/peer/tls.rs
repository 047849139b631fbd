//! TLS for `tls://` and `wss://` daemons: which certificates the peer trusts (the system's
//! roots, or the CA file given with [`PeerBuilder::tls_ca_file`]) and the handshake, with
//! its failures in words ("the daemon's certificate is not trusted ...").
//!
//! Built with the `tls` feature (on by default); without it [`TlsClient`] has no values,
//! and a TLS address is refused when connecting, saying which feature it needs.
//!
//! [`PeerBuilder::tls_ca_file`]: super::PeerBuilder::tls_ca_file

use std::path::Path;

use super::PeerError;

#[cfg(feature = "tls")]
pub(crate) use with_tls::TlsClient;
#[cfg(not(feature = "tls"))]
pub(crate) use without_tls::TlsClient;

#[cfg(feature = "tls")]
mod with_tls {
    use std::io;
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use rustls::{ClientConfig, RootCertStore};
    use tokio::net::TcpStream;
    use tokio_rustls::client::TlsStream;
    use tokio_rustls::TlsConnector;

    use super::{Path, PeerError};

    /// What the peer connects to TLS daemons with: rustls (ring) trusting one set of roots,
    /// loaded once per peer and used again for every reconnect.
    #[derive(Clone, Debug)]
    pub(crate) struct TlsClient {
        config: Arc<ClientConfig>,
    }

    impl TlsClient {
        /// Trust the certificates in `ca_file` (PEM), or the system's roots without one.
        pub(crate) fn new(ca_file: Option<&Path>, _addr: &str) -> Result<TlsClient, PeerError> {
            let roots = match ca_file {
                Some(path) => roots_from_file(path)?,
                None => system_roots(),
            };
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| PeerError::Protocol(format!("cannot set up TLS: {e}")))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            Ok(TlsClient {
                config: Arc::new(config),
            })
        }

        /// The TLS handshake with the daemon at `host` (the name its certificate must be
        /// for) over `tcp`; `addr` is the address as given, for errors.
        pub(crate) async fn handshake(
            &self,
            addr: &str,
            host: &str,
            tcp: TcpStream,
        ) -> Result<TlsStream<TcpStream>, PeerError> {
            let name = ServerName::try_from(host.to_owned()).map_err(|e| PeerError::Connect {
                addr: addr.to_owned(),
                reason: format!("`{host}` cannot be a TLS server name: {e}"),
            })?;
            TlsConnector::from(self.config.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| handshake_error(addr, e))
        }
    }

    fn roots_from_file(path: &Path) -> Result<RootCertStore, PeerError> {
        let refuse = |reason: String| PeerError::CaFile {
            path: path.display().to_string(),
            reason,
        };
        let pem = std::fs::read(path).map_err(|e| refuse(format!("cannot read it: {e}")))?;
        let certs = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| refuse(format!("not a PEM file: {e}")))?;
        if certs.is_empty() {
            return Err(refuse(
                "no certificate in it (expected PEM `-----BEGIN CERTIFICATE-----`)".to_owned(),
            ));
        }
        let mut roots = RootCertStore::empty();
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| refuse(format!("not a usable CA certificate: {e}")))?;
        }
        Ok(roots)
    }

    /// The system's roots. Unreadable ones are skipped (and logged): with none at all,
    /// every daemon's certificate is reported as not trusted, which says what to do.
    fn system_roots() -> RootCertStore {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::debug!("cannot load a system root certificate: {e}");
        }
        let mut roots = RootCertStore::empty();
        let (added, ignored) = roots.add_parsable_certificates(found.certs);
        tracing::debug!(added, ignored, "system root certificates");
        roots
    }

    /// What is wrong with the daemon's certificate, in words where rustls's own are terse.
    fn certificate_problem(why: &rustls::CertificateError) -> String {
        use rustls::CertificateError;
        let webpki = |other: &rustls::OtherError| other.0.downcast_ref::<webpki::Error>().cloned();
        match why {
            CertificateError::UnknownIssuer => "no trusted CA signed it".to_owned(),
            CertificateError::BadSignature => "its signature is not that of the trusted CA of \
                its issuer's name (another CA with the same name signed it)"
                .to_owned(),
            CertificateError::Other(other)
                if webpki(other) == Some(webpki::Error::CaUsedAsEndEntity) =>
            {
                "it is a CA certificate (basicConstraints CA:TRUE), which cannot be a \
                 server's; make the daemon's with CA:FALSE (SECURITY.md)"
                    .to_owned()
            }
            other => other.to_string(),
        }
    }

    /// A failed handshake in words: rustls's own error when it has one.
    fn handshake_error(addr: &str, e: io::Error) -> PeerError {
        let connect = |reason: String| PeerError::Connect {
            addr: addr.to_owned(),
            reason,
        };
        match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
            Some(rustls::Error::InvalidCertificate(why)) => PeerError::Untrusted {
                addr: addr.to_owned(),
                reason: certificate_problem(why),
                unknown_issuer: matches!(
                    why,
                    rustls::CertificateError::UnknownIssuer | rustls::CertificateError::BadSignature
                ),
            },
            Some(rustls::Error::InvalidMessage(_)) => connect(format!(
                "the answer is not TLS ({e}): is this port serving TLS? A plain one takes tcp:// or ws://"
            )),
            Some(other) => connect(format!("the TLS handshake failed: {other}")),
            None if matches!(
                e.kind(),
                io::ErrorKind::UnexpectedEof | io::ErrorKind::ConnectionReset
            ) =>
            {
                connect(
                    "the daemon closed the connection during the TLS handshake: is this port \
                     serving TLS? A plain one takes tcp:// or ws://"
                        .to_owned(),
                )
            }
            None => connect(format!("the TLS handshake failed: {e}")),
        }
    }
}

#[cfg(not(feature = "tls"))]
mod without_tls {
    use tokio::net::TcpStream;

    use super::{Path, PeerError};

    /// Without the `tls` feature there is no TLS client: [`TlsClient::new`] says so.
    #[derive(Clone, Debug)]
    pub(crate) enum TlsClient {}

    impl TlsClient {
        pub(crate) fn new(_ca_file: Option<&Path>, addr: &str) -> Result<TlsClient, PeerError> {
            Err(PeerError::Connect {
                addr: addr.to_owned(),
                reason: "tls:// and wss:// need jet-runtime's `tls` feature".to_owned(),
            })
        }

        pub(crate) async fn handshake(
            &self,
            _addr: &str,
            _host: &str,
            _tcp: TcpStream,
        ) -> Result<TcpStream, PeerError> {
            match *self {}
        }
    }
}
