-- Tenant tables. Every table: tenant_id first in the primary key and every unique constraint,
-- composite foreign keys on (tenant_id, ...), row-level security enabled and forced with a
-- restrictive tenant policy (see the DO block at the end).

CREATE TABLE users (
    tenant_id     UUID NOT NULL,
    id            UUID NOT NULL,
    email         TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('student', 'instructor', 'admin')),
    password_hash TEXT,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'invited', 'deactivated')),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);

CREATE TABLE courses (
    tenant_id      UUID NOT NULL,
    id             UUID NOT NULL,
    slug           TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    max_enrollment INTEGER CHECK (max_enrollment IS NULL OR max_enrollment > 0),
    settings       JSONB NOT NULL DEFAULT '{}',
    published_at   TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, slug)
);

CREATE INDEX courses_status_idx ON courses (tenant_id, status, id);

CREATE TABLE course_instructors (
    tenant_id UUID NOT NULL,
    course_id UUID NOT NULL,
    user_id   UUID NOT NULL,
    PRIMARY KEY (tenant_id, course_id, user_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE INDEX course_instructors_user_idx ON course_instructors (tenant_id, user_id);

CREATE TABLE modules (
    tenant_id       UUID NOT NULL,
    id              UUID NOT NULL,
    course_id       UUID NOT NULL,
    title           TEXT NOT NULL,
    position        INTEGER NOT NULL CHECK (position >= 0),
    completion_rule JSONB NOT NULL DEFAULT '{"kind":"all"}',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX modules_course_idx ON modules (tenant_id, course_id, position);

CREATE TABLE lessons (
    tenant_id        UUID NOT NULL,
    id               UUID NOT NULL,
    module_id        UUID NOT NULL,
    title            TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('video', 'text', 'quiz', 'assignment')),
    position         INTEGER NOT NULL CHECK (position >= 0),
    content          JSONB NOT NULL DEFAULT '[]',
    duration_seconds INTEGER CHECK (duration_seconds IS NULL OR duration_seconds >= 0),
    release_rule     JSONB,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, module_id) REFERENCES modules (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX lessons_module_idx ON lessons (tenant_id, module_id, position);

CREATE TABLE enrollments (
    tenant_id    UUID NOT NULL,
    id           UUID NOT NULL,
    course_id    UUID NOT NULL,
    user_id      UUID NOT NULL,
    status       TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'dropped')),
    due_at       TIMESTAMPTZ,
    enrolled_at  TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, course_id, user_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE INDEX enrollments_user_idx ON enrollments (tenant_id, user_id);

CREATE TABLE lesson_progress (
    tenant_id    UUID NOT NULL,
    user_id      UUID NOT NULL,
    lesson_id    UUID NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed')),
    percent      INTEGER NOT NULL CHECK (percent BETWEEN 0 AND 100),
    started_at   TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, user_id, lesson_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, lesson_id) REFERENCES lessons (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX lesson_progress_lesson_idx ON lesson_progress (tenant_id, lesson_id);

CREATE TABLE outbox_events (
    tenant_id    UUID NOT NULL,
    id           UUID NOT NULL,
    event_type   TEXT NOT NULL,
    aggregate_id UUID NOT NULL,
    payload      JSONB NOT NULL,
    occurred_at  TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX outbox_events_pending_idx ON outbox_events (tenant_id, id) WHERE delivered_at IS NULL;

-- Row-level security on every table created above. A restrictive policy ANDs with anything a
-- later migration adds, so no policy can ever widen access across tenants; the permissive one
-- is what grants access at all (RLS with only restrictive policies shows nothing).
DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['users', 'courses', 'course_instructors', 'modules', 'lessons',
                             'enrollments', 'lesson_progress', 'outbox_events']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I AS RESTRICTIVE FOR ALL
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
        EXECUTE format($p$CREATE POLICY tenant_access ON %I AS PERMISSIVE FOR ALL
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$$;
