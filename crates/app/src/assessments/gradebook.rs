//! The gradebook: a course's grade categories and grading settings with its letter scale
//! (written by its staff with `course:edit`), every learner's result on every quiz, exam and
//! assignment with their category and course percents and the course letter (read by its staff
//! with `assessment:grade`), a learner's own grades, and the item analysis of a quiz. The
//! arithmetic is the domain's (`assessment::gradebook`, `assessment::letter_scale`,
//! `assessment::item_analysis`): which attempt counts is the assessment's `counted_attempt`,
//! through `assessment_grade`; an assignment counts its latest released grade, through
//! `assignment_grade`; both read the learner's due date with their extension.
//!
//! A learner reads only their own results (scores and percents, never an answer key, never an
//! assignment grade before it is released), and only of courses they are enrolled in; nobody
//! else's row ever reaches them.

use super::{not_a_quiz, Assessment};
use crate::audit::{self, Change};
use crate::learning::courses::{course_content, course_for, editable_course, manages};
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::assessment::gradebook::{
    assessment_grade, assignment_grade, course_grade, implicit_weight, AssessmentGrade,
    AttemptFacts, CategoryResults, GradeReader, VersionFacts, Weight,
};
use lyceum_domain::assessment::item_analysis::{
    item_analysis as analyse, AnalysedQuestion, ItemResponse, ItemStatistics,
};
use lyceum_domain::assessment::letter_scale::{LetterBand, LetterScale};
use lyceum_domain::assessment::{AssessmentKind, Points, QuestionDraft, QuestionKind};
use lyceum_domain::{
    AssessmentId, AuditAction, AuditTarget, CourseId, EnrollmentId, EnrollmentStatus,
    GradeCategoryId, Permission, QuestionId, SubmissionId, UserId, ValidationError,
};
use lyceum_store::repo::assessments::{self as repo, QuestionOwner};
use lyceum_store::repo::gradebook::{self as store, CourseAttempt, CourseVersion};
use lyceum_store::repo::{assignments, enrollments, submissions, users};
use lyceum_store::{TenantTx, WriteTx};
use serde::Serialize;
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

pub use lyceum_store::repo::gradebook::{GradeCategory, GradingSettings};

/// The most categories a course may have.
pub const MAX_CATEGORIES: i64 = 50;
/// The longest category name.
pub const MAX_CATEGORY_NAME_CHARS: usize = 100;
/// The most learners one export holds.
pub const MAX_EXPORT_LEARNERS: usize = 20_000;

fn category_not_found() -> Refusal {
    Refusal::not_found("no such grade category")
}

/// The course's staff who grade (`assessment:grade`); anyone else who may see the course is
/// refused (`PERMISSION_DENIED`), the others are told there is no such course.
async fn graded_course(tx: &mut TenantTx, actor: &Actor, course: CourseId) -> Result<(), Refusal> {
    let (_, staff) = course_for(tx, actor, course).await?;
    manages(actor, staff, Permission::AssessmentGrade)
}

/// A category name: trimmed, 1 to 100 characters, no control characters.
fn category_name(name: &str) -> Result<String, Refusal> {
    if name.chars().any(char::is_control) {
        return Err(ValidationError::ControlCharacters { field: "name" }.into());
    }
    Ok(lyceum_domain::error::required_text(
        "name",
        name,
        MAX_CATEGORY_NAME_CHARS,
    )?)
}

/// A category with the assessments it holds.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryDetail {
    #[serde(flatten)]
    pub category: GradeCategory,
    pub assessment_ids: Vec<AssessmentId>,
}

async fn detail(tx: &mut TenantTx, category: GradeCategory) -> Result<CategoryDetail, Refusal> {
    let assessment_ids = store::placements_of(tx, category.course_id)
        .await?
        .into_iter()
        .filter(|(_, c)| *c == category.id)
        .map(|(a, _)| a)
        .collect();
    Ok(CategoryDetail {
        category,
        assessment_ids,
    })
}

