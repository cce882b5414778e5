//! Live events: which of a tenant's delivered events a signed-in person may watch as they
//! happen ([`audience`], [`Watcher`]), and reading them in delivery order ([`after`]).
//!
//! Events are watched once the outbox dispatcher has delivered them: each then carries the
//! tenant's next delivery number, which is the position a watcher resumes from. An admin
//! watches everything of the tenant; course staff the progress and content of the courses
//! they teach; a learner their own enrollments, completions and certificates and the content
//! of the courses they take; everyone their own account's events and what they did themselves.
//! The same rule chooses what a person's recent activity ([`recent`]) lists.

use crate::dispatch::envelope;
use crate::identity::sessions;
use crate::{Actor, Refusal};
use lyceum_domain::{CourseId, DomainEvent, EnrollmentStatus, EventEnvelope, Role, UserId};
use lyceum_store::repo::{courses, enrollments, outbox, users};
use lyceum_store::TenantTx;
use std::collections::{HashMap, HashSet};

/// Events read at a time.
pub const BATCH: u32 = 500;

/// A delivered event, with its delivery number and who may watch it.
#[derive(Debug, Clone)]
pub struct LiveEvent {
    /// The tenant's delivery number: a watcher that saw it resumes after it.
    pub seq: i64,
    pub envelope: EventEnvelope,
    pub audience: Audience,
}

/// Who an event is for, besides the tenant's admins (who watch everything) and the person who
/// caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The admins only (an event this version cannot read).
    Admins,
    /// A person's own account (the user events): them.
    Person(UserId),
    /// A learner's record in a course (enrollment, progress, certificate): the learner and the
    /// course's staff.
    Learner { course: CourseId, learner: UserId },
    /// A course's content and state: its staff and its learners.
    Course(CourseId),
    /// A course's staff only (the course made or deleted).
    Staff(CourseId),
}

/// Whom `event` concerns. Every event names its audience here, so a new event cannot be
/// added without deciding who watches it.
pub fn audience(event: &DomainEvent) -> Audience {
    use DomainEvent as E;
    let learner = |course, learner| Audience::Learner { course, learner };
    match event {
        E::CourseCreated(e) => Audience::Staff(e.course_id),
        E::CourseDeleted(e) => Audience::Staff(e.course_id),
        E::CourseUpdated(e) => Audience::Course(e.course_id),
        E::CoursePublished(e) => Audience::Course(e.course_id),
        E::CourseArchived(e) => Audience::Course(e.course_id),
        E::ModuleCreated(e) => Audience::Course(e.course_id),
        E::ModuleUpdated(e) => Audience::Course(e.course_id),
        E::ModuleDeleted(e) => Audience::Course(e.course_id),
        E::ModulesReordered(e) => Audience::Course(e.course_id),
        E::LessonCreated(e) => Audience::Course(e.course_id),
        E::LessonUpdated(e) => Audience::Course(e.course_id),
        E::LessonDeleted(e) => Audience::Course(e.course_id),
        E::LessonsReordered(e) => Audience::Course(e.course_id),
        E::StudentEnrolled(e) => learner(e.course_id, e.user_id),
        E::EnrollmentDropped(e) => learner(e.course_id, e.user_id),
        E::EnrollmentDueChanged(e) => learner(e.course_id, e.user_id),
        E::LessonCompleted(e) => learner(e.course_id, e.user_id),
        E::EnrollmentCompleted(e) => learner(e.course_id, e.user_id),
        E::CertificateIssued(e) => learner(e.course_id, e.user_id),
        // An assessment's settings are its staff's until learners take it.
        E::AssessmentCreated(e) => Audience::Staff(e.course_id),
        E::AssessmentUpdated(e) => Audience::Staff(e.course_id),
        E::AssessmentDeleted(e) => Audience::Staff(e.course_id),
        E::AssessmentSubmitted(e) => learner(e.course_id, e.user_id),
        E::AssessmentGraded(e) => learner(e.course_id, e.user_id),
        E::UserCreated(e) => Audience::Person(e.user_id),
        E::UserUpdated(e) => Audience::Person(e.user_id),
        E::UserDeactivated(e) => Audience::Person(e.user_id),
        E::UserReactivated(e) => Audience::Person(e.user_id),
        E::UserInvited(e) => Audience::Person(e.user_id),
        E::UserActivated(e) => Audience::Person(e.user_id),
        E::UserPasswordResetIssued(e) => Audience::Person(e.user_id),
        E::UserPasswordChanged(e) => Audience::Person(e.user_id),
        // Groups are the admins' to manage.
        E::GroupCreated(_)
        | E::GroupRenamed(_)
        | E::GroupDeleted(_)
        | E::GroupMemberAdded(_)
        | E::GroupMemberRemoved(_) => Audience::Admins,
        // A course's files concern its staff; a file of no course (a brand's) the admins.
        E::FileUploaded(e) => e.course_id.map_or(Audience::Admins, Audience::Staff),
        E::FileDeleted(e) => e.course_id.map_or(Audience::Admins, Audience::Staff),
        // A webhook given up concerns the tenant's admins, who manage webhooks.
        E::WebhookDisabled(_) => Audience::Admins,
    }
}

