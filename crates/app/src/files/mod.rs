//! Files in object storage: course staff upload documents and images for lessons and a course
//! cover; learners of the course read them through signed URLs that expire. This module owns
//! where objects go (keys beginning with the tenant's id, never made from a file's name), the
//! upload (streamed to the store with the purpose's size limit and the plan's storage quota,
//! the declared type held against the content), signing and checking download URLs, and who may
//! read, list and delete. It must never keep a file's row without its object: the object is
//! written first and removed again when the row's transaction fails.
//!
//! Upload and delete open their own transactions (a write transaction is not held while bytes
//! stream in); reads take the transaction the face opened.

mod logo;

pub use logo::{brand_image, remove_logo, upload_logo, LogoUpload};

use crate::assessments::assignments;
use crate::audit::{self, Change};
use crate::learning::courses::{course_content, editable_course, visible_course, Course};
use crate::{Actor, Refusal};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use bytes::Bytes;
use chrono::{DateTime, Duration as Span, Utc};
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt, TryStreamExt};
use lyceum_domain::file::{allowed_type, check_content, SNIFF_BYTES};
use lyceum_domain::{
    events, AssessmentId, AuditAction, AuditTarget, CourseId, FileFault, FileId, FileName,
    FilePurpose, TenantId, UserId,
};
use lyceum_store::repo::courses;
use lyceum_store::repo::files::{self, NewFile};
use lyceum_store::repo::outbox;
use lyceum_store::{LearnerLock, Store, Tenant, TenantTx, WriteTx};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, WriteMultipart};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

pub use lyceum_store::repo::files::StoredFile;

/// Where files are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageBackend {
    /// In this process's memory, gone when it stops: for tests and embedding only.
    Memory,
    /// A folder of the local file system (the default: `<data_dir>/objects`).
    Local { root: PathBuf },
    /// An S3-compatible bucket.
    S3(S3Storage),
}

/// An S3-compatible bucket and how to reach it. Credentials left out are read from the usual
/// `AWS_*` environment variables.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct S3Storage {
    pub bucket: String,
    /// `https://s3.example.com`; none: AWS's endpoint for the region.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
    /// Allows an `http://` endpoint (a storage server on the same host, tests).
    pub allow_http: bool,
}

impl std::fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Storage")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("allow_http", &self.allow_http)
            .finish_non_exhaustive()
    }
}

/// How files are stored and how long their download URLs last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageConfig {
    pub backend: StorageBackend,
    /// How long a signed download URL works (one hour by default).
    pub url_ttl: Duration,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            backend: StorageBackend::Memory,
            url_ttl: Duration::from_secs(3600),
        }
    }
}

/// Why object storage could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("object storage: {0}")]
pub struct StorageError(String);

/// Bytes sent to the object store per part of a multipart upload (S3's smallest part is 5 MiB).
const PART_BYTES: usize = 5 * 1024 * 1024;

/// Parts in flight at once: with [`PART_BYTES`], what bounds an upload's memory, whatever the
/// file's size.
const PARTS_IN_FLIGHT: usize = 2;

/// The name of the directory's secret that signs download URLs.
const URL_SECRET: &str = "file-downloads";

/// The object store and the key that signs download URLs (read from the directory once).
pub struct FileStorage {
    objects: Arc<dyn ObjectStore>,
    store: Store,
    url_ttl: Duration,
    signer: OnceCell<hmac::Key>,
}

impl std::fmt::Debug for FileStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStorage")
            .field("objects", &self.objects.to_string())
            .finish_non_exhaustive()
    }
}

