//! The S3-only parts of [`Storage`]: presigned URLs for clients and creating the bucket.

use super::{key_path, storage_err, Backend, Storage};
use crate::MediaError;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjPath;
use std::time::Duration;

impl Storage {
    /// A URL a client can GET `key` from directly, for `ttl`: presigned (at the storage URL's `public_endpoint`
    /// when it names one), or the plain object URL of an anonymous bucket. `None` for a local store, whose bytes
    /// only the node serves.
    pub async fn presigned_get(
        &self,
        key: &str,
        ttl: Duration,
    ) -> Result<Option<url::Url>, MediaError> {
        let Backend::S3 {
            bucket,
            signed,
            public,
            public_endpoint,
            ..
        } = &self.inner.backend
        else {
            return Ok(None);
        };
        let path = key_path(key)?;
        if *signed {
            let url = object_store::signer::Signer::signed_url(
                public.as_ref(),
                object_store::signer::Method::GET,
                &path,
                ttl,
            )
            .await?;
            return Ok(Some(url));
        }
        url::Url::parse(&format!("{public_endpoint}/{bucket}/{path}"))
            .map(Some)
            .map_err(|e| storage_err(format!("bad endpoint: {e}")))
    }

    /// S3 only: create the bucket if it does not exist yet (a signed `PUT /bucket`). A no-op for local stores.
    ///
    /// Meant for tests and first starts against a fresh S3-compatible server (SeaweedFS, MinIO, ...).
    pub async fn create_bucket_if_missing(&self) -> Result<(), MediaError> {
        let Backend::S3 {
            bucket,
            endpoint,
            signed,
            ..
        } = &self.inner.backend
        else {
            return Ok(());
        };
        if self.check().await.is_ok() {
            return Ok(());
        }
        // Sign "PUT {endpoint}/{bucket}" with a store whose endpoint is the server root in virtual-hosted
        // style: its object URL for path `bucket` is exactly the path-style CreateBucket URL.
        let url = if *signed {
            let signer = self.root_signer()?;
            object_store::signer::Signer::signed_url(
                &signer,
                object_store::signer::Method::PUT,
                &ObjPath::from(bucket.as_str()),
                Duration::from_secs(300),
            )
            .await?
        } else {
            url::Url::parse(&format!("{endpoint}/{bucket}"))
                .map_err(|e| storage_err(format!("bad endpoint: {e}")))?
        };
        let resp = reqwest::Client::new()
            .put(url)
            .send()
            .await
            .map_err(|e| storage_err(format!("create bucket at {endpoint}: {e}")))?;
        let status = resp.status();
        if !status.is_success() && status.as_u16() != 409 {
            let body = resp.text().await.unwrap_or_default();
            return Err(storage_err(format!(
                "create bucket {bucket}: HTTP {status}: {}",
                body.trim()
            )));
        }
        self.check().await
    }

    fn root_signer(&self) -> Result<AmazonS3, MediaError> {
        let Backend::S3 {
            endpoint,
            region,
            s3,
            ..
        } = &self.inner.backend
        else {
            return Err(storage_err("not an S3 store"));
        };
        let creds = s3.credentials().clone();
        let b = AmazonS3Builder::new()
            .with_bucket_name("unused")
            .with_endpoint(endpoint)
            .with_allow_http(true)
            .with_virtual_hosted_style_request(true)
            .with_region(region)
            .with_credentials(creds);
        Ok(b.build()?)
    }
}