/// A course's categories with their assessments, for its staff who grade or edit it.
pub async fn categories(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<Vec<CategoryDetail>, Refusal> {
    let (_, staff) = course_for(tx, actor, course).await?;
    if !(staff && actor.role.may(Permission::CourseEdit)) {
        manages(actor, staff, Permission::AssessmentGrade)?;
    }
    let placements = store::placements_of(tx, course).await?;
    Ok(store::categories_of(tx, course)
        .await?
        .into_iter()
        .map(|category| CategoryDetail {
            assessment_ids: placements
                .iter()
                .filter(|(_, c)| *c == category.id)
                .map(|(a, _)| *a)
                .collect(),
            category,
        })
        .collect())
}

/// The assessments a category is given: each of the course (`UNKNOWN_ASSESSMENT`), each once.
async fn members(
    tx: &mut TenantTx,
    course: CourseId,
    ids: &[AssessmentId],
) -> Result<Vec<AssessmentId>, Refusal> {
    if ids.len() > super::MAX_QUESTIONS {
        return Err(ValidationError::TooMany {
            field: "assessment_ids",
            max: super::MAX_QUESTIONS,
        }
        .into());
    }
    let of_course: HashSet<AssessmentId> = repo::for_course(tx, course)
        .await?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for id in ids {
        if !of_course.contains(id) {
            return Err(Refusal::unacceptable(
                "UNKNOWN_ASSESSMENT",
                format!("the course has no assessment {id}"),
            ));
        }
        if seen.insert(*id) {
            out.push(*id);
        }
    }
    Ok(out)
}

/// A new category.
#[derive(Debug, Clone)]
pub struct CategoryInput {
    pub name: String,
    /// 0 to 1,000 (`INVALID_WEIGHT`).
    pub weight: f64,
    /// The course's assessments it holds (they leave any other category).
    pub assessment_ids: Vec<AssessmentId>,
}

/// Adds a category to a course's gradebook, as its staff with `course:edit`. At most 50 per
/// course (`TOO_MANY_CATEGORIES`). Audited (`grade_category.created`).
pub async fn create_category(
    tx: &mut WriteTx,
    actor: &Actor,
    course: CourseId,
    input: &CategoryInput,
) -> Result<CategoryDetail, Refusal> {
    editable_course(tx, actor, course).await?;
    let name = category_name(&input.name)?;
    let weight = Weight::try_from_f64(input.weight)?;
    let members = members(tx, course, &input.assessment_ids).await?;
    if store::count_of(tx, course).await? >= MAX_CATEGORIES {
        return Err(Refusal::conflict(
            "TOO_MANY_CATEGORIES",
            format!("a course has at most {MAX_CATEGORIES} grade categories"),
        ));
    }
    tx.affects_all_users();
    let category = store::insert_category(tx, course, &name, weight).await?;
    store::set_members(tx, category.id, &members).await?;
    let detail = detail(tx, category).await?;
    let change = Change::new(AuditAction::GradeCategoryCreated)
        .on(AuditTarget::Course(course))
        .after(
            json!({"category": detail.category.id, "name": detail.category.name,
            "weight": detail.category.weight, "assessments": detail.assessment_ids}),
        );
    audit::record(tx, actor, change).await?;
    Ok(detail)
}

/// Changes to a category: each given field replaces the current one.
#[derive(Debug, Clone, Default)]
pub struct CategoryChange {
    pub name: Option<String>,
    pub weight: Option<f64>,
    /// 1 to the course's number of categories.
    pub position: Option<u32>,
    /// The assessments it holds from now on.
    pub assessment_ids: Option<Vec<AssessmentId>>,
}

/// A category the actor edits (`course:edit`, its course's staff); another tenant's, or one
/// of a course they may not see, is not found.
async fn editable_category(
    tx: &mut TenantTx,
    actor: &Actor,
    id: GradeCategoryId,
) -> Result<GradeCategory, Refusal> {
    let category = store::category(tx, id)
        .await?
        .ok_or_else(category_not_found)?;
    match course_for(tx, actor, category.course_id).await {
        Ok(_) => {}
        Err(Refusal::NotFound { .. }) => return Err(category_not_found()),
        Err(other) => return Err(other),
    }
    editable_course(tx, actor, category.course_id).await?;
    Ok(category)
}

/// The course of a category the actor edits (for the faces that go back to it).
pub async fn category_course(
    tx: &mut TenantTx,
    actor: &Actor,
    id: GradeCategoryId,
) -> Result<CourseId, Refusal> {
    Ok(editable_category(tx, actor, id).await?.course_id)
}

/// Renames, reweighs, moves a category or changes its assessments. Audited
/// (`grade_category.changed`).
pub async fn change_category(
    tx: &mut WriteTx,
    actor: &Actor,
    id: GradeCategoryId,
    change: &CategoryChange,
) -> Result<CategoryDetail, Refusal> {
    let category = editable_category(tx, actor, id).await?;
    let before = detail(tx, category.clone()).await?;
    let name = match &change.name {
        Some(name) => category_name(name)?,
        None => category.name.clone(),
    };
    let weight = match change.weight {
        Some(weight) => Weight::try_from_f64(weight)?,
        None => category.weight,
    };
    let order = match change.position {
        Some(position) => {
            let mut order: Vec<GradeCategoryId> = store::categories_of(tx, category.course_id)
                .await?
                .into_iter()
                .map(|c| c.id)
                .filter(|c| *c != id)
                .collect();
            if position == 0 || position as usize > order.len() + 1 {
                return Err(Refusal::unacceptable(
                    "INVALID_POSITION",
                    format!("position must be from 1 to {}", order.len() + 1),
                ));
            }
            order.insert(position as usize - 1, id);
            Some(order)
        }
        None => None,
    };
    let members = match &change.assessment_ids {
        Some(ids) => Some(members(tx, category.course_id, ids).await?),
        None => None,
    };
    tx.affects_all_users();
    store::update_category(tx, id, &name, weight).await?;
    if let Some(order) = order {
        store::set_order(tx, &order).await?;
    }
    if let Some(members) = members {
        store::set_members(tx, id, &members).await?;
    }
    let category = store::category(tx, id)
        .await?
        .ok_or_else(category_not_found)?;
    let after = detail(tx, category).await?;
    let state = |d: &CategoryDetail| {
        json!({"category": d.category.id, "name": d.category.name, "weight": d.category.weight,
            "position": d.category.position, "assessments": d.assessment_ids})
    };
    let entry = Change::new(AuditAction::GradeCategoryChanged)
        .on(AuditTarget::Course(after.category.course_id))
        .before(state(&before))
        .after(state(&after));
    audit::record(tx, actor, entry).await?;
    Ok(after)
}

/// Deletes a category; its assessments are left uncategorised. Audited
/// (`grade_category.deleted`).
pub async fn delete_category(
    tx: &mut WriteTx,
    actor: &Actor,
    id: GradeCategoryId,
) -> Result<(), Refusal> {
    let category = editable_category(tx, actor, id).await?;
    let before = detail(tx, category).await?;
    tx.affects_all_users();
    store::delete_category(tx, id).await?;
    let entry = Change::new(AuditAction::GradeCategoryDeleted)
        .on(AuditTarget::Course(before.category.course_id))
        .before(
            json!({"category": before.category.id, "name": before.category.name,
            "weight": before.category.weight, "assessments": before.assessment_ids}),
        );
    audit::record(tx, actor, entry).await?;
    Ok(())
}

/// A course's grading settings, for its staff who grade or edit it.
pub async fn settings(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
) -> Result<GradingSettings, Refusal> {
    categories(tx, actor, course).await?;
    Ok(store::settings(tx, course).await?)
}

/// A course's grading settings as given, whole.
#[derive(Debug, Clone)]
pub struct SettingsInput {
    pub passing_percent: Option<u8>,
    pub missing_counts_as_zero: bool,
    /// Highest first; empty: no letters; none: the default scale.
    pub letter_scale: Option<Vec<LetterBand>>,
}

/// Sets a course's grading settings, as its staff with `course:edit`: the passing percent (0
/// to 100, `INVALID_ASSESSMENT` otherwise; none: no pass or fail), whether missing work
/// counts as zero and the letter scale (`INVALID_GRADING_SCALE`: see `LetterScale::new`).
/// Audited (`course.grading_changed`).
pub async fn change_settings(
    tx: &mut WriteTx,
    actor: &Actor,
    course: CourseId,
    input: SettingsInput,
) -> Result<GradingSettings, Refusal> {
    editable_course(tx, actor, course).await?;
    if input.passing_percent.is_some_and(|p| p > 100) {
        return Err(ValidationError::InvalidAssessment(
            "passing_percent must be from 0 to 100".into(),
        )
        .into());
    }
    let new = GradingSettings {
        passing_percent: input.passing_percent,
        missing_counts_as_zero: input.missing_counts_as_zero,
        letter_scale: match input.letter_scale {
            Some(bands) => LetterScale::new(bands)?,
            None => LetterScale::default(),
        },
    };
    let before = store::settings(tx, course).await?;
    tx.affects_all_users();
    store::put_settings(tx, course, &new).await?;
    let entry = Change::new(AuditAction::GradingSettingsChanged)
        .on(AuditTarget::Course(course))
        .before(json!(before))
        .after(json!(new));
    audit::record(tx, actor, entry).await?;
    Ok(new)
}

/// A column of the gradebook: a quiz, exam or assignment of the course.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradebookAssessment {
    pub id: AssessmentId,
    pub title: String,
    pub kind: AssessmentKind,
    /// None: in the implicit category of uncategorised assessments.
    pub category_id: Option<GradeCategoryId>,
    pub due_at: Option<DateTime<Utc>>,
    pub passing_percent: u8,
}