impl FileStorage {
    /// Opens the configured storage (creating a local folder if missing); `store`'s directory
    /// keeps the URL signing secret.
    pub fn open(config: &StorageConfig, store: Store) -> Result<FileStorage, StorageError> {
        let failed = |e: &dyn std::fmt::Display| StorageError(e.to_string());
        let objects: Arc<dyn ObjectStore> = match &config.backend {
            StorageBackend::Memory => Arc::new(object_store::memory::InMemory::new()),
            StorageBackend::Local { root } => {
                std::fs::create_dir_all(root).map_err(|e| failed(&e))?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(root)
                        .map_err(|e| failed(&e))?,
                )
            }
            StorageBackend::S3(s3) => {
                let mut builder = object_store::aws::AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder.with_endpoint(endpoint);
                }
                if let Some(region) = &s3.region {
                    builder = builder.with_region(region);
                }
                if let Some(id) = &s3.access_key_id {
                    builder = builder.with_access_key_id(id);
                }
                if let Some(secret) = &s3.secret_access_key {
                    builder = builder.with_secret_access_key(secret);
                }
                Arc::new(builder.build().map_err(|e| failed(&e))?)
            }
        };
        Ok(FileStorage {
            objects,
            store,
            url_ttl: config.url_ttl,
            signer: OnceCell::new(),
        })
    }

    async fn signer(&self) -> Result<&hmac::Key, Refusal> {
        self.signer
            .get_or_try_init(|| async {
                let mut fresh = [0u8; 32];
                SystemRandom::new()
                    .fill(&mut fresh)
                    .map_err(|_| Refusal::Internal("random generator failed"))?;
                let secret = self
                    .store
                    .directory()
                    .url_signing_secret(URL_SECRET, &fresh)
                    .await?;
                Ok::<_, Refusal>(hmac::Key::new(hmac::HMAC_SHA256, &secret))
            })
            .await
    }

    /// A download URL for `file` of `tenant`, working until the configured time has passed.
    pub async fn sign(&self, tenant: TenantId, file: FileId) -> Result<SignedUrl, Refusal> {
        let ttl = Span::from_std(self.url_ttl).unwrap_or_else(|_| Span::hours(1));
        self.sign_until(tenant, file, Utc::now() + ttl).await
    }

    /// A download URL for `file` of `tenant` that stays the same for a whole URL lifetime,
    /// working for one to two lifetimes from now: pages and answers that name it (covers in a
    /// catalog) can be cached and compared (`ETag`), and browsers keep the image.
    pub async fn sign_shared(&self, tenant: TenantId, file: FileId) -> Result<SignedUrl, Refusal> {
        let ttl = i64::try_from(self.url_ttl.as_secs()).unwrap_or(3600).max(1);
        let expires = (Utc::now().timestamp() / ttl + 2) * ttl;
        let expires_at = DateTime::from_timestamp(expires, 0).unwrap_or_else(Utc::now);
        self.sign_until(tenant, file, expires_at).await
    }

    /// A download URL for `file` of `tenant`, working until `expires_at`.
    pub async fn sign_until(
        &self,
        tenant: TenantId,
        file: FileId,
        expires_at: DateTime<Utc>,
    ) -> Result<SignedUrl, Refusal> {
        let expires = expires_at.timestamp();
        let tag = hmac::sign(self.signer().await?, &url_message(tenant, file, expires));
        let signature = URL_SAFE_NO_PAD.encode(tag.as_ref());
        Ok(SignedUrl {
            path: format!("/api/v1/files/{file}/content?expires={expires}&signature={signature}"),
            expires_at,
        })
    }

    /// Checks a download URL's signature (made for this tenant and file) and that it has not
    /// expired: `FILE_URL_INVALID` or `FILE_URL_EXPIRED` otherwise.
    async fn verify(
        &self,
        tenant: TenantId,
        file: FileId,
        expires: i64,
        signature: &str,
    ) -> Result<(), Refusal> {
        let invalid = || {
            Refusal::forbidden(
                "FILE_URL_INVALID",
                "this download link is not valid here; ask for a new one",
            )
        };
        let tag = URL_SAFE_NO_PAD
            .decode(signature.as_bytes())
            .map_err(|_| invalid())?;
        hmac::verify(
            self.signer().await?,
            &url_message(tenant, file, expires),
            &tag,
        )
        .map_err(|_| invalid())?;
        if expires < Utc::now().timestamp() {
            return Err(Refusal::forbidden(
                "FILE_URL_EXPIRED",
                "this download link has expired; ask for a new one",
            ));
        }
        Ok(())
    }

    /// Removes an object; a failure is logged (the object is left over, its row already gone).
    async fn remove(&self, key: &str) {
        if let Err(e) = self.objects.delete(&ObjectPath::from(key)).await {
            tracing::warn!(error = %e, key, "could not delete a stored object");
        }
    }

    /// Whether an object is stored under `key` (for tests and checks).
    pub async fn holds(&self, key: &str) -> Result<bool, Refusal> {
        match self.objects.head(&ObjectPath::from(key)).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(storage_failed(&e)),
        }
    }

    /// How many objects are kept under `prefix` (a tenant's id: all its objects).
    pub async fn count_under(&self, prefix: &str) -> Result<usize, Refusal> {
        let listed: Vec<_> = self
            .objects
            .list(Some(&ObjectPath::from(prefix)))
            .try_collect()
            .await
            .map_err(|e| storage_failed(&e))?;
        Ok(listed.len())
    }
}