/// Someone watching the tenant's events, with their role and the courses they teach and take
/// as read when they started; their own enrollments, drops and new courses keep those up to
/// date. An event that may change what they may see otherwise (their role changed, their
/// account deactivated, a course they teach updated, which may have changed its instructors)
/// makes the watcher [stale](Watcher::stale): read it again ([`rewatch`]) before the next event.
#[derive(Debug, Clone)]
pub struct Watcher {
    user: UserId,
    role: Role,
    teaches: HashSet<CourseId>,
    takes: HashSet<CourseId>,
    stale: bool,
}

/// The watcher `actor` is: everyone signed in may watch their own scope.
pub async fn watcher(tx: &mut TenantTx, actor: &Actor) -> Result<Watcher, Refusal> {
    watch(tx, actor.user, actor.role).await
}

/// `watcher` read again from the store after it went stale: `None` once they are no longer
/// active (the stream ends), else their scope as it is now, under the role they hold now (as
/// any request of theirs would be).
pub async fn rewatch(tx: &mut TenantTx, watcher: &Watcher) -> Result<Option<Watcher>, Refusal> {
    match sessions::standing(tx, watcher.user).await? {
        Some(role) => Ok(Some(watch(tx, watcher.user, role).await?)),
        None => Ok(None),
    }
}

async fn watch(tx: &mut TenantTx, user: UserId, role: Role) -> Result<Watcher, Refusal> {
    // Admins watch everything; a student is never staff, even where still listed as an
    // instructor (a demoted instructor's rows stay).
    let teaches = if role == Role::Instructor {
        courses::taught_by(tx, user).await?.into_iter().collect()
    } else {
        HashSet::new()
    };
    let takes = enrollments::for_user(tx, user)
        .await?
        .into_iter()
        .filter(|e| e.status != EnrollmentStatus::Dropped)
        .map(|e| e.course_id)
        .collect();
    Ok(Watcher {
        user,
        role,
        teaches,
        takes,
        stale: false,
    })
}

impl Watcher {
    /// May the watcher see `event`? Also notes what the event changes in their own scope.
    pub fn sees(&mut self, event: &LiveEvent) -> bool {
        self.follow(&event.envelope);
        if self.role == Role::Admin || event.envelope.actor == Some(self.user) {
            return true;
        }
        match event.audience {
            Audience::Admins => false,
            Audience::Person(user) => user == self.user,
            Audience::Learner { course, learner } => {
                learner == self.user || self.teaches.contains(&course)
            }
            Audience::Course(course) => {
                self.teaches.contains(&course) || self.takes.contains(&course)
            }
            Audience::Staff(course) => self.teaches.contains(&course),
        }
    }

    fn follow(&mut self, envelope: &EventEnvelope) {
        match envelope.event() {
            Some(Ok(DomainEvent::StudentEnrolled(e))) if e.user_id == self.user => {
                self.takes.insert(e.course_id);
            }
            Some(Ok(DomainEvent::EnrollmentDropped(e))) if e.user_id == self.user => {
                self.takes.remove(&e.course_id);
            }
            Some(Ok(DomainEvent::CourseCreated(e))) if e.by == self.user => {
                self.teaches.insert(e.course_id);
            }
            Some(Ok(DomainEvent::UserUpdated(e))) if e.user_id == self.user => {
                self.stale |= e.role != self.role;
            }
            Some(Ok(DomainEvent::UserDeactivated(e))) if e.user_id == self.user => {
                self.stale = true;
            }
            Some(Ok(DomainEvent::CourseUpdated(e))) if self.teaches.contains(&e.course_id) => {
                self.stale = true;
            }
            _ => {}
        }
    }

