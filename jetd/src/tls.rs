//! TLS on jetd's listeners (`--tls-cert`, `--tls-key`): the certificate chain and its
//! private key, read from PEM files and checked once when the settings are resolved, so a
//! wrong file stops the daemon at start with a sentence instead of failing every handshake.
//!
//! rustls with the `ring` provider only (named here, not left to a process-wide default).
//! See SECURITY.md for making a certificate.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// A certificate chain and its key, ready to serve TLS on both listeners.
#[derive(Clone)]
pub struct TlsIdentity {
    config: Arc<ServerConfig>,
    cert_file: PathBuf,
}

/// Why a certificate or key file cannot be served with; the message names the flag, the
/// file and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsError(String);

impl TlsIdentity {
    /// Read a PEM certificate chain (the server's certificate first, then intermediates)
    /// and a PEM private key (PKCS#8, PKCS#1 RSA or SEC1 EC), and check that the key is
    /// the certificate's.
    pub fn from_pem_files(cert_file: &Path, key_file: &Path) -> Result<TlsIdentity, TlsError> {
        let show = |flag: &str, path: &Path| format!("--{flag} {}", path.display());
        let read = |flag: &str, path: &Path| {
            std::fs::read(path)
                .map_err(|e| TlsError(format!("{}: cannot read the file: {e}", show(flag, path))))
        };
        let cert_pem = read("tls-cert", cert_file)?;
        let key_pem = read("tls-key", key_file)?;
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                TlsError(format!(
                    "{}: not a PEM file: {e}",
                    show("tls-cert", cert_file)
                ))
            })?;
        if chain.is_empty() {
            return Err(TlsError(format!(
                "{}: no certificate in the file (expected PEM `-----BEGIN CERTIFICATE-----`)",
                show("tls-cert", cert_file)
            )));
        }
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
            TlsError(match e {
                pem::Error::NoItemsFound => format!(
                    "{}: no private key in the file (expected PEM `-----BEGIN PRIVATE KEY-----`, \
                     `RSA PRIVATE KEY` or `EC PRIVATE KEY`)",
                    show("tls-key", key_file)
                ),
                e => format!("{}: not a PEM file: {e}", show("tls-key", key_file)),
            })
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(format!("cannot set up TLS: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                TlsError(match e {
                    rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch) => {
                        format!(
                            "{} is not the key of the certificate in {}",
                            show("tls-key", key_file),
                            show("tls-cert", cert_file)
                        )
                    }
                    e => format!(
                        "{} with {}: {e}",
                        show("tls-cert", cert_file),
                        show("tls-key", key_file)
                    ),
                })
            })?;
        Ok(TlsIdentity {
            config: Arc::new(config),
            cert_file: cert_file.to_owned(),
        })
    }

    /// What accepts TLS connections with this identity.
    pub(crate) fn acceptor(&self) -> TlsAcceptor {
        TlsAcceptor::from(self.config.clone())
    }
}

impl fmt::Debug for TlsIdentity {
    /// The certificate file only: the key stays out of logs and `{:?}` of the config.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert_file", &self.cert_file)
            .finish_non_exhaustive()
    }
}