fn url_message(tenant: TenantId, file: FileId, expires: i64) -> Vec<u8> {
    format!("lyceum-file-url/v1\n{tenant}\n{file}\n{expires}").into_bytes()
}

fn storage_failed(e: &object_store::Error) -> Refusal {
    tracing::error!(error = %e, "object storage failed");
    Refusal::Internal("object storage failed")
}

/// A download URL: a path of the tenant's API (prefix it with `/t/{slug}` where the tenant is
/// named by path) that serves the file until `expires_at` without a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedUrl {
    pub path: String,
    pub expires_at: DateTime<Utc>,
}

/// A file's record with a fresh download URL.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileWithUrl {
    #[serde(flatten)]
    pub file: StoredFile,
    pub url: SignedUrl,
}

/// What an upload says about itself, before its bytes arrive.
#[derive(Debug, Clone)]
pub struct UploadRequest<'a> {
    pub course: CourseId,
    /// `course_file` or `course_cover`.
    pub purpose: FilePurpose,
    /// What the sender calls it (kept as metadata, cleaned; never part of a key).
    pub name: &'a str,
    /// The declared content type, held against the content.
    pub content_type: &'a str,
    /// The size the sender announced (`Content-Length`), if any: refused early when too large.
    pub length: Option<u64>,
}

fn file_not_found() -> Refusal {
    Refusal::not_found("no such file")
}

fn too_large(max: u64) -> Refusal {
    Refusal::too_large(
        "FILE_TOO_LARGE",
        format!("files of this kind may hold at most {max} bytes"),
    )
}

fn quota_exceeded(max: u64, used: u64) -> Refusal {
    Refusal::too_large(
        "STORAGE_QUOTA_EXCEEDED",
        format!(
            "the plan allows {max} bytes of files and {used} are used; delete some or upgrade the plan"
        ),
    )
}

fn fault(fault: FileFault) -> Refusal {
    Refusal::unacceptable(fault.code(), fault.to_string())
}

/// Refuses when adding `adding` bytes to `used` passes the plan's storage quota.
fn within_quota(actor: &Actor, used: u64, adding: u64) -> Result<(), Refusal> {
    match actor.plan.limits().max_storage_bytes {
        Some(max) if used.saturating_add(adding) > max => Err(quota_exceeded(max, used)),
        _ => Ok(()),
    }
}

/// The key of a course's file: `{tenant}/courses/{course}/{file}`.
fn course_key(tenant: TenantId, course: CourseId, file: FileId) -> String {
    format!("{tenant}/courses/{course}/{file}")
}

/// What was streamed into the store.
struct Received {
    content_type: &'static str,
    size: u64,
    sha256: String,
}

/// An upload under way: what it is, where its object goes and how large it may be. Every
/// upload is received ([`Upload::receive`]), then recorded in a write transaction
/// ([`Upload::record`]), and its object removed again when the recording fails
/// ([`Upload::kept`]).
struct Upload<'a> {
    id: FileId,
    purpose: FilePurpose,
    course: Option<CourseId>,
    /// The learner whose work it is (submissions).
    owner: Option<UserId>,
    key: String,
    name: &'a str,
    /// The type its sender declared.
    declared: &'a str,
    /// The size its sender announced.
    length: Option<u64>,
    max: u64,
}