    /// Whether an event passed may have changed what the watcher may see: [`rewatch`] them
    /// before the next one.
    pub fn stale(&self) -> bool {
        self.stale
    }
}

/// Up to [`BATCH`] events delivered after number `seq`, in delivery order.
pub async fn after(tx: &mut TenantTx, seq: i64) -> Result<Vec<LiveEvent>, Refusal> {
    let tenant = tx.tenant_id();
    Ok(outbox::delivered_after(tx, seq, BATCH)
        .await?
        .into_iter()
        .map(|delivered| {
            let envelope = envelope(tenant, delivered.event);
            let audience = match envelope.event() {
                Some(Ok(event)) => audience(&event),
                None | Some(Err(_)) => Audience::Admins,
            };
            LiveEvent {
                seq: delivered.delivered_seq,
                envelope,
                audience,
            }
        })
        .collect())
}

/// One event of a person's recent activity, with the names a reader needs: who did it and the
/// course it concerns, as they are now.
#[derive(Debug, Clone)]
pub struct Activity {
    pub event: LiveEvent,
    /// The display name of the person who caused it (`None`: the system, or someone removed).
    pub by: Option<String>,
    /// The title of the course it concerns, if it concerns one.
    pub course: Option<String>,
}

impl Audience {
    /// The course an event of this audience concerns.
    fn course(self) -> Option<CourseId> {
        match self {
            Audience::Learner { course, .. }
            | Audience::Course(course)
            | Audience::Staff(course) => Some(course),
            Audience::Admins | Audience::Person(_) => None,
        }
    }
}

/// The latest events `actor` may watch (the same rule as a live stream), newest first: at most
/// `limit`, found among the tenant's last [`BATCH`] deliveries.
pub async fn recent(
    tx: &mut TenantTx,
    actor: &Actor,
    limit: usize,
) -> Result<Vec<Activity>, Refusal> {
    let mut watcher = watcher(tx, actor).await?;
    let from = head(tx).await?.saturating_sub(i64::from(BATCH));
    let mut seen: Vec<LiveEvent> = after(tx, from)
        .await?
        .into_iter()
        .filter(|event| watcher.sees(event))
        .collect();
    seen.reverse();
    seen.truncate(limit);
    let mut people: Vec<UserId> = seen.iter().filter_map(|e| e.envelope.actor).collect();
    people.sort_unstable();
    people.dedup();
    let mut taught: Vec<CourseId> = seen.iter().filter_map(|e| e.audience.course()).collect();
    taught.sort_unstable();
    taught.dedup();
    let names: HashMap<UserId, String> = users::by_ids(tx, &people)
        .await?
        .into_iter()
        .map(|user| (user.id, user.display_name))
        .collect();
    let titles: HashMap<CourseId, String> = courses::by_ids(tx, &taught)
        .await?
        .into_iter()
        .map(|course| (course.id, course.title))
        .collect();
    Ok(seen
        .into_iter()
        .map(|event| Activity {
            by: event.envelope.actor.and_then(|id| names.get(&id).cloned()),
            course: event
                .audience
                .course()
                .and_then(|id| titles.get(&id).cloned()),
            event,
        })
        .collect())
}

