-- Tenant tables. Every table: tenant_id first in the primary key and every unique constraint,
-- composite foreign keys on (tenant_id, ...). SQLite has no row-level security: each tenant has
-- its own file, and the tenant-scoped handle adds the tenant predicate to every query.

CREATE TABLE users (
    tenant_id     BLOB NOT NULL,
    id            BLOB NOT NULL,
    email         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('student', 'instructor', 'admin')),
    password_hash TEXT,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'invited', 'deactivated')),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE courses (
    tenant_id      BLOB NOT NULL,
    id             BLOB NOT NULL,
    slug           TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    max_enrollment INTEGER CHECK (max_enrollment IS NULL OR max_enrollment > 0),
    settings       TEXT NOT NULL DEFAULT '{}',
    published_at   TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug)
);

CREATE INDEX courses_status_idx ON courses (tenant_id, status, id);

CREATE TABLE course_instructors (
    tenant_id BLOB NOT NULL,
    course_id BLOB NOT NULL,
    user_id   BLOB NOT NULL,
    PRIMARY KEY (tenant_id, course_id, user_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE INDEX course_instructors_user_idx ON course_instructors (tenant_id, user_id);

CREATE TABLE modules (
    tenant_id       BLOB NOT NULL,
    id              BLOB NOT NULL,
    course_id       BLOB NOT NULL,
    title           TEXT NOT NULL,
    position        INTEGER NOT NULL CHECK (position >= 0),
    completion_rule TEXT NOT NULL DEFAULT '{"kind":"all"}',
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX modules_course_idx ON modules (tenant_id, course_id, position);

CREATE TABLE lessons (
    tenant_id        BLOB NOT NULL,
    id               BLOB NOT NULL,
    module_id        BLOB NOT NULL,
    title            TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('video', 'text', 'quiz', 'assignment')),
    position         INTEGER NOT NULL CHECK (position >= 0),
    content          TEXT NOT NULL DEFAULT '[]',
    duration_seconds INTEGER CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    release_rule     TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, module_id) REFERENCES modules (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX lessons_module_idx ON lessons (tenant_id, module_id, position);

CREATE TABLE enrollments (
    tenant_id    BLOB NOT NULL,
    id           BLOB NOT NULL,
    course_id    BLOB NOT NULL,
    user_id      BLOB NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'dropped')),
    due_at       TEXT,
    enrolled_at  TEXT NOT NULL,
    completed_at TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, course_id, user_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE INDEX enrollments_user_idx ON enrollments (tenant_id, user_id);

CREATE TABLE lesson_progress (
    tenant_id    BLOB NOT NULL,
    user_id      BLOB NOT NULL,
    lesson_id    BLOB NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed')),
    percent      INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    started_at   TEXT NOT NULL,
    completed_at TEXT,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, lesson_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, lesson_id) REFERENCES lessons (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX lesson_progress_lesson_idx ON lesson_progress (tenant_id, lesson_id);

CREATE TABLE outbox_events (
    tenant_id    BLOB NOT NULL,
    id           BLOB NOT NULL,
    event_type   TEXT NOT NULL,
    aggregate_id BLOB NOT NULL,
    payload      TEXT NOT NULL,
    occurred_at  TEXT NOT NULL,
    delivered_at TEXT,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX outbox_events_pending_idx ON outbox_events (tenant_id, id) WHERE delivered_at IS NULL;
