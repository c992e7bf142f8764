//! Where the media files live: `file:///dir` or `s3://bucket/prefix`.

use object_store::aws::AmazonS3Builder;
use object_store::ObjectStore;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaUrl {
    File(PathBuf),
    S3 { bucket: String, prefix: String },
}

impl MediaUrl {
    /// `file://` followed by a directory (absolute, or relative to the working directory:
    /// not a URL the url crate would read, so taken as it is), or `s3://bucket/prefix`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Some(path) = raw.strip_prefix("file://") {
            if path.is_empty() {
                return Err(format!("media URL {raw:?} names no directory (file:///path/to/media)"));
            }
            return Ok(MediaUrl::File(PathBuf::from(path)));
        }
        if raw.starts_with("s3://") {
            let url = url::Url::parse(raw).map_err(|e| format!("media URL {raw:?}: {e}"))?;
            let bucket = url.host_str().filter(|b| !b.is_empty());
            let Some(bucket) = bucket else {
                return Err(format!("media URL {raw:?} names no bucket (s3://bucket/prefix)"));
            };
            if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
                return Err(format!("media URL {raw:?}: only s3://bucket/prefix (credentials come from AWS_*)"));
            }
            let prefix = url.path().trim_matches('/').to_owned();
            return Ok(MediaUrl::S3 { bucket: bucket.to_owned(), prefix });
        }
        Err(format!("media URL {raw:?} must start with file:// or s3://"))
    }
}

impl std::fmt::Display for MediaUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MediaUrl::File(path) => write!(f, "file://{}", path.display()),
            MediaUrl::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// A bucket, configured from the standard variables (`AWS_ENDPOINT_URL`,
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, ...). With an endpoint given
/// (an S3-compatible server rather than AWS), requests use path-style addressing, and plain
/// http is allowed when the endpoint says http.
pub(crate) fn s3_store(bucket: &str) -> object_store::Result<Arc<dyn ObjectStore>> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").ok().filter(|e| !e.is_empty());
    let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
    if let Some(endpoint) = endpoint {
        builder = builder
            .with_allow_http(endpoint.starts_with("http://"))
            .with_endpoint(endpoint)
            .with_virtual_hosted_style_request(false);
    }
    Ok(Arc::new(builder.build()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_kinds() {
        assert_eq!(MediaUrl::parse("file:///srv/media"), Ok(MediaUrl::File("/srv/media".into())));
        assert_eq!(
            MediaUrl::parse("s3://console/prod/media/"),
            Ok(MediaUrl::S3 { bucket: "console".into(), prefix: "prod/media".into() })
        );
        assert_eq!(MediaUrl::parse("s3://console"), Ok(MediaUrl::S3 { bucket: "console".into(), prefix: "".into() }));
        for bad in ["", "/srv/media", "file://", "s3://", "s3:///x", "gs://b", "s3://key:secret@b/x", "s3://b/x?y"] {
            assert!(MediaUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