/// The tenant's last delivery number: a watcher starting now resumes after it.
pub async fn head(tx: &mut TenantTx) -> Result<i64, Refusal> {
    Ok(outbox::last_delivered_seq(tx).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lyceum_domain::{events, EventId, LessonId, ModuleId, TenantId};

    fn live(event: DomainEvent, actor: Option<UserId>) -> LiveEvent {
        LiveEvent {
            seq: 1,
            audience: audience(&event),
            envelope: EventEnvelope {
                id: EventId::new(),
                event_type: event.event_type().to_owned(),
                tenant_id: TenantId::new(),
                actor,
                occurred_at: chrono::Utc::now(),
                schema_version: 1,
                payload: event.payload(),
            },
        }
    }

    fn learner_of(course: CourseId) -> Watcher {
        Watcher {
            user: UserId::new(),
            role: Role::Student,
            teaches: HashSet::new(),
            takes: HashSet::from([course]),
            stale: false,
        }
    }

    #[test]
    fn learners_see_new_content_of_the_courses_they_take_and_no_one_elses_progress() {
        let (taken, other) = (CourseId::new(), CourseId::new());
        let mut learner = learner_of(taken);
        let lesson = |course| {
            live(
                events::LessonCreated {
                    course_id: course,
                    module_id: ModuleId::new(),
                    lesson_id: LessonId::new(),
                    kind: lyceum_domain::LessonKind::Text,
                }
                .into(),
                Some(UserId::new()),
            )
        };
        assert!(learner.sees(&lesson(taken)));
        assert!(!learner.sees(&lesson(other)));
        let someone_else = live(
            events::LessonCompleted {
                lesson_id: LessonId::new(),
                course_id: taken,
                user_id: UserId::new(),
                course_progress_percent: 50,
            }
            .into(),
            None,
        );
        assert!(!learner.sees(&someone_else));
        let mut teacher = Watcher {
            teaches: HashSet::from([taken]),
            takes: HashSet::new(),
            ..learner_of(taken)
        };
        assert!(teacher.sees(&someone_else));
    }

    #[test]
    fn a_watchers_own_enrollment_and_drop_change_what_they_see() {
        let course = CourseId::new();
        let mut learner = learner_of(CourseId::new());
        let me = learner.user;
        let published = live(
            events::CourseUpdated {
                course_id: course,
                by: UserId::new(),
            }
            .into(),
            None,
        );
        assert!(!learner.sees(&published));
        let enrolled = events::StudentEnrolled {
            course_id: course,
            user_id: me,
            enrollment_id: lyceum_domain::EnrollmentId::new(),
            by: None,
        };
        assert!(learner.sees(&live(enrolled.into(), None)));
        assert!(learner.sees(&published));
        let dropped = events::EnrollmentDropped {
            enrollment_id: lyceum_domain::EnrollmentId::new(),
            course_id: course,
            user_id: me,
            by: UserId::new(),
        };
        assert!(learner.sees(&live(dropped.into(), None)));
        assert!(!learner.sees(&published));
        let unreadable = LiveEvent {
            audience: Audience::Admins,
            ..published.clone()
        };
        assert!(!learner.sees(&unreadable));
    }
    #[test]
    fn a_change_of_the_watchers_role_or_standing_or_of_a_course_they_teach_makes_them_stale() {
        let taught = CourseId::new();
        let mut teacher = Watcher {
            role: Role::Instructor,
            teaches: HashSet::from([taught]),
            takes: HashSet::new(),
            ..learner_of(taught)
        };
        let me = teacher.user;
        let renamed = |user_id, role| {
            live(
                events::UserUpdated {
                    user_id,
                    role,
                    by: UserId::new(),
                }
                .into(),
                None,
            )
        };
        // Someone else's change, or a change of their own that keeps the role: nothing to read.
        assert!(!teacher.sees(&renamed(UserId::new(), Role::Admin)));
        assert!(teacher.sees(&renamed(me, Role::Instructor)));
        assert!(!teacher.stale());
        assert!(teacher.sees(&renamed(me, Role::Student)));
        assert!(teacher.stale());

        let mut teacher = Watcher {
            stale: false,
            ..teacher
        };
        let elsewhere = events::CourseUpdated {
            course_id: CourseId::new(),
            by: UserId::new(),
        };
        assert!(!teacher.sees(&live(elsewhere.into(), None)));
        assert!(!teacher.stale());
        let theirs = events::CourseUpdated {
            course_id: taught,
            by: UserId::new(),
        };
        assert!(teacher.sees(&live(theirs.into(), None)));
        assert!(teacher.stale());

        let mut learner = learner_of(taught);
        let deactivated = events::UserDeactivated {
            user_id: learner.user,
            by: UserId::new(),
        };
        assert!(learner.sees(&live(deactivated.into(), None)));
        assert!(learner.stale());
    }
}
