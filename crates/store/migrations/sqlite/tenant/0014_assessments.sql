-- Assessments: quizzes, exams and assignments of a course, their questions (with answer keys),
-- question banks drawn from at random, and learners' attempts (submissions) with their answers.
-- An attempt keeps a copy of the questions it was drawn with (`questions`), so a question edited
-- later changes no attempt already started. Scores are kept in hundredths of a point. At most
-- one attempt of a learner is in progress per assessment, and attempt numbers are unique per
-- learner: concurrent starts cannot pass the attempt limit. `created_by` and `graded_by` name
-- users without a foreign key: the record outlives the instructor.
CREATE TABLE assessments (
    tenant_id          BLOB NOT NULL,
    id                 BLOB NOT NULL,
    course_id          BLOB NOT NULL,
    kind               TEXT NOT NULL,
    title              TEXT NOT NULL,
    instructions       TEXT NOT NULL DEFAULT '',
    passing_percent    INTEGER NOT NULL CHECK (passing_percent BETWEEN 0 AND 100),
    time_limit_seconds INTEGER CHECK (time_limit_seconds > 0),
    max_attempts       INTEGER CHECK (max_attempts > 0),
    available_from     TEXT,
    available_until    TEXT,
    due_at             TEXT,
    shuffle_questions  INTEGER NOT NULL,
    shuffle_options    INTEGER NOT NULL,
    review_policy      TEXT NOT NULL,
    counted_attempt    TEXT NOT NULL,
    late_policy        TEXT NOT NULL,
    created_by         BLOB,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX assessments_course_idx ON assessments (tenant_id, course_id);


CREATE TABLE question_banks (
    tenant_id  BLOB NOT NULL,
    id         BLOB NOT NULL,
    course_id  BLOB NOT NULL,
    title      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX question_banks_course_idx ON question_banks (tenant_id, course_id);


-- A question belongs to an assessment or to a bank, never both.
CREATE TABLE questions (
    tenant_id     BLOB NOT NULL,
    id            BLOB NOT NULL,
    assessment_id BLOB,
    bank_id       BLOB,
    position      INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    prompt        TEXT NOT NULL,
    points        INTEGER NOT NULL CHECK (points >= 0),
    tags          TEXT NOT NULL DEFAULT '[]',
    answer_key    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CHECK ((assessment_id IS NULL) <> (bank_id IS NULL)),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, bank_id) REFERENCES question_banks (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX questions_assessment_idx ON questions (tenant_id, assessment_id, position);
CREATE INDEX questions_bank_idx ON questions (tenant_id, bank_id, position);


-- Each attempt at an assessment draws `count` questions at random from a bank.
CREATE TABLE assessment_draws (
    tenant_id     BLOB NOT NULL,
    assessment_id BLOB NOT NULL,
    bank_id       BLOB NOT NULL,
    count         INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (tenant_id, assessment_id, bank_id),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, bank_id) REFERENCES question_banks (tenant_id, id) ON DELETE CASCADE
);


CREATE TABLE submissions (
    tenant_id     BLOB NOT NULL,
    id            BLOB NOT NULL,
    assessment_id BLOB NOT NULL,
    user_id       BLOB NOT NULL,
    attempt       INTEGER NOT NULL CHECK (attempt > 0),
    status        TEXT NOT NULL,
    started_at    TEXT NOT NULL,
    deadline_at   TEXT,
    submitted_at  TEXT,
    late          INTEGER NOT NULL DEFAULT 0,
    seed          INTEGER NOT NULL,
    questions     TEXT NOT NULL,
    score         INTEGER,
    max_score     INTEGER NOT NULL,
    passed        INTEGER,
    graded_at     TEXT,
    graded_by     BLOB,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, assessment_id, user_id, attempt),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX submissions_in_progress_idx ON submissions (tenant_id, assessment_id, user_id)
    WHERE status = 'in_progress';
CREATE INDEX submissions_user_idx ON submissions (tenant_id, user_id);
CREATE INDEX submissions_grading_idx ON submissions (tenant_id, assessment_id, status);


CREATE TABLE submission_answers (
    tenant_id     BLOB NOT NULL,
    submission_id BLOB NOT NULL,
    question_id   BLOB NOT NULL,
    answer        TEXT NOT NULL,
    score         INTEGER,
    needs_grading INTEGER NOT NULL DEFAULT 0,
    feedback      TEXT,
    graded_by     BLOB,
    graded_at     TEXT,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, submission_id, question_id),
    FOREIGN KEY (tenant_id, submission_id) REFERENCES submissions (tenant_id, id) ON DELETE CASCADE
);