impl Upload<'_> {
    /// Streams `body` into the store under the upload's key, once the announced size passes
    /// the largest (`FILE_TOO_LARGE`) and the plan's quota, of which `used` bytes are taken
    /// (`STORAGE_QUOTA_EXCEEDED`); both are held again while the bytes stream in.
    async fn receive<S, E>(
        &self,
        storage: &FileStorage,
        actor: &Actor,
        used: u64,
        body: S,
    ) -> Result<Received, Refusal>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
        E: std::fmt::Display,
    {
        if self.length.is_some_and(|length| length > self.max) {
            return Err(too_large(self.max));
        }
        within_quota(actor, used, self.length.unwrap_or(1))?;
        let quota = actor.plan.limits().max_storage_bytes.map(|max| (max, used));
        let declared = (self.purpose, self.declared);
        stream_into(storage, &self.key, declared, self.max, quota, body).await
    }

    /// Records the received file in `tx`: the quota checked again under its hold (another
    /// upload may have used the room since; concurrent ones wait for this one), the file's
    /// row and its `file.uploaded` event.
    async fn record(
        &self,
        tx: &mut WriteTx,
        actor: &Actor,
        received: &Received,
    ) -> Result<StoredFile, Refusal> {
        within_quota(actor, files::hold_quota(tx).await?, received.size)?;
        let name = FileName::new(self.name);
        let file = files::insert(
            tx,
            &NewFile {
                id: self.id,
                purpose: self.purpose,
                course_id: self.course,
                owner_id: self.owner,
                key: self.key.clone(),
                name: name.clone(),
                content_type: received.content_type.to_owned(),
                size: received.size,
                sha256: received.sha256.clone(),
                created_by: Some(actor.user),
            },
        )
        .await?;
        let uploaded = events::FileUploaded {
            file_id: self.id,
            purpose: self.purpose,
            course_id: self.course,
            name: name.to_string(),
            content_type: file.content_type.clone(),
            size: file.size,
            by: actor.user,
        };
        outbox::append(tx, Some(actor.user), &uploaded.into()).await?;
        Ok(file)
    }

    /// `recorded`, with the upload's object removed from the store when it failed: no object
    /// is kept without its row.
    async fn kept<T>(
        &self,
        storage: &FileStorage,
        recorded: Result<T, Refusal>,
    ) -> Result<T, Refusal> {
        if recorded.is_err() {
            storage.remove(&self.key).await;
        }
        recorded
    }
}

/// Audits an upload by staff: `file.uploaded` with what was stored.
async fn audit_upload(tx: &mut WriteTx, actor: &Actor, file: &StoredFile) -> Result<(), Refusal> {
    let change = Change::new(AuditAction::FileUploaded)
        .on(AuditTarget::File(file.id))
        .after(serde_json::json!({
            "course_id": file.course_id,
            "purpose": file.purpose,
            "name": file.name.as_str(),
            "content_type": file.content_type,
            "size": file.size,
        }));
    audit::record(tx, actor, change).await
}

/// Uploads a course's file (a lesson's document or image) or cover: course staff with
/// `course:edit`. The declared type must be one the purpose takes and match the content; the
/// size is bounded by the purpose (`FILE_TOO_LARGE`) and the plan's storage
/// (`STORAGE_QUOTA_EXCEEDED`), by the announced length before a byte is read and again while
/// the bytes stream into the store. Records `file.uploaded`; audited.
pub async fn upload_course_file<S, E>(
    storage: &FileStorage,
    tenant: &Tenant,
    actor: &Actor,
    request: UploadRequest<'_>,
    body: S,
) -> Result<StoredFile, Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    if !matches!(
        request.purpose,
        FilePurpose::CourseFile | FilePurpose::CourseCover
    ) {
        return Err(Refusal::unacceptable(
            "INVALID_FILE_PURPOSE",
            "a course takes files of purpose course_file or course_cover",
        ));
    }
    allowed_type(request.purpose, request.content_type).map_err(fault)?;
    let id = FileId::new();
    let upload = Upload {
        id,
        purpose: request.purpose,
        course: Some(request.course),
        owner: None,
        key: course_key(tenant.id(), request.course, id),
        name: request.name,
        declared: request.content_type,
        length: request.length,
        max: request.purpose.max_bytes(),
    };
    let store = &storage.store;
    let used = {
        let mut tx = store.begin(tenant).await?;
        editable_course(&mut tx, actor, request.course).await?;
        let used = files::bytes_used(&mut tx).await?;
        tx.commit().await?;
        used
    };
    let received = upload.receive(storage, actor, used, body).await?;
    let recorded = async {
        let mut tx = store.begin_write(tenant).await?;
        tx.affects_all_users();
        editable_course(&mut tx, actor, request.course).await?;
        let file = upload.record(&mut tx, actor, &received).await?;
        // A cover uploaded is the course's cover from now on.
        if request.purpose == FilePurpose::CourseCover {
            courses::set_cover(&mut tx, request.course, Some(&file_reference(id)), None).await?;
        }
        audit_upload(&mut tx, actor, &file).await?;
        tx.commit().await?;
        Ok(file)
    }
    .await;
    upload.kept(storage, recorded).await
}