/// A category as the gradebook weighs it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradebookCategory {
    /// None: the implicit category of uncategorised assessments.
    pub id: Option<GradeCategoryId>,
    /// Empty for the implicit category.
    pub name: String,
    pub weight: Weight,
}

/// A learner's result on one assessment.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LearnerGrade {
    pub assessment_id: AssessmentId,
    #[serde(flatten)]
    pub grade: AssessmentGrade,
}

/// A learner's mean in one category.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryGrade {
    pub category_id: Option<GradeCategoryId>,
    /// None when nothing in it counts yet.
    pub percent: Option<f64>,
}

/// Who a gradebook row is about.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradebookLearner {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub enrollment_id: EnrollmentId,
    pub enrollment_status: EnrollmentStatus,
}

/// One learner's row.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GradebookRow {
    pub learner: GradebookLearner,
    /// In the order of the gradebook's `assessments`.
    pub grades: Vec<LearnerGrade>,
    /// In the order of the gradebook's `categories`.
    pub categories: Vec<CategoryGrade>,
    /// The weighted course percent; none until something counts.
    pub percent: Option<f64>,
    /// The letter the course percent earns on the course's letter scale; none without a
    /// course percent, or below every band.
    pub letter: Option<String>,
    /// Once the course has a passing percent and a course percent.
    pub passed: Option<bool>,
}

