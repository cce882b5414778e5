-- The gradebook: a course's grade categories ("Quizzes", weight 40), which category each
-- assessment belongs to (at most one; none leaves it in the implicit category of uncategorised
-- assessments), and a course's grading settings (the course's passing percent, whether work
-- missing after its due date counts as zero). Weights are kept in hundredths (0 to 1,000).
-- Results are not stored: the gradebook reads them from `submissions`.
CREATE TABLE grade_categories (
    tenant_id  UUID NOT NULL,
    id         UUID NOT NULL,
    course_id  UUID NOT NULL,
    name       TEXT NOT NULL,
    weight     INTEGER NOT NULL CHECK (weight BETWEEN 0 AND 100000),
    position   INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX grade_categories_course_idx ON grade_categories (tenant_id, course_id, position);

SELECT lyceum_isolate_tenant_table('grade_categories');

CREATE TABLE assessment_categories (
    tenant_id     UUID NOT NULL,
    assessment_id UUID NOT NULL,
    category_id   UUID NOT NULL,
    PRIMARY KEY (tenant_id, assessment_id),
    FOREIGN KEY (tenant_id, assessment_id) REFERENCES assessments (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, category_id) REFERENCES grade_categories (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX assessment_categories_category_idx ON assessment_categories (tenant_id, category_id);

SELECT lyceum_isolate_tenant_table('assessment_categories');

CREATE TABLE course_grading (
    tenant_id              UUID NOT NULL,
    course_id              UUID NOT NULL,
    passing_percent        INTEGER CHECK (passing_percent BETWEEN 0 AND 100),
    missing_counts_as_zero BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at             TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, course_id),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

SELECT lyceum_isolate_tenant_table('course_grading');