/// What a learner's upload to their assignment draft says about itself, before its bytes.
#[derive(Debug, Clone)]
pub struct SubmissionUpload<'a> {
    pub assessment: AssessmentId,
    /// What the learner calls it (kept as metadata, cleaned; never part of a key).
    pub name: &'a str,
    /// The declared content type, held against the content and the assignment's types.
    pub content_type: &'a str,
    /// The announced size, if any: refused early when too large.
    pub length: Option<u64>,
}

/// The key of a learner's file for an assignment: `{tenant}/submissions/{assessment}/{user}/{file}`.
fn submission_key(
    tenant: TenantId,
    assessment: AssessmentId,
    user: UserId,
    file: FileId,
) -> String {
    format!("{tenant}/submissions/{assessment}/{user}/{file}")
}

/// Attaches a file to the actor's draft of an assignment (made when there is none): the
/// assignment must take files (`INVALID_SUBMISSION`) of the declared type
/// (`FILE_TYPE_NOT_ALLOWED`), the content must be of that type (`FILE_TYPE_MISMATCH`), no
/// larger than the assignment allows (`FILE_TOO_LARGE`) nor the plan's storage
/// (`STORAGE_QUOTA_EXCEEDED`), and the draft must hold fewer files than its most
/// (`TOO_MANY_FILES`); the draft's own rules hold (see
/// `crate::assessments::assignments::save_draft`). Streamed like every upload; counted
/// against the quota. Records `file.uploaded`.
pub async fn upload_submission_file<S, E>(
    storage: &FileStorage,
    tenant: &Tenant,
    actor: &Actor,
    request: SubmissionUpload<'_>,
    body: S,
    now: DateTime<Utc>,
) -> Result<StoredFile, Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    let purpose = FilePurpose::Submission;
    let declared = allowed_type(purpose, request.content_type).map_err(fault)?;
    let store = &storage.store;
    let lock = LearnerLock {
        learner: actor.user,
    };
    // Checked first without keeping anything (the transaction is rolled back).
    let (slot, used) = {
        let mut tx = store.begin_learner_write(tenant, lock).await?;
        let (slot, _) = assignments::upload_slot(&mut tx, actor, request.assessment, now).await?;
        let used = files::bytes_used(&mut tx).await?;
        (slot, used)
    };
    if !slot.types.iter().any(|t| t == declared) {
        return Err(fault(FileFault::NotAllowed {
            purpose,
            declared: request.content_type.chars().take(100).collect(),
        }));
    }
    let id = FileId::new();
    let upload = Upload {
        id,
        purpose,
        course: Some(slot.assessment.course_id),
        owner: Some(actor.user),
        key: submission_key(tenant.id(), request.assessment, actor.user, id),
        name: request.name,
        declared: request.content_type,
        length: request.length,
        max: slot.max_bytes,
    };
    let received = upload.receive(storage, actor, used, body).await?;
    let recorded = async {
        let mut tx = store.begin_learner_write(tenant, lock).await?;
        let (_, draft) = assignments::upload_slot(&mut tx, actor, request.assessment, now).await?;
        let file = upload.record(&mut tx, actor, &received).await?;
        lyceum_store::repo::assignments::attach(&mut tx, draft.id, id).await?;
        tx.commit().await?;
        Ok(file)
    }
    .await;
    upload.kept(storage, recorded).await
}