/// A page of a course's gradebook.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Gradebook {
    pub course_id: CourseId,
    pub settings: GradingSettings,
    pub categories: Vec<GradebookCategory>,
    pub assessments: Vec<GradebookAssessment>,
    pub rows: Vec<GradebookRow>,
}

/// The columns of a course's gradebook: its quizzes, exams and assignments, its categories (the
/// implicit one last, when an assessment is in none).
async fn layout(
    tx: &mut TenantTx,
    course: CourseId,
) -> Result<
    (
        Vec<Assessment>,
        Vec<GradebookAssessment>,
        Vec<GradebookCategory>,
    ),
    Refusal,
> {
    let placements: HashMap<AssessmentId, GradeCategoryId> = store::placements_of(tx, course)
        .await?
        .into_iter()
        .collect();
    let assessments: Vec<Assessment> = repo::for_course(tx, course).await?;
    let columns: Vec<GradebookAssessment> = assessments
        .iter()
        .map(|a| GradebookAssessment {
            id: a.id,
            title: a.title.clone(),
            kind: a.kind,
            category_id: placements.get(&a.id).copied(),
            due_at: a.rules.due_at,
            passing_percent: a.rules.passing_percent,
        })
        .collect();
    let defined = store::categories_of(tx, course).await?;
    let weights: Vec<Weight> = defined.iter().map(|c| c.weight).collect();
    let mut categories: Vec<GradebookCategory> = defined
        .into_iter()
        .map(|c| GradebookCategory {
            id: Some(c.id),
            name: c.name,
            weight: c.weight,
        })
        .collect();
    if columns.iter().any(|c| c.category_id.is_none()) {
        categories.push(GradebookCategory {
            id: None,
            name: String::new(),
            weight: implicit_weight(&weights),
        });
    }
    Ok((assessments, columns, categories))
}

