//! `lyceum bench --quiz N`: a 50-question quiz of mixed auto-graded kinds, taken through the
//! use cases as the API runs them (each step its own learner transaction, committed). First N
//! learners one after another, timing start, save (every answer) and submit (marking and
//! grading included); then 500 learners who all submit at once when the due date passes, after
//! which the database must hold exactly 500 graded attempts and one `assessment.submitted` and
//! one `assessment.graded` event each. Every placement of the store.

use crate::bench_seed;
use anyhow::{bail, ensure, Result};
use chrono::{Duration as Span, Utc};
use clap::Args;
use lyceum_app::assessments::attempts::{self, SubmissionRead};
use lyceum_app::assessments::{self, AssessmentInput};
use lyceum_app::learning::enrollments;
use lyceum_app::{dispatch, Actor};
use lyceum_domain::assessment::{
    Answer, AssessmentKind, AssessmentRules, Choice, ChoiceScoring, LatePolicy, OrderScoring,
    QuestionDraft, QuestionKey, SubmissionStatus, TextRule,
};
use lyceum_domain::{AssessmentId, Plan, QuestionId, Role, Slug};
use lyceum_store::{LearnerLock, NewTenant, Store, Tenant};
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// Questions of the quiz.
const QUESTIONS: usize = 50;
/// Learners who submit at the deadline together.
const CROWD: usize = 500;

#[derive(Args)]
pub struct QuizBenchArgs {
    /// Time N learners taking a 50-question quiz one after another, then 500 submitting at the
    /// same deadline (instead of the storage benchmarks).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    quiz: Option<u32>,
}

impl QuizBenchArgs {
    pub fn enabled(&self) -> bool {
        self.quiz.is_some()
    }
}

fn choices(prefix: &str, count: usize) -> Vec<Choice> {
    (0..count)
        .map(|i| Choice {
            id: format!("{prefix}{i}"),
            text: format!("Choice {prefix}{i}"),
        })
        .collect()
}

/// Question `n` of the quiz, with the right answer to it: the auto-graded kinds in turn.
fn question(n: usize) -> (QuestionDraft, Answer) {
    let (key, answer) = match n % 7 {
        0 => (
            QuestionKey::SingleChoice {
                options: choices("o", 4),
                correct: "o2".into(),
            },
            Answer::SingleChoice {
                option: "o2".into(),
            },
        ),
        1 => (
            QuestionKey::MultipleChoice {
                options: choices("o", 5),
                correct: vec!["o1".into(), "o3".into()],
                scoring: ChoiceScoring::Partial,
            },
            Answer::MultipleChoice {
                options: vec!["o1".into(), "o3".into()],
            },
        ),
        2 => (
            QuestionKey::TrueFalse { correct: true },
            Answer::TrueFalse { value: true },
        ),
        3 => (
            QuestionKey::ShortAnswer {
                rule: TextRule::CaseInsensitive {
                    answers: vec!["Lyceum".into(), "Lykeion".into()],
                },
            },
            Answer::ShortAnswer {
                text: "lyceum".into(),
            },
        ),
        4 => (
            QuestionKey::ShortAnswer {
                rule: TextRule::Regex {
                    pattern: "[A-Z]{2}-[0-9]{3,5}".into(),
                },
            },
            Answer::ShortAnswer {
                text: "AB-1234".into(),
            },
        ),
        5 => {
            let answers: BTreeMap<String, String> =
                (0..4).map(|i| (format!("p{i}"), format!("c{i}"))).collect();
            (
                QuestionKey::Matching {
                    prompts: choices("p", 4),
                    choices: choices("c", 5),
                    answers: answers.clone(),
                    scoring: OrderScoring::Partial,
                },
                Answer::Matching { matches: answers },
            )
        }
        _ => (
            QuestionKey::Ordering {
                items: choices("i", 5),
                scoring: OrderScoring::Partial,
            },
            Answer::Ordering {
                order: (0..5).map(|i| format!("i{i}")).collect(),
            },
        ),
    };
    let draft = QuestionDraft {
        prompt: format!("Question {n}"),
        points: 1 + (n % 3) as u32,
        tags: Vec::new(),
        key,
    };
    (draft, answer)
}

/// The right answers to an attempt's questions (each question's prompt names its number).
fn answers_of(view: &attempts::AttemptView) -> Result<Vec<(QuestionId, Answer)>> {
    view.questions
        .iter()
        .map(|q| {
            let n: usize = q.prompt.trim_start_matches("Question ").parse()?;
            Ok((QuestionId::from_uuid(q.id), question(n).1))
        })
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

fn report(placement: &str, what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "quiz {placement:<9} {what:<22} n={:<5} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
        times.len(),
        percentile(&times, 50.0),
        percentile(&times, 99.0),
        percentile(&times, 100.0),
    );
}

