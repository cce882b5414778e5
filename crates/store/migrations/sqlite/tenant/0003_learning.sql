-- Learning: course details and prerequisites, enrollment bookkeeping, certificates.

ALTER TABLE courses ADD COLUMN cover_image TEXT;
-- Lower-cased title (Unicode, by the application) for case-insensitive search on both engines.
ALTER TABLE courses ADD COLUMN title_search TEXT NOT NULL DEFAULT '';
UPDATE courses SET title_search = LOWER(title);

CREATE TABLE course_prerequisites (
    tenant_id   BLOB NOT NULL,
    course_id   BLOB NOT NULL,
    requires_id BLOB NOT NULL,
    PRIMARY KEY (tenant_id, course_id, requires_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, requires_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE enrollments ADD COLUMN enrolled_by BLOB;
ALTER TABLE enrollments ADD COLUMN last_accessed_at TEXT;
ALTER TABLE enrollments ADD COLUMN progress_percent INTEGER NOT NULL DEFAULT 0
    CHECK (progress_percent BETWEEN 0 AND 100);
CREATE INDEX enrollments_course_idx ON enrollments (tenant_id, course_id, status);

CREATE INDEX lesson_progress_recent_idx ON lesson_progress (tenant_id, user_id, updated_at);

CREATE TABLE certificates (
    tenant_id     BLOB NOT NULL,
    id            BLOB NOT NULL,
    code          TEXT NOT NULL,
    enrollment_id BLOB NOT NULL,
    user_id       BLOB NOT NULL,
    course_id     BLOB NOT NULL,
    issued_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, enrollment_id),
    FOREIGN KEY (tenant_id, enrollment_id) REFERENCES enrollments (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id)
);

CREATE INDEX certificates_user_idx ON certificates (tenant_id, user_id);
