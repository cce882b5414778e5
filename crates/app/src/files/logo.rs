//! The organisation's uploaded logo, for its admins (`tenant:settings`): an image of purpose
//! `branding` kept under `{tenant}/branding/{file}` and named by the tenant's settings
//! (`branding.logo_file`), where it takes the place of a logo address. Anyone may fetch it
//! (it is on the sign-in page), but only a tenant's branding files are served so.
//!
//! The file's record, its event, the audit entries and the settings change are made in the
//! tenant's write transaction, the directory written last before the commit (see
//! [`crate::settings`]): a refused or failed change keeps the previous logo whole. The
//! replaced logo's object is removed after the commit.

use super::{audit_upload, fault, file_not_found, Download, FileStorage, StoredFile, Upload};
use crate::audit::{self, Change};
use crate::settings::{fresh, state};
use crate::{Actor, Refusal};
use bytes::Bytes;
use futures_util::Stream;
use lyceum_domain::file::allowed_type;
use lyceum_domain::{
    events, AuditAction, AuditTarget, FileId, FilePurpose, Permission, TenantId, TenantSettings,
};
use lyceum_store::repo::files;
use lyceum_store::repo::outbox;
use lyceum_store::{Tenant, WriteTx};

/// What a logo's upload says about itself, before its bytes arrive.
#[derive(Debug, Clone)]
pub struct LogoUpload<'a> {
    /// What the sender calls it (kept as metadata, cleaned; never part of a key).
    pub name: &'a str,
    /// The declared content type: an image (PNG, JPEG, GIF or WebP), held against the content.
    pub content_type: &'a str,
    /// The announced size, if any: refused early when too large.
    pub length: Option<u64>,
}

/// The key of a tenant's brand image: `{tenant}/branding/{file}`.
fn branding_key(tenant: TenantId, file: FileId) -> String {
    format!("{tenant}/branding/{file}")
}

/// Makes `logo` (or none) the organisation's logo in `tx`, reading the settings of the
/// transaction's tenant as the directory knows them now: the settings change audited with the
/// state before and after, the replaced logo's record deleted (`file.deleted`). Writes the
/// directory last; answers the replaced logo's object key, to remove after the commit.
/// Removing (`None`) when no logo was uploaded is `NOT_FOUND`.
async fn replace_logo(
    tx: &mut WriteTx,
    storage: &FileStorage,
    actor: &Actor,
    logo: Option<FileId>,
) -> Result<Option<String>, Refusal> {
    let row = fresh(&storage.store, tx.tenant_id()).await?;
    let current = TenantSettings::read(&row.settings);
    if logo.is_none() && current.brand.logo_file.is_none() {
        return Err(Refusal::not_found("no logo was uploaded"));
    }
    let mut next = current.clone();
    next.brand.logo_file = logo;
    let mut replaced = None;
    if let Some(old) = current.brand.logo_file {
        let file = files::get(tx, old).await?;
        if let Some(file) = file.filter(|f| f.purpose == FilePurpose::Branding) {
            files::delete(tx, old).await?;
            let deleted = events::FileDeleted {
                file_id: old,
                course_id: None,
                by: actor.user,
            };
            outbox::append(tx, Some(actor.user), &deleted.into()).await?;
            replaced = Some(file.key);
        }
    }
    let change = Change::new(AuditAction::TenantSettingsChanged)
        .on(AuditTarget::Tenant(tx.tenant_id()))
        .before(state(&row.name, &current))
        .after(state(&row.name, &next));
    audit::record(tx, actor, change).await?;
    let mut stored = row.settings.clone();
    next.write_into(&mut stored);
    storage
        .store
        .directory()
        .update_settings(tx.tenant_id(), &row.name, &stored)
        .await?;
    Ok(replaced)
}

/// Uploads the organisation's logo (`tenant:settings`) and makes it the one its pages show,
/// in place of a logo address; a logo uploaded before is deleted. An image of at most the
/// `branding` purpose's size, its content of its declared type, within the plan's storage.
/// Records `file.uploaded` (and `file.deleted` for the replaced one); audited.
pub async fn upload_logo<S, E>(
    storage: &FileStorage,
    tenant: &Tenant,
    actor: &Actor,
    request: LogoUpload<'_>,
    body: S,
) -> Result<StoredFile, Refusal>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin + Send,
    E: std::fmt::Display,
{
    actor.require(Permission::TenantSettings)?;
    let purpose = FilePurpose::Branding;
    allowed_type(purpose, request.content_type).map_err(fault)?;
    let id = FileId::new();
    let upload = Upload {
        id,
        purpose,
        course: None,
        owner: None,
        key: branding_key(tenant.id(), id),
        name: request.name,
        declared: request.content_type,
        length: request.length,
        max: purpose.max_bytes(),
    };
    let store = &storage.store;
    let used = {
        let mut tx = store.begin(tenant).await?;
        let used = files::bytes_used(&mut tx).await?;
        tx.commit().await?;
        used
    };
    let received = upload.receive(storage, actor, used, body).await?;
    let recorded = async {
        let mut tx = store.begin_write(tenant).await?;
        // The logo is on every page.
        tx.affects_all_users();
        let file = upload.record(&mut tx, actor, &received).await?;
        audit_upload(&mut tx, actor, &file).await?;
        let replaced = replace_logo(&mut tx, storage, actor, Some(id)).await?;
        tx.commit().await?;
        Ok((file, replaced))
    }
    .await;
    let (file, replaced) = upload.kept(storage, recorded).await?;
    if let Some(old) = replaced {
        storage.remove(&old).await;
    }
    Ok(file)
}

/// Removes the organisation's uploaded logo (`tenant:settings`): its pages show the logo
/// address again, if one is set. `NOT_FOUND` when no logo was uploaded. Records
/// `file.deleted`; audited.
pub async fn remove_logo(
    storage: &FileStorage,
    tenant: &Tenant,
    actor: &Actor,
) -> Result<(), Refusal> {
    actor.require(Permission::TenantSettings)?;
    let mut tx = storage.store.begin_write(tenant).await?;
    tx.affects_all_users();
    let removed = replace_logo(&mut tx, storage, actor, None).await?;
    tx.commit().await?;
    if let Some(key) = removed {
        storage.remove(&key).await;
    }
    Ok(())
}

/// The content of the tenant's brand image `id`, for anyone (no sign-in: the logo is on the
/// sign-in page). Only files of purpose `branding` are served so; `NOT_FOUND` otherwise.
pub async fn brand_image(
    storage: &FileStorage,
    tenant: &Tenant,
    id: FileId,
) -> Result<Download, Refusal> {
    let file = {
        let mut tx = storage.store.begin(tenant).await?;
        let file = files::get(&mut tx, id).await?;
        tx.commit().await?;
        file.filter(|f| f.purpose == FilePurpose::Branding)
            .ok_or_else(file_not_found)?
    };
    storage.content(file).await
}
