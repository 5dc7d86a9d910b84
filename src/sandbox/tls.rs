//! `release-desk sandbox --tls`: the same API over https, for Contentful's tools that build
//! `https://` URLs themselves (`contentful-migration`, the Contentful CLI).
//!
//! The certificate is self-signed for `localhost` and `127.0.0.1`, generated on first use and
//! kept in the data directory (`tls/cert.pem`, and the key `tls/key.pem`, owner-only), so a
//! tool told to trust it once (`NODE_EXTRA_CA_CERTS=…/tls/cert.pem`) keeps trusting it. The
//! server is the sandbox's own axum router behind tokio-rustls, on `ring` like the client.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::private_fs::{Access, write_atomic};

/// Where the certificate and key live, and the server configuration made from them.
pub struct TlsIdentity {
    /// The certificate (PEM): what clients are told to trust.
    pub cert_path: PathBuf,
    /// The server configuration.
    pub config: Arc<rustls::ServerConfig>,
}

/// Loads the certificate and key from `data_dir/tls`, creating them on first use.
pub fn load_or_create(data_dir: &Path) -> Result<TlsIdentity, String> {
    let dir = data_dir.join("tls");
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    if !cert_path.exists() || !key_path.exists() {
        crate::private_fs::create_private_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let generated = rcgen::generate_simple_self_signed(names)
            .map_err(|e| format!("cannot generate a certificate: {e}"))?;
        let key = generated.signing_key.serialize_pem();
        write_atomic(&key_path, key.as_bytes(), Access::OwnerOnly)
            .map_err(|e| format!("{}: {e}", key_path.display()))?;
        write_atomic(&cert_path, generated.cert.pem().as_bytes(), Access::Default)
            .map_err(|e| format!("{}: {e}", cert_path.display()))?;
    }
    let certs = CertificateDer::pem_file_iter(&cert_path)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("{}: {e}", cert_path.display()))?;
    let key = PrivateKeyDer::from_pem_file(&key_path)
        .map_err(|e| format!("{}: {e}", key_path.display()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("the certificate in {} is unusable: {e}", dir.display()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsIdentity {
        cert_path,
        config: Arc::new(config),
    })
}

/// Serves `app` over TLS on `listener` until `stop` fires. A failed handshake or a broken
/// connection ends that connection only.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    config: Arc<rustls::ServerConfig>,
    mut stop: oneshot::Receiver<()>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    loop {
        let accepted = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => accepted,
        };
        let Ok((tcp, _)) = accepted else {
            continue;
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(tls) = acceptor.accept(tcp).await else {
                return;
            };
            let service = hyper_util::service::TowerToHyperService::new(app);
            let builder =
                hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new());
            if let Err(error) = builder
                .serve_connection_with_upgrades(hyper_util::rt::TokioIo::new(tls), service)
                .await
            {
                tracing::debug!(%error, "sandbox https connection ended");
            }
        });
    }
}