/// What every row of a course's gradebook is read against.
struct Layout {
    assessments: Vec<Assessment>,
    columns: Vec<GradebookAssessment>,
    categories: Vec<GradebookCategory>,
    settings: GradingSettings,
    /// Each learner's extended due date, per assessment.
    extensions: HashMap<(AssessmentId, UserId), DateTime<Utc>>,
    reader: GradeReader,
}

/// A learner's work in the course: their attempts at quizzes and exams, their versions of
/// assignments.
#[derive(Default)]
struct Work {
    attempts: Vec<CourseAttempt>,
    versions: Vec<CourseVersion>,
}

/// One learner's row, from their work on the course's assessments.
fn row_of(
    learner: GradebookLearner,
    layout: &Layout,
    own: &Work,
    now: DateTime<Utc>,
) -> GradebookRow {
    let grades: Vec<LearnerGrade> = layout
        .assessments
        .iter()
        .map(|a| {
            let rules = a
                .rules
                .for_learner(layout.extensions.get(&(a.id, learner.id)).copied());
            let grade = if a.kind == AssessmentKind::Assignment {
                let versions: Vec<VersionFacts> = own
                    .versions
                    .iter()
                    .filter(|v| v.assessment == a.id)
                    .map(|v| v.facts)
                    .collect();
                assignment_grade(&rules, &versions, now, layout.reader)
            } else {
                let attempts: Vec<AttemptFacts> = own
                    .attempts
                    .iter()
                    .filter(|attempt| attempt.assessment == a.id)
                    .map(|attempt| attempt.facts)
                    .collect();
                assessment_grade(&rules, &attempts, now)
            };
            LearnerGrade {
                assessment_id: a.id,
                grade,
            }
        })
        .collect();
    let results: Vec<CategoryResults> = layout
        .categories
        .iter()
        .map(|category| CategoryResults {
            weight: category.weight,
            items: layout
                .columns
                .iter()
                .zip(&grades)
                .filter(|(column, _)| column.category_id == category.id)
                .map(|(_, g)| g.grade.item())
                .collect(),
        })
        .collect();
    let course = course_grade(&results, layout.settings.missing_counts_as_zero);
    GradebookRow {
        learner,
        grades,
        categories: layout
            .categories
            .iter()
            .zip(course.categories)
            .map(|(c, percent)| CategoryGrade {
                category_id: c.id,
                percent,
            })
            .collect(),
        percent: course.percent,
        letter: course
            .percent
            .and_then(|p| layout.settings.letter_scale.letter(p))
            .map(str::to_owned),
        passed: layout
            .settings
            .passing_percent
            .zip(course.percent)
            .map(|(passing, percent)| percent + 1e-9 >= f64::from(passing)),
    }
}

