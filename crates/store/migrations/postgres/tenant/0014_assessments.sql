-- Assessments: quizzes, exams and assignments of a course, their questions (with answer keys),
-- question banks drawn from at random, and learners' attempts (submissions) with their answers.
-- An attempt keeps a copy of the questions it was drawn with (`questions`), so a question edited
-- later changes no attempt already started. Scores are kept in hundredths of a point. At most
-- one attempt of a learner is in progress per assessment, and attempt numbers are unique per
-- learner: concurrent starts cannot pass the attempt limit. `created_by` and `graded_by` name
-- users without a foreign key: the record outlives the instructor.
CREATE TABLE assessments (
    tenant_id          UUID NOT NULL,
    id                 UUID NOT NULL,
    course_id          UUID NOT NULL,
    kind               TEXT NOT NULL,
    title              TEXT NOT NULL,
    instructions       TEXT NOT NULL DEFAULT '',
    passing_percent    INTEGER NOT NULL CHECK (passing_percent BETWEEN 0 AND 100),
    time_limit_seconds INTEGER CHECK (time_limit_seconds > 0),
    max_attempts       INTEGER CHECK (max_attempts > 0),
    available_from     TIMESTAMPTZ,
    available_until    TIMESTAMPTZ,
    due_at             TIMESTAMPTZ,
    shuffle_questions  BOOLEAN NOT NULL,
    shuffle_options    BOOLEAN NOT NULL,
    review_policy      TEXT NOT NULL,
    counted_attempt    TEXT NOT NULL,
    late_policy        TEXT NOT NULL,
    created_by         UUID,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX assessments_course_idx ON assessments (tenant_id, course_id);

SELECT lyceum_isolate_tenant_table('assessments');

CREATE TABLE question_banks (
    tenant_id  UUID NOT NULL,
    id         UUID NOT NULL,
    course_id  UUID NOT NULL,
    title      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX question_banks_course_idx ON question_banks (tenant_id, course_id);

SELECT lyceum_isolate_tenant_table('question_banks');

-- A question belongs to an assessment or to a bank, never both.
CREATE TABLE questions (
    tenant_id     UUID NOT NULL,
    id            UUID NOT NULL,
    assessment_id UUID,
    bank_id       UUID,
    position      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    prompt        TEXT NOT NULL,
    points        INTEGER NOT NULL CHECK (points >= 0),
    tags          JSONB NOT NULL DEFAULT '[]',
    answer_key    JSONB NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK ((assessment_id IS NULL) <> (bank_id IS NULL)),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, bank_id) REFERENCES question_banks (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX questions_assessment_idx ON questions (tenant_id, assessment_id, position);
CREATE INDEX questions_bank_idx ON questions (tenant_id, bank_id, position);

SELECT lyceum_isolate_tenant_table('questions');

-- Each attempt at an assessment draws `count` questions at random from a bank.
CREATE TABLE assessment_draws (
    tenant_id     UUID NOT NULL,
    assessment_id UUID NOT NULL,
    bank_id       UUID NOT NULL,
    count         INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (tenant_id, assessment_id, bank_id),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, bank_id) REFERENCES question_banks (tenant_id, id) ON DELETE CASCADE
);

SELECT lyceum_isolate_tenant_table('assessment_draws');

CREATE TABLE submissions (
    tenant_id     UUID NOT NULL,
    id            UUID NOT NULL,
    assessment_id UUID NOT NULL,
    user_id       UUID NOT NULL,
    attempt       INTEGER NOT NULL CHECK (attempt > 0),
    status        TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    deadline_at   TIMESTAMPTZ,
    submitted_at  TIMESTAMPTZ,
    late          BOOLEAN NOT NULL DEFAULT FALSE,
    seed          BIGINT NOT NULL,
    questions     JSONB NOT NULL,
    score         INTEGER,
    max_score     INTEGER NOT NULL,
    passed        BOOLEAN,
    graded_at     TIMESTAMPTZ,
    graded_by     UUID,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, assessment_id, user_id, attempt),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX submissions_in_progress_idx ON submissions (tenant_id, assessment_id, user_id)
    WHERE status = 'in_progress';
CREATE INDEX submissions_user_idx ON submissions (tenant_id, user_id);
CREATE INDEX submissions_grading_idx ON submissions (tenant_id, assessment_id, status);

SELECT lyceum_isolate_tenant_table('submissions');

CREATE TABLE submission_answers (
    tenant_id     UUID NOT NULL,
    submission_id UUID NOT NULL,
    question_id   UUID NOT NULL,
    answer        JSONB NOT NULL,
    score         INTEGER,
    needs_grading BOOLEAN NOT NULL DEFAULT FALSE,
    feedback      TEXT,
    graded_by     UUID,
    graded_at     TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, submission_id, question_id),
    FOREIGN KEY (tenant_id, submission_id) REFERENCES submissions (tenant_id, id) ON DELETE CASCADE
);

SELECT lyceum_isolate_tenant_table('submission_answers');
