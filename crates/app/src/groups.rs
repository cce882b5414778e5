//! Groups (cohorts) of a tenant's people, as its admins manage them (`user:manage`): create,
//! rename, delete, list; add and remove members; enroll a whole group in a course (each member
//! through the one enrollment rule, those enrolled already skipped). Reports read by group
//! ([`crate::learning::enrollments::students`]) find the group here. Each change records its
//! event and is audited.

use crate::audit::{self, Change};
use crate::identity::User;
use crate::learning::courses::{course_for, manages};
use crate::learning::enrollments::{enroll_batch, open_for_enrollment, EnrolledBy, Wanted};
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::{
    events, AuditAction, AuditTarget, CourseId, DomainEvent, Email, GroupId, Permission, UserId,
};
use lyceum_store::repo::{groups, outbox, users};
use lyceum_store::{StoreError, TenantTx, WriteTx};
use serde::Serialize;
use std::collections::HashSet;

pub use lyceum_store::repo::groups::{Group, MAX_NAME_CHARS};

/// Most people added to a group in one request.
pub const MAX_MEMBERS_PER_CALL: usize = 1_000;

fn group_not_found() -> Refusal {
    Refusal::not_found("no such group")
}

/// The group `id` of the transaction's tenant (`NOT_FOUND` otherwise, whoever asks).
pub(crate) async fn find(tx: &mut TenantTx, id: GroupId) -> Result<Group, Refusal> {
    groups::get(tx, id).await?.ok_or_else(group_not_found)
}

/// A name taken (whatever the case) is `GROUP_NAME_TAKEN`.
fn name_taken(e: StoreError) -> Refusal {
    match e {
        StoreError::Conflict(message) => Refusal::conflict("GROUP_NAME_TAKEN", message),
        other => other.into(),
    }
}

/// The tenant's groups, by name, each with its number of members.
pub async fn list(tx: &mut TenantTx, actor: &Actor) -> Result<Vec<Group>, Refusal> {
    actor.require(Permission::UserManage)?;
    Ok(groups::list(tx).await?)
}

/// One group and its members, in the order they joined the tenant.
pub async fn show(
    tx: &mut TenantTx,
    actor: &Actor,
    id: GroupId,
) -> Result<(Group, Vec<User>), Refusal> {
    actor.require(Permission::UserManage)?;
    let group = find(tx, id).await?;
    let ids = groups::members(tx, id).await?;
    let mut members = users::by_ids(tx, &ids).await?;
    members.sort_by_key(|u| u.id);
    Ok((group, members))
}

/// Creates a group named `name` (1 to [`MAX_NAME_CHARS`] characters, unique in the tenant
/// whatever the case). Records `group.created`; audited.
pub async fn create(tx: &mut WriteTx, actor: &Actor, name: &str) -> Result<Group, Refusal> {
    actor.require(Permission::UserManage)?;
    tx.affects_all_users();
    let group = groups::insert(tx, name, actor.user)
        .await
        .map_err(name_taken)?;
    let created = events::GroupCreated {
        group_id: group.id,
        name: group.name.clone(),
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &created.into()).await?;
    let change = Change::new(AuditAction::GroupCreated)
        .on(AuditTarget::Group(group.id))
        .after(serde_json::json!({ "name": group.name }));
    audit::record(tx, actor, change).await?;
    Ok(group)
}

/// Renames a group. Records `group.renamed`; audited with the names before and after.
pub async fn rename(
    tx: &mut WriteTx,
    actor: &Actor,
    id: GroupId,
    name: &str,
) -> Result<Group, Refusal> {
    actor.require(Permission::UserManage)?;
    tx.affects_all_users();
    let before = find(tx, id).await?;
    let group = groups::rename(tx, id, name)
        .await
        .map_err(name_taken)?
        .ok_or_else(group_not_found)?;
    let renamed = events::GroupRenamed {
        group_id: id,
        name: group.name.clone(),
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &renamed.into()).await?;
    let change = Change::new(AuditAction::GroupRenamed)
        .on(AuditTarget::Group(id))
        .before(serde_json::json!({ "name": before.name }))
        .after(serde_json::json!({ "name": group.name }));
    audit::record(tx, actor, change).await?;
    Ok(group)
}

/// Deletes a group: its people stay, only the grouping goes. Records `group.deleted`; audited.
pub async fn delete(tx: &mut WriteTx, actor: &Actor, id: GroupId) -> Result<(), Refusal> {
    actor.require(Permission::UserManage)?;
    tx.affects_all_users();
    let group = find(tx, id).await?;
    if !groups::delete(tx, id).await? {
        return Err(group_not_found());
    }
    let deleted = events::GroupDeleted {
        group_id: id,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &deleted.into()).await?;
    let change = Change::new(AuditAction::GroupDeleted)
        .on(AuditTarget::Group(id))
        .before(serde_json::json!({ "name": group.name, "members": group.members }));
    audit::record(tx, actor, change).await?;
    Ok(())
}