/// The gradebook of `course` for the enrollments `page`, as `reader` sees it.
async fn gradebook_of(
    tx: &mut TenantTx,
    course: CourseId,
    page: Vec<lyceum_store::repo::enrollments::Enrollment>,
    now: DateTime<Utc>,
    every_learner: bool,
    reader: GradeReader,
) -> Result<Gradebook, Refusal> {
    let settings = store::settings(tx, course).await?;
    let (assessments, columns, categories) = layout(tx, course).await?;
    let extensions = assignments::extensions_in_course(tx, course)
        .await?
        .into_iter()
        .map(|e| ((e.assessment_id, e.user_id), e.due_at))
        .collect();
    let layout = Layout {
        assessments,
        columns,
        categories,
        settings,
        extensions,
        reader,
    };
    let ids: Vec<UserId> = page.iter().map(|e| e.user_id).collect();
    let people: HashMap<UserId, users::User> = users::by_ids(tx, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let learners = (!every_learner).then_some(&ids[..]);
    let mut by_learner: HashMap<UserId, Work> = HashMap::new();
    for attempt in store::attempts_in_course(tx, course, learners).await? {
        by_learner
            .entry(attempt.learner)
            .or_default()
            .attempts
            .push(attempt);
    }
    for version in store::versions_in_course(tx, course, learners).await? {
        by_learner
            .entry(version.learner)
            .or_default()
            .versions
            .push(version);
    }
    let rows = page
        .into_iter()
        .filter_map(|enrollment| {
            let user = people.get(&enrollment.user_id)?;
            let own = by_learner.remove(&enrollment.user_id).unwrap_or_default();
            let learner = GradebookLearner {
                id: user.id,
                name: user.display_name.clone(),
                email: user.email.to_string(),
                enrollment_id: enrollment.id,
                enrollment_status: enrollment.status,
            };
            Some(row_of(learner, &layout, &own, now))
        })
        .collect();
    Ok(Gradebook {
        course_id: course,
        settings: layout.settings,
        categories: layout.categories,
        assessments: layout.columns,
        rows,
    })
}

/// A page of a course's gradebook (learners in enrollment order after `after`, `limit` at
/// most), for its staff with `assessment:grade`.
pub async fn gradebook(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
    after: Option<EnrollmentId>,
    limit: u32,
    now: DateTime<Utc>,
) -> Result<Gradebook, Refusal> {
    graded_course(tx, actor, course).await?;
    let page = enrollments::for_course(tx, course, None, after, limit).await?;
    gradebook_of(tx, course, page, now, false, GradeReader::Staff).await
}

/// Every learner's row of a course's gradebook, for an export; `TOO_MANY_LEARNERS` (413)
/// past 20,000 learners.
pub async fn whole_gradebook(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
    now: DateTime<Utc>,
) -> Result<Gradebook, Refusal> {
    graded_course(tx, actor, course).await?;
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = enrollments::for_course(tx, course, None, after, 1_000).await?;
        let full = page.len() == 1_000;
        after = page.last().map(|e| e.id);
        all.extend(page);
        if all.len() > MAX_EXPORT_LEARNERS {
            return Err(Refusal::too_large(
                "TOO_MANY_LEARNERS",
                format!("an export holds at most {MAX_EXPORT_LEARNERS} learners; page the gradebook instead"),
            ));
        }
        if !full {
            break;
        }
    }
    gradebook_of(tx, course, all, now, true, GradeReader::Staff).await
}

/// A learner's own grades in a course they are enrolled in (`NOT_ENROLLED` otherwise, staff
/// included): their row of the gradebook and its columns. Scores and percents only, and only
/// released assignment grades.
pub async fn my_grades(
    tx: &mut TenantTx,
    actor: &Actor,
    course: CourseId,
    now: DateTime<Utc>,
) -> Result<Gradebook, Refusal> {
    let (_, enrollment) = course_content(tx, actor, course).await?;
    let Some(enrollment) = enrollment else {
        return Err(Refusal::forbidden(
            "NOT_ENROLLED",
            "only a learner enrolled in the course has grades in it",
        ));
    };
    gradebook_of(
        tx,
        course,
        vec![enrollment],
        now,
        false,
        GradeReader::Learner,
    )
    .await
}

/// One question's figures, with what it asked.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemRow {
    pub prompt: String,
    #[serde(rename = "type")]
    pub kind: QuestionKind,
    pub points: Points,
    #[serde(flatten)]
    pub statistics: ItemStatistics,
    /// Choice questions: each option's text, by its id.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub option_texts: BTreeMap<String, String>,
}