/// A tenant with a published course, its 50-question quiz, and `learners` enrolled students.
async fn seed(
    store: &Store,
    slug: &str,
    placement: lyceum_domain::Placement,
    learners: usize,
    rules: AssessmentRules,
) -> Result<(Tenant, Actor, AssessmentId, Vec<Actor>)> {
    let password =
        lyceum_app::identity::NewPassword::choose(crate::bench_api::PASSWORD.to_owned()).await?;
    let mut new = NewTenant::new(Slug::parse(slug)?, "Quiz bench");
    new.plan = Plan::Enterprise;
    new.placement = Some(placement);
    let tenant = store.provision(new).await?;
    let mut tx = store.begin_write(&tenant).await?;
    let admin = bench_seed::admin(&mut tx, tenant.plan, &password).await?;
    let (course, _) = bench_seed::published_course(&mut tx, &admin, 1, 1).await?;
    let input = AssessmentInput {
        kind: AssessmentKind::Quiz,
        title: "Fifty questions".into(),
        instructions: String::new(),
        rules,
        draws: Vec::new(),
    };
    let quiz = assessments::create(&mut tx, &admin, course, input).await?;
    for n in 0..QUESTIONS {
        assessments::add_question(&mut tx, &admin, quiz.id, &question(n).0).await?;
    }
    let mut people = Vec::with_capacity(learners);
    for i in 0..learners {
        let email = format!("learner{i}@bench.test");
        let learner = bench_seed::person(&mut tx, &admin, &email, Role::Student, None).await?;
        enrollments::enroll_in(&mut tx, &admin, course, Some(learner.user), None).await?;
        people.push(learner);
    }
    tx.commit().await?;
    Ok((tenant, admin, quiz.id, people))
}

async fn start(
    store: &Store,
    tenant: &Tenant,
    learner: &Actor,
    quiz: AssessmentId,
) -> Result<attempts::AttemptView> {
    let lock = LearnerLock {
        learner: learner.user,
    };
    let mut tx = store.begin_learner_write(tenant, lock).await?;
    let started = attempts::start(&mut tx, learner, quiz, Utc::now()).await?;
    tx.commit().await?;
    Ok(started.attempt)
}

async fn submit(
    store: &Store,
    tenant: &Tenant,
    learner: &Actor,
    quiz: AssessmentId,
    attempt: &attempts::AttemptView,
    answers: &[(QuestionId, Answer)],
) -> Result<attempts::AttemptView> {
    let lock = LearnerLock {
        learner: learner.user,
    };
    let mut tx = store.begin_learner_write(tenant, lock).await?;
    let id = Some(attempt.summary.id);
    let done = attempts::submit(&mut tx, learner, quiz, id, answers, Utc::now()).await?;
    tx.commit().await?;
    Ok(done)
}

/// Retries of a submit the store answered `TENANT_BUSY` (a second apart).
const MAX_RETRIES: u32 = 30;

/// What the API answers 503 with `Retry-After` for: the store busy with other writes (SQLite's
/// write lock waited for too long) or no connection free in time (the pool's wait ran out).
fn busy(e: &anyhow::Error) -> bool {
    let retryable = |e: &lyceum_store::StoreError| {
        matches!(
            e,
            lyceum_store::StoreError::Busy | lyceum_store::StoreError::Unavailable(_)
        )
    };
    match e.downcast_ref::<lyceum_app::Refusal>() {
        Some(lyceum_app::Refusal::Store(e)) => retryable(e),
        _ => e
            .downcast_ref::<lyceum_store::StoreError>()
            .is_some_and(retryable),
    }
}