/// Streams `body` into the object store under `key`: the first bytes are held against the
/// declared type before anything is stored; past `max` bytes, or past what the plan's
/// `quota` (its bytes, and those used) leaves, the partial upload is aborted, leaving nothing.
async fn stream_into<S, E>(
    storage: &FileStorage,
    key: &str,
    (purpose, declared): (FilePurpose, &str),
    max: u64,
    quota: Option<(u64, u64)>,
    mut body: S,
) -> Result<Received, Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    let limit = quota.map_or(max, |(quota, used)| quota.saturating_sub(used).min(max));
    let over = |size: u64| match quota {
        Some((quota, used)) if size <= max => quota_exceeded(quota, used),
        _ => too_large(max),
    };
    let broken = |e: E| {
        tracing::info!(error = %e, "an upload's body broke off");
        Refusal::Malformed {
            code: "UPLOAD_INCOMPLETE",
            message: "the upload broke off before its end".to_owned(),
        }
    };

    // The first bytes name the content's type: nothing is stored before they match.
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    let mut rest: Option<Bytes> = None;
    while head.len() < SNIFF_BYTES {
        match body.next().await {
            Some(Ok(chunk)) => {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
                if take < chunk.len() {
                    rest = Some(chunk.slice(take..));
                }
            }
            Some(Err(e)) => return Err(broken(e)),
            None => break,
        }
    }
    if head.is_empty() {
        return Err(Refusal::unacceptable("FILE_EMPTY", "the file is empty"));
    }
    let content_type = check_content(purpose, declared, &head).map_err(fault)?;
    let first = head.len() as u64 + rest.as_ref().map_or(0, |r| r.len() as u64);
    if first > limit {
        return Err(over(first));
    }

    let location = ObjectPath::from(key);
    let upload = storage
        .objects
        .put_multipart(&location)
        .await
        .map_err(|e| storage_failed(&e))?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_BYTES);
    let mut digest = ring::digest::Context::new(&ring::digest::SHA256);
    let mut size = 0u64;
    let mut pending = vec![Bytes::from(head)];
    pending.extend(rest);
    let fed: Result<(), Refusal> = async {
        loop {
            for chunk in pending.drain(..) {
                size += chunk.len() as u64;
                if size > limit {
                    return Err(over(size));
                }
                digest.update(&chunk);
                writer
                    .wait_for_capacity(PARTS_IN_FLIGHT)
                    .await
                    .map_err(|e| storage_failed(&e))?;
                writer.put(chunk);
            }
            match body.next().await {
                Some(Ok(chunk)) => pending.push(chunk),
                Some(Err(e)) => return Err(broken(e)),
                None => return Ok(()),
            }
        }
    }
    .await;
    if let Err(refused) = fed {
        if let Err(e) = writer.abort().await {
            tracing::warn!(error = %e, key, "could not abort a refused upload");
        }
        return Err(refused);
    }
    writer.finish().await.map_err(|e| storage_failed(&e))?;
    let sha256 = digest
        .finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Received {
        content_type,
        size,
        sha256,
    })
}

/// The file `id` if the actor may read it: a course's file for its staff and enrolled
/// learners (`NOT_ENROLLED` for others who see the course), a cover for whoever sees the
/// course; `NOT_FOUND` otherwise.
pub async fn readable(tx: &mut TenantTx, actor: &Actor, id: FileId) -> Result<StoredFile, Refusal> {
    let file = files::get(tx, id).await?.ok_or_else(file_not_found)?;
    match (file.purpose, file.course_id) {
        (FilePurpose::CourseFile, Some(course)) => {
            course_content(tx, actor, course).await?;
        }
        (FilePurpose::CourseCover, Some(course)) => {
            visible_course(tx, actor, course).await?;
        }
        (FilePurpose::Branding, _) => {}
        (FilePurpose::Submission, _) if file.owner_id == Some(actor.user) => {}
        (FilePurpose::Submission, Some(course)) if actor.is_staff_of(tx, course).await? => {}
        _ => return Err(file_not_found()),
    }
    Ok(file)
}

/// A file's record and a fresh download URL, for whoever may read it (see [`readable`]).
pub async fn show(
    tx: &mut TenantTx,
    storage: &FileStorage,
    actor: &Actor,
    id: FileId,
) -> Result<FileWithUrl, Refusal> {
    let file = readable(tx, actor, id).await?;
    let url = storage.sign(tx.tenant_id(), id).await?;
    Ok(FileWithUrl { file, url })
}