/// The item analysis of a quiz or exam.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemAnalysis {
    pub assessment_id: AssessmentId,
    pub course_id: CourseId,
    pub title: String,
    /// Attempts analysed: each learner's latest graded attempt.
    pub attempts: u32,
    pub questions: Vec<ItemRow>,
}

/// The item analysis of a quiz or exam (`NOT_A_QUIZ` for an assignment) over each learner's
/// latest graded attempt, for its course's staff with `assessment:grade`.
pub async fn item_analysis(
    tx: &mut TenantTx,
    actor: &Actor,
    id: AssessmentId,
) -> Result<ItemAnalysis, Refusal> {
    let (assessment, staff) = super::readable(tx, actor, id).await?;
    manages(actor, staff, Permission::AssessmentGrade)?;
    if assessment.kind == AssessmentKind::Assignment {
        return Err(not_a_quiz());
    }
    let mut latest: HashMap<UserId, submissions::Submission> = HashMap::new();
    for sub in submissions::of_assessment(tx, id).await? {
        if sub.status != lyceum_domain::assessment::SubmissionStatus::Graded {
            continue;
        }
        match latest.get(&sub.user_id) {
            Some(kept) if kept.attempt >= sub.attempt => {}
            _ => {
                latest.insert(sub.user_id, sub);
            }
        }
    }
    let mut analysed: Vec<submissions::Submission> = latest.into_values().collect();
    analysed.sort_by_key(|s| s.id);
    let kept: HashSet<SubmissionId> = analysed.iter().map(|s| s.id).collect();
    let mut answers: HashMap<(SubmissionId, QuestionId), store::GradedAnswer> = HashMap::new();
    for answer in store::graded_answers(tx, id).await? {
        if kept.contains(&answer.submission) {
            answers.insert((answer.submission, answer.question), answer);
        }
    }
    // The questions in the assessment's order, then those drawn from banks as first met.
    let mut order: Vec<QuestionId> = repo::questions_of(tx, QuestionOwner::Assessment(id))
        .await?
        .into_iter()
        .map(|q| q.id)
        .collect();
    let mut drafts: HashMap<QuestionId, QuestionDraft> = HashMap::new();
    for sub in &analysed {
        for q in &sub.questions {
            drafts.insert(q.id, q.question.clone());
            if !order.contains(&q.id) {
                order.push(q.id);
            }
        }
    }
    for question in repo::questions_of(tx, QuestionOwner::Assessment(id)).await? {
        drafts.entry(question.id).or_insert(question.draft);
    }
    order.retain(|q| drafts.contains_key(q));
    let questions: Vec<AnalysedQuestion> = order
        .iter()
        .map(|q| AnalysedQuestion {
            id: *q,
            key: &drafts[q].key,
            points: Points::whole(drafts[q].points),
        })
        .collect();
    let responses: Vec<Vec<ItemResponse>> = analysed
        .iter()
        .map(|sub| {
            sub.questions
                .iter()
                .map(|q| {
                    let given = answers.get(&(sub.id, q.id));
                    ItemResponse {
                        question: q.id,
                        points: given.and_then(|a| a.score).unwrap_or(Points::ZERO),
                        answer: given.map(|a| &a.answer),
                    }
                })
                .collect()
        })
        .collect();
    let statistics = analyse(&questions, &responses);
    let rows = statistics
        .into_iter()
        .map(|statistics| {
            let draft = &drafts[&statistics.question_id];
            let option_texts = match &draft.key {
                lyceum_domain::assessment::QuestionKey::SingleChoice { options, .. }
                | lyceum_domain::assessment::QuestionKey::MultipleChoice { options, .. } => options
                    .iter()
                    .map(|o| (o.id.clone(), o.text.clone()))
                    .collect(),
                _ => BTreeMap::new(),
            };
            ItemRow {
                prompt: draft.prompt.clone(),
                kind: draft.key.kind(),
                points: Points::whole(draft.points),
                statistics,
                option_texts,
            }
        })
        .collect();
    Ok(ItemAnalysis {
        assessment_id: id,
        course_id: assessment.course_id,
        title: assessment.title,
        attempts: analysed.len() as u32,
        questions: rows,
    })
}