pub async fn run(store: &Store, args: &QuizBenchArgs, tag: &str) -> Result<()> {
    let sequential = args.quiz.unwrap_or(100) as usize;
    for &placement in store.placements() {
        let label = placement.to_string();
        // One learner after another: start, save every answer, submit.
        let slug = format!("quiz-{tag}-{placement}-a");
        let (tenant, _, quiz, learners) = seed(
            store,
            &slug,
            placement,
            sequential,
            AssessmentRules::default(),
        )
        .await?;
        let (mut starts, mut saves, mut submits) = (Vec::new(), Vec::new(), Vec::new());
        for learner in &learners {
            let t = Instant::now();
            let attempt = start(store, &tenant, learner, quiz).await?;
            starts.push(t.elapsed());
            let answers = answers_of(&attempt)?;
            let t = Instant::now();
            let lock = LearnerLock {
                learner: learner.user,
            };
            let mut tx = store.begin_learner_write(&tenant, lock).await?;
            attempts::save(&mut tx, learner, attempt.summary.id, &answers, Utc::now()).await?;
            tx.commit().await?;
            saves.push(t.elapsed());
            let t = Instant::now();
            let done = submit(store, &tenant, learner, quiz, &attempt, &[]).await?;
            submits.push(t.elapsed());
            ensure!(
                done.summary.status == SubmissionStatus::Graded
                    && done.summary.score == Some(done.summary.max_score),
                "a right attempt was marked {:?} {:?} of {}",
                done.summary.status,
                done.summary.score,
                done.summary.max_score
            );
        }
        report(&label, "start", starts);
        report(&label, "save 50 answers", saves);
        report(&label, "submit and grade 50", submits);

        // 500 learners at one deadline: attempts started, then every submit at once.
        let slug = format!("quiz-{tag}-{placement}-b");
        let due = Utc::now() + Span::minutes(30);
        let rules = AssessmentRules {
            due_at: Some(due),
            late: LatePolicy::Accept,
            ..AssessmentRules::default()
        };
        let (tenant, admin, quiz, learners) = seed(store, &slug, placement, CROWD, rules).await?;
        let mut attempts_started = Vec::with_capacity(CROWD);
        for learner in &learners {
            let attempt = start(store, &tenant, learner, quiz).await?;
            let answers = answers_of(&attempt)?;
            attempts_started.push((learner.clone(), attempt, answers));
        }
        // The deadline is brought to now: the submits all meet it within the same second.
        let mut tx = store.begin_write(&tenant).await?;
        let change = assessments::AssessmentChange {
            due_at: Some(Some(Utc::now() + Span::seconds(1))),
            ..Default::default()
        };
        assessments::change(&mut tx, &admin, quiz, change).await?;
        tx.commit().await?;
        tokio::time::sleep(Duration::from_millis(900)).await;
        let began = Instant::now();
        let tasks: Vec<_> = attempts_started
            .into_iter()
            .map(|(learner, attempt, answers)| {
                let (store, tenant) = (store.clone(), tenant.clone());
                tokio::spawn(async move {
                    let t = Instant::now();
                    // As an HTTP client would on 503 `TENANT_BUSY` (Retry-After: 1).
                    let mut retries = 0;
                    loop {
                        let done =
                            submit(&store, &tenant, &learner, quiz, &attempt, &answers).await;
                        match done {
                            Err(e) if busy(&e) && retries < MAX_RETRIES => {
                                retries += 1;
                                tokio::time::sleep(Duration::from_secs(1)).await;
                            }
                            done => {
                                let late = done.as_ref().is_ok_and(|d| d.summary.late);
                                let status = done.map(|d| d.summary.status);
                                break (t.elapsed(), status, retries, late);
                            }
                        }
                    }
                })
            })
            .collect();
        let mut times = Vec::with_capacity(CROWD);
        let mut failures = Vec::new();
        let (mut retried, mut late) = (0, 0);
        for task in tasks {
            let (took, done, retries, was_late) = task.await?;
            times.push(took);
            retried += usize::from(retries > 0);
            late += usize::from(was_late);
            match done {
                Ok(SubmissionStatus::Graded) => {}
                Ok(other) => failures.push(format!("marked {other}")),
                Err(e) => failures.push(e.to_string()),
            }
        }
        let wall = began.elapsed();
        report(&label, "500 at the deadline", times);
        println!(
            "quiz {label:<9} 500 submits at once took {:.2} s wall; {retried} retried after a 503 (TENANT_BUSY or no connection free), {late} marked late",
            wall.as_secs_f64()
        );
        if !failures.is_empty() {
            bail!(
                "{} of {CROWD} submits at the deadline failed, first: {}",
                failures.len(),
                failures[0]
            );
        }
        // The database holds each exactly once.
        let mut tx = store.begin(&tenant).await?;
        let all = attempts::of_assessment(&mut tx, &admin, quiz, Utc::now()).await?;
        let graded: HashSet<_> = all
            .iter()
            .filter(|a| a.status == SubmissionStatus::Graded)
            .map(|a| a.id)
            .collect();
        let learners_graded: HashSet<_> = all.iter().map(|a| a.user_id).collect();
        tx.commit().await?;
        let mut tx = store.begin_write(&tenant).await?;
        let pending = dispatch::next_batch(&mut tx, 100_000).await?;
        drop(tx);
        let count = |kind: &str| -> (usize, usize) {
            let of_kind: Vec<_> = pending.iter().filter(|e| e.event_type == kind).collect();
            let ids: HashSet<_> = of_kind
                .iter()
                .filter_map(|e| e.payload.get("submission_id").map(|v| v.to_string()))
                .collect();
            (of_kind.len(), ids.len())
        };
        let submitted = count("assessment.submitted");
        let graded_events = count("assessment.graded");
        println!(
            "quiz {label:<9} at the deadline: attempts {} graded {} learners {} submitted events {} (distinct {}) graded events {} (distinct {})",
            all.len(),
            graded.len(),
            learners_graded.len(),
            submitted.0,
            submitted.1,
            graded_events.0,
            graded_events.1
        );
        if all.len() != CROWD
            || graded.len() != CROWD
            || learners_graded.len() != CROWD
            || submitted != (CROWD, CROWD)
            || graded_events != (CROWD, CROWD)
        {
            bail!(
                "LOST OR DOUBLE-COUNTED SUBMISSIONS at the deadline on {label}: see the line above"
            );
        }
        // A learner's own read agrees.
        let (learner, first) = (&learners[0], &all[0]);
        let mut tx = store.begin(&tenant).await?;
        let own = attempts::read(&mut tx, learner, first.id, Utc::now()).await;
        tx.commit().await?;
        if let Ok(SubmissionRead::Staff(_)) = own {
            bail!("a learner read an attempt as staff");
        }
    }
    Ok(())
}