/// Adds people to a group (at most [`MAX_MEMBERS_PER_CALL`]); those in it already are
/// skipped. A person the tenant does not have refuses the whole call (`NOT_FOUND`), adding
/// nobody. Records `group.member_added` for each one added; audited once. Answers who was
/// added.
pub async fn add_members(
    tx: &mut WriteTx,
    actor: &Actor,
    id: GroupId,
    people: &[UserId],
) -> Result<Vec<UserId>, Refusal> {
    actor.require(Permission::UserManage)?;
    tx.affects_all_users();
    if people.len() > MAX_MEMBERS_PER_CALL {
        return Err(Refusal::unacceptable(
            "TOO_MANY_MEMBERS",
            format!("at most {MAX_MEMBERS_PER_CALL} people per call"),
        ));
    }
    find(tx, id).await?;
    let wanted: Vec<UserId> = {
        let mut seen = HashSet::new();
        people.iter().copied().filter(|u| seen.insert(*u)).collect()
    };
    let known = users::by_ids(tx, &wanted).await?;
    if known.len() != wanted.len() {
        return Err(Refusal::not_found("no such user"));
    }
    let added = groups::add_members(tx, id, &wanted, actor.user).await?;
    let events: Vec<DomainEvent> = added
        .iter()
        .map(|&user_id| {
            DomainEvent::from(events::GroupMemberAdded {
                group_id: id,
                user_id,
                by: actor.user,
            })
        })
        .collect();
    outbox::append_many(tx, Some(actor.user), &events).await?;
    if !added.is_empty() {
        let change = Change::new(AuditAction::GroupMembersAdded)
            .on(AuditTarget::Group(id))
            .after(serde_json::json!({ "added": added }));
        audit::record(tx, actor, change).await?;
    }
    Ok(added)
}

/// Adds the person with address `email` to a group (the portal's form); refused when
/// the organization has nobody by that address (`UNKNOWN_USER`). Answers whether they were added (`false`:
/// in the group already).
pub async fn add_member_by_email(
    tx: &mut WriteTx,
    actor: &Actor,
    id: GroupId,
    email: &str,
) -> Result<bool, Refusal> {
    actor.require(Permission::UserManage)?;
    let email = Email::parse(email)?;
    let person = users::by_email(tx, &email).await?.ok_or_else(|| {
        Refusal::unacceptable(
            "UNKNOWN_USER",
            "no one in the organization has this address",
        )
    })?;
    Ok(!add_members(tx, actor, id, &[person.id]).await?.is_empty())
}

/// Removes a person from a group (`NOT_FOUND` when the group does not hold them). Records
/// `group.member_removed`; audited.
pub async fn remove_member(
    tx: &mut WriteTx,
    actor: &Actor,
    id: GroupId,
    user: UserId,
) -> Result<(), Refusal> {
    actor.require(Permission::UserManage)?;
    tx.affects_all_users();
    find(tx, id).await?;
    if !groups::remove_member(tx, id, user).await? {
        return Err(Refusal::not_found("no such member of this group"));
    }
    let removed = events::GroupMemberRemoved {
        group_id: id,
        user_id: user,
        by: actor.user,
    };
    outbox::append(tx, Some(actor.user), &removed.into()).await?;
    let change = Change::new(AuditAction::GroupMemberRemoved)
        .on(AuditTarget::Group(id))
        .before(serde_json::json!({ "user_id": user }));
    audit::record(tx, actor, change).await?;
    Ok(())
}

/// What enrolling a group did.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupEnrollment {
    /// Members enrolled now (or taken up again after dropping out).
    pub enrolled: usize,
    /// Members enrolled already: skipped.
    pub already_enrolled: usize,
    /// Members who could not be enrolled, and why.
    pub failed: Vec<MemberFailure>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberFailure {
    pub user_id: UserId,
    /// `USER_DEACTIVATED`, `COURSE_FULL`.
    pub code: &'static str,
    pub reason: String,
}

/// Enrolls every member of a group in `course`, each through the enrollment rule: the admin
/// must manage the group (`user:manage`) and the course (`enrollment:manage`); the course must
/// be published (`COURSE_NOT_OPEN` refuses the whole call). Members enrolled already are
/// skipped; a deactivated member, or one past the course's seats, is reported and the others
/// enrolled. Records `student.enrolled` for each; audited once with the counts.
pub async fn enroll_group(
    tx: &mut WriteTx,
    actor: &Actor,
    id: GroupId,
    course: CourseId,
    due_at: Option<DateTime<Utc>>,
) -> Result<GroupEnrollment, Refusal> {
    actor.require(Permission::UserManage)?;
    tx.affects_all_users();
    find(tx, id).await?;
    let (course, staff) = course_for(tx, actor, course).await?;
    manages(actor, staff, Permission::EnrollmentManage)?;
    open_for_enrollment(&course)?;
    let members = groups::members(tx, id).await?;
    let wanted: Vec<Wanted> = members
        .iter()
        .map(|&learner| Wanted {
            course: 0,
            learner,
            due_at,
        })
        .collect();
    let by = EnrolledBy::Staff(actor.user);
    let outcomes = enroll_batch(tx, std::slice::from_ref(&course), &wanted, by).await?;
    let mut report = GroupEnrollment {
        enrolled: 0,
        already_enrolled: 0,
        failed: Vec::new(),
    };
    for (user_id, outcome) in members.into_iter().zip(outcomes) {
        match outcome {
            Ok((_, true)) => report.enrolled += 1,
            Ok((_, false)) => report.already_enrolled += 1,
            Err(e) => report.failed.push(MemberFailure {
                user_id,
                code: e.code(),
                reason: e.to_string(),
            }),
        }
    }
    let change = Change::new(AuditAction::GroupEnrolled)
        .on(AuditTarget::Group(id))
        .after(serde_json::json!({
            "course_id": course.id,
            "enrolled": report.enrolled,
            "already_enrolled": report.already_enrolled,
            "failed": report.failed.len(),
        }));
    audit::record(tx, actor, change).await?;
    Ok(report)
}
