-- Learning: course details and prerequisites, enrollment bookkeeping, certificates.

ALTER TABLE courses ADD COLUMN cover_image TEXT;
-- Lower-cased title (Unicode, by the application) for case-insensitive search on both engines.
ALTER TABLE courses ADD COLUMN title_search TEXT NOT NULL DEFAULT '';
UPDATE courses SET title_search = LOWER(title);

CREATE TABLE course_prerequisites (
    tenant_id   UUID NOT NULL,
    course_id   UUID NOT NULL,
    requires_id UUID NOT NULL,
    PRIMARY KEY (tenant_id, course_id, requires_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, requires_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE enrollments ADD COLUMN enrolled_by UUID;
ALTER TABLE enrollments ADD COLUMN last_accessed_at TIMESTAMPTZ;
ALTER TABLE enrollments ADD COLUMN progress_percent INTEGER NOT NULL DEFAULT 0
    CHECK (progress_percent BETWEEN 0 AND 100);
CREATE INDEX enrollments_course_idx ON enrollments (tenant_id, course_id, status);

CREATE INDEX lesson_progress_recent_idx ON lesson_progress (tenant_id, user_id, updated_at);

CREATE TABLE certificates (
    tenant_id     UUID NOT NULL,
    id            UUID NOT NULL,
    code          TEXT NOT NULL,
    enrollment_id UUID NOT NULL,
    user_id       UUID NOT NULL,
    course_id     UUID NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, code),
    UNIQUE (tenant_id, enrollment_id),
    FOREIGN KEY (tenant_id, enrollment_id) REFERENCES enrollments (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id)
);

CREATE INDEX certificates_user_idx ON certificates (tenant_id, user_id);

DO $$
DECLARE
    t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['course_prerequisites', 'certificates']
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