/// A course's files, newest first: for its staff and enrolled learners.
pub async fn list(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<Vec<StoredFile>, Refusal> {
    course_content(tx, actor, course).await?;
    Ok(files::of_course(tx, course).await?)
}

/// Deletes a course's file (course staff with `course:edit`): the row and its event and audit
/// entry first, then the object. Records `file.deleted`; audited.
pub async fn delete(
    storage: &FileStorage,
    tenant: &Tenant,
    actor: &Actor,
    id: FileId,
) -> Result<(), Refusal> {
    let mut tx = storage.store.begin_write(tenant).await?;
    tx.affects_all_users();
    let file = files::get(&mut tx, id).await?.ok_or_else(file_not_found)?;
    let Some(course) = file.course_id else {
        return Err(file_not_found());
    };
    editable_course(&mut tx, actor, course).await?;
    if !files::delete(&mut tx, id).await? {
        return Err(file_not_found());
    }
    // A course whose cover this was has none any more.
    if file.purpose == FilePurpose::CourseCover {
        courses::set_cover(&mut tx, course, None, Some(&file_reference(id))).await?;
    }
    let deleted = events::FileDeleted {
        file_id: id,
        course_id: Some(course),
        by: actor.user,
    };
    outbox::append(&mut tx, Some(actor.user), &deleted.into()).await?;
    let change = Change::new(AuditAction::FileDeleted)
        .on(AuditTarget::File(id))
        .before(serde_json::json!({
            "course_id": course,
            "name": file.name.as_str(),
            "size": file.size,
        }));
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    storage.remove(&file.key).await;
    Ok(())
}

/// The objects of files whose records a change deleted along with what they belonged to (a
/// course's files go with the course). They are removed from storage once the change has
/// committed, never before: a change that fails to commit keeps its files whole. What is not
/// removed then (storage failing, the process stopping) the housekeeping's [`sweep`] removes
/// later.
#[must_use = "remove the objects once the change has committed"]
#[derive(Debug, Default)]
pub struct Leftovers {
    keys: Vec<String>,
}

impl Leftovers {
    /// The objects of a course's files, read before the course is deleted.
    pub(crate) async fn of_course(tx: &mut TenantTx, course: CourseId) -> Result<Self, Refusal> {
        Ok(Leftovers {
            keys: files::keys_of_course(tx, course).await?,
        })
    }

    /// Removes the objects, after the commit; a failure is logged and left to the sweep.
    /// Without storage (a server that could not open it) they wait for the sweep too.
    pub async fn remove(self, storage: Option<&FileStorage>) {
        let Some(storage) = storage else {
            return;
        };
        for key in &self.keys {
            storage.remove(key).await;
        }
    }
}

/// How long an object may be kept without a record before the [`sweep`] removes it: an
/// upload's object is stored before its record is written, and an upload lasts at most a
/// request's time (`request_timeout_secs`).
pub const UNRECORDED_GRACE: Duration = Duration::from_secs(24 * 3600);

/// Objects checked against the records at once by the [`sweep`].
const SWEPT_AT_ONCE: usize = 500;

/// Removes the tenant's objects that no file record names and that were written before
/// `written_before` (now less [`UNRECORDED_GRACE`], for the housekeeping): left over by a
/// deletion whose objects could not be removed after its commit, or by an upload whose record
/// was never written. Lists only the tenant's own prefix (`{tenant}/`). Answers how many
/// objects it removed.
pub async fn sweep(
    storage: &FileStorage,
    tenant: &Tenant,
    written_before: DateTime<Utc>,
) -> Result<u64, Refusal> {
    let prefix = ObjectPath::from(tenant.id().to_string());
    let mut listed = storage.objects.list(Some(&prefix)).chunks(SWEPT_AT_ONCE);
    let mut removed = 0;
    while let Some(chunk) = listed.next().await {
        let mut keys = Vec::with_capacity(chunk.len());
        for meta in chunk {
            let meta = meta.map_err(|e| storage_failed(&e))?;
            if meta.last_modified < written_before && meta.location.prefix_matches(&prefix) {
                keys.push(meta.location.to_string());
            }
        }
        let recorded = {
            let mut tx = storage.store.begin(tenant).await?;
            let recorded = files::recorded_keys(&mut tx, &keys).await?;
            tx.commit().await?;
            recorded
        };
        for key in keys.iter().filter(|key| !recorded.contains(*key)) {
            storage.remove(key).await;
            removed += 1;
        }
    }
    Ok(removed)
}

/// A file's content, as a signed URL hands it out.
pub struct Download {
    pub file: StoredFile,
    pub body: BoxStream<'static, std::io::Result<Bytes>>,
}

/// The content of file `id` of `tenant` for a signed URL (no sign-in): the signature must be
/// this tenant's and this file's, and not expired.
pub async fn download(
    storage: &FileStorage,
    tenant: &Tenant,
    id: FileId,
    expires: i64,
    signature: &str,
) -> Result<Download, Refusal> {
    storage.verify(tenant.id(), id, expires, signature).await?;
    let file = {
        let mut tx = storage.store.begin(tenant).await?;
        let file = files::get(&mut tx, id).await?.ok_or_else(file_not_found)?;
        tx.commit().await?;
        file
    };
    storage.content(file).await
}

impl FileStorage {
    /// The content of a file whose record was read.
    async fn content(&self, file: StoredFile) -> Result<Download, Refusal> {
        let got = match self.objects.get(&ObjectPath::from(file.key.as_str())).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => {
                tracing::error!(file = %file.id, "a file's object is missing");
                return Err(file_not_found());
            }
            Err(e) => return Err(storage_failed(&e)),
        };
        let body = got.into_stream().map_err(std::io::Error::other).boxed();
        Ok(Download { file, body })
    }
}

