//! Certificates for the TLS tests, made in the test (rcgen): a private CA, a server
//! certificate it signed for `127.0.0.1` and `localhost`, and a key that belongs to
//! neither (for the "wrong key" errors), as PEM files in a fresh directory.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};

/// The PEM files of one test's CA and server certificate; the directory is removed on drop.
#[derive(Debug)]
pub struct TestPki {
    dir: PathBuf,
    /// The CA certificate, what peers are given to trust (`--ca`, `tls_ca_file`).
    pub ca: PathBuf,
    /// The server certificate chain (`--tls-cert`).
    pub cert: PathBuf,
    /// Its private key (`--tls-key`), PKCS#8.
    pub key: PathBuf,
    /// A private key of no certificate here.
    pub other_key: PathBuf,
}

impl TestPki {
    /// Make the files under the system's temporary directory, in a directory named after
    /// `name` and the process (tests of one binary run at once: give each its own name).
    pub fn new(name: &str) -> TestPki {
        let dir = std::env::temp_dir().join(format!("jet-pki-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the certificate directory");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        // Not a name any system root (a root store may hold a `localhost` one) or another
        // test's CA has: a CA of the same name would be taken for the issuer.
        ca_params
            .distinguished_name
            .push(DnType::CommonName, format!("jet-tests CA {name}"));
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().expect("CA key");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let mut params = CertificateParams::new(names).expect("server params");
        params
            .distinguished_name
            .push(DnType::CommonName, "jetd under test");
        let key = KeyPair::generate().expect("server key");
        let cert = params.signed_by(&key, &ca).expect("server certificate");
        let other_key = KeyPair::generate().expect("other key");
        let write = |file: &str, pem: String| {
            let path = dir.join(file);
            std::fs::write(&path, pem).expect("write a PEM file");
            path
        };
        TestPki {
            ca: write("ca.pem", ca.pem()),
            cert: write("jetd.pem", cert.pem()),
            key: write("jetd.key", key.serialize_pem()),
            other_key: write("other.key", other_key.serialize_pem()),
            dir,
        }
    }

    /// The directory holding the files (for more of a test's own).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for TestPki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
