//! A backup's files: their sums, the manifest, and the check of a backup against it.

use super::{Manifest, RestoreError, MANIFEST_FILE};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::AsyncReadExt;

/// A file's size and SHA-256 (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSum {
    pub bytes: u64,
    pub sha256: String,
}

/// Sums a file as it is on disk.
pub(crate) async fn sum(path: &Path) -> std::io::Result<FileSum> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).await?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok(FileSum { bytes, sha256: crate::random::hex(&hasher.finalize()) })
}

/// Puts a file's contents on disk (a backup is of no use in a page cache).
pub(crate) async fn sync(path: &Path) -> std::io::Result<()> {
    tokio::fs::File::open(path).await?.sync_all().await
}

/// Writes the manifest under a temporary name, then renames it: a backup has its manifest
/// whole, or none (and is no backup).
pub(crate) async fn write_manifest(dir: &Path, manifest: &Manifest) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(manifest).map_err(std::io::Error::other)?;
    let partial = dir.join(format!("{MANIFEST_FILE}.partial"));
    tokio::fs::write(&partial, text).await?;
    sync(&partial).await?;
    tokio::fs::rename(&partial, dir.join(MANIFEST_FILE)).await?;
    tokio::fs::File::open(dir).await?.sync_all().await
}

pub(crate) async fn read_manifest(dir: &Path) -> Result<Manifest, RestoreError> {
    let not_a_backup = |why: String| RestoreError::NotABackup(dir.to_owned(), why);
    let text = match tokio::fs::read(dir.join(MANIFEST_FILE)).await {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(not_a_backup(format!("it has no {MANIFEST_FILE}")))
        }
        Err(e) => return Err(e.into()),
    };
    serde_json::from_slice(&text).map_err(|e| not_a_backup(format!("its {MANIFEST_FILE} cannot be read: {e}")))
}

/// Checks every file the manifest lists: there, of its size, with its sum. What is wrong
/// with each that is not.
pub(crate) async fn verify(dir: &Path, manifest: &Manifest) -> Result<(), RestoreError> {
    let mut wrong = Vec::new();
    if !manifest.files.contains_key(super::DATABASE_FILE) {
        wrong.push(format!("the manifest lists no {}", super::DATABASE_FILE));
    }
    for (path, expected) in &manifest.files {
        // The manifest names files inside the backup only.
        if path.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            wrong.push(format!("{path:?} is not a path inside the backup"));
            continue;
        }
        match sum(&dir.join(path)).await {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => wrong.push(format!("{path} is missing")),
            Err(e) => wrong.push(format!("{path} cannot be read: {e}")),
            Ok(found) if found.bytes != expected.bytes => {
                wrong.push(format!("{path} has {} bytes, {} expected (truncated?)", found.bytes, expected.bytes))
            }
            Ok(found) if found.sha256 != expected.sha256 => {
                wrong.push(format!("{path} does not match its checksum (damaged)"))
            }
            Ok(_) => {}
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(RestoreError::Damaged(wrong))
    }
}

/// Removes what a directory holds, not the directory (it may be a mount point, or one its
/// owner made).
pub(crate) async fn empty(dir: &Path) -> std::io::Result<()> {
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        if entry.file_type().await?.is_dir() {
            tokio::fs::remove_dir_all(entry.path()).await?;
        } else {
            tokio::fs::remove_file(entry.path()).await?;
        }
    }
    Ok(())
}

/// A working file, removed when dropped.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