/// The media reference naming a stored file: `file:{id}`.
pub fn file_reference(id: FileId) -> String {
    format!("file:{id}")
}

/// Download URLs for the `file:{id}` media references of a lesson's `content` (image and
/// video blocks), for a reader the lesson was already shown to: only files of the lesson's own
/// `course` are signed; other references get none.
pub async fn media_urls(
    tx: &mut TenantTx,
    storage: &FileStorage,
    course: CourseId,
    content: &serde_json::Value,
) -> Result<HashMap<String, SignedUrl>, Refusal> {
    let blocks = content.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut named: Vec<FileId> = blocks
        .iter()
        .filter_map(|b| {
            b.get("media")?
                .as_str()?
                .strip_prefix("file:")?
                .parse()
                .ok()
        })
        .collect();
    named.sort_unstable();
    named.dedup();
    let mut urls = HashMap::new();
    for file in files::by_ids(tx, &named).await? {
        if file.course_id == Some(course) && file.purpose != FilePurpose::Submission {
            let url = storage.sign(tx.tenant_id(), file.id).await?;
            urls.insert(file_reference(file.id), url);
        }
    }
    Ok(urls)
}

/// Download addresses of the covers of `shown` courses, for a reader they were already shown
/// to: a cover is signed (the same address for a whole URL lifetime: see
/// [`FileStorage::sign_shared`]) when it names (`file:{id}`) a cover file of its own course; a
/// course without one (or with a cover address of another kind) has none.
pub async fn cover_urls(
    tx: &mut TenantTx,
    storage: &FileStorage,
    shown: &[Course],
) -> Result<HashMap<CourseId, SignedUrl>, Refusal> {
    let named: Vec<(CourseId, FileId)> = shown
        .iter()
        .filter_map(|c| {
            let file = c
                .cover_image
                .as_deref()?
                .strip_prefix("file:")?
                .parse()
                .ok()?;
            Some((c.id, file))
        })
        .collect();
    let ids: Vec<FileId> = named.iter().map(|(_, file)| *file).collect();
    let mut urls = HashMap::new();
    for file in files::by_ids(tx, &ids).await? {
        let Some(course) = file.course_id else {
            continue;
        };
        if file.purpose == FilePurpose::CourseCover && named.contains(&(course, file.id)) {
            urls.insert(course, storage.sign_shared(tx.tenant_id(), file.id).await?);
        }
    }
    Ok(urls)
}

/// `content` with each block whose media has a URL in `urls` given it as `url`.
pub fn with_media_urls(
    mut content: serde_json::Value,
    urls: &HashMap<String, SignedUrl>,
) -> serde_json::Value {
    if let Some(blocks) = content.as_array_mut() {
        for block in blocks {
            let url = block
                .get("media")
                .and_then(|m| m.as_str())
                .and_then(|m| urls.get(m));
            if let (Some(url), Some(fields)) = (url.cloned(), block.as_object_mut()) {
                fields.insert("url".to_owned(), url.path.into());
            }
        }
    }
    content
}

/// Bytes of the tenant's files, counted against the plan's storage quota.
pub async fn bytes_used(tx: &mut TenantTx) -> Result<u64, Refusal> {
    Ok(files::bytes_used(tx).await?)
}
