//! Uploads are spooled to a temporary file first: memory stays bounded whatever the size,
//! and nothing reaches a served name before it is known to be a whole image.

use std::path::{Path, PathBuf};

/// A file in the temporary directory that is removed unless it is persisted.
pub(crate) struct TempFile {
    pub(crate) path: PathBuf,
    pub(crate) file: std::fs::File,
    persisted: bool,
}

impl TempFile {
    pub(crate) async fn create(dir: &Path) -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "upload-{}-{}-{}",
            std::process::id(),
            crate::clock::now(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?.into_std().await;
        Ok(Self { path, file, persisted: false })
    }

    pub(crate) async fn persist(mut self, dest: &Path) -> std::io::Result<()> {
        match tokio::fs::rename(&self.path, dest).await {
            Ok(()) => {
                self.persisted = true;
                Ok(())
            }
            // The media directory is on another file system than the data directory: copy
            // beside the destination first and rename there, so that nobody ever reads half
            // a file under the image's name. The temporary file goes when `self` drops.
            Err(err) if err.kind() == std::io::ErrorKind::CrossesDevices => {
                let name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                let partial = dest.with_file_name(format!(".{name}.partial"));
                let copied = async {
                    tokio::fs::copy(&self.path, &partial).await?;
                    tokio::fs::rename(&partial, dest).await
                }
                .await;
                if copied.is_err() {
                    let _ = tokio::fs::remove_file(&partial).await;
                }
                copied
            }
            Err(err) => Err(err),
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
