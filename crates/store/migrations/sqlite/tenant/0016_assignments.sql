-- Assignments: an assignment's own settings (prompt, rubric, expected artifacts; its due date,
-- late policy and passing percent are its `assessments` row's), learners' versions of their
-- work with the rubric grade, the files attached to a version, and per-learner extensions of an
-- assessment's due date (quizzes and exams too). Versions live beside `submissions` rather than
-- in it: a quiz attempt's columns (drawn questions, seed, deadline) mean nothing for handed-in
-- work, and its statuses differ. At most one draft per learner and assessment, version numbers
-- unique per learner. Scores are kept in hundredths of a point. `graded_by`, `granted_by` name
-- users without a foreign key: the record outlives the instructor.
CREATE TABLE assignment_settings (
    tenant_id     BLOB NOT NULL,
    assessment_id BLOB NOT NULL,
    prompt        TEXT NOT NULL DEFAULT '',
    rubric        TEXT NOT NULL DEFAULT '[]',
    artifacts     TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, assessment_id),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE
);


CREATE TABLE assignment_submissions (
    tenant_id     BLOB NOT NULL,
    id            BLOB NOT NULL,
    assessment_id BLOB NOT NULL,
    user_id       BLOB NOT NULL,
    version       INTEGER NOT NULL CHECK (version > 0),
    status        TEXT NOT NULL,
    text_answer   TEXT,
    link          TEXT,
    submitted_at  TEXT,
    late          INTEGER NOT NULL DEFAULT 0,
    score         INTEGER CHECK (score >= 0),
    max_score     INTEGER CHECK (max_score >= 0),
    passed        INTEGER,
    grades        TEXT,
    feedback      TEXT,
    graded_by     BLOB,
    graded_at     TEXT,
    released_at   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, assessment_id, user_id, version),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE UNIQUE INDEX assignment_submissions_draft_idx
    ON assignment_submissions (tenant_id, assessment_id, user_id) WHERE status = 'draft';
CREATE INDEX assignment_submissions_queue_idx
    ON assignment_submissions (tenant_id, assessment_id, status, submitted_at);
CREATE INDEX assignment_submissions_user_idx ON assignment_submissions (tenant_id, user_id);


CREATE TABLE assignment_submission_files (
    tenant_id     BLOB NOT NULL,
    submission_id BLOB NOT NULL,
    file_id       BLOB NOT NULL,
    position      INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, submission_id, file_id),
    FOREIGN KEY (tenant_id, submission_id) REFERENCES assignment_submissions (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, file_id) REFERENCES files (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX assignment_submission_files_file_idx ON assignment_submission_files (tenant_id, file_id);


CREATE TABLE extensions (
    tenant_id     BLOB NOT NULL,
    id            BLOB NOT NULL,
    assessment_id BLOB NOT NULL,
    user_id       BLOB NOT NULL,
    due_at        TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    granted_by    BLOB,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, assessment_id, user_id),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

