-- Files kept in object storage: a course's documents, images and cover (later a submission's
-- attachments, a brand's images). The row is written after the object, in the transaction
-- that records `file.uploaded`; the object's key (`object_key`) begins with the tenant's id and
-- is never made from the sender's file name, which is kept as metadata (`name`). `size_bytes`
-- counts against the plan's storage quota. A course's files go with the course. `owner_id`
-- (whose submission) and `created_by` name users without a foreign key: the record outlives
-- the person.
CREATE TABLE files (
    tenant_id    UUID NOT NULL,
    id           UUID NOT NULL,
    purpose      TEXT NOT NULL,
    course_id    UUID,
    owner_id     UUID,
    object_key   TEXT NOT NULL,
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL CHECK (size_bytes >= 0),
    sha256       TEXT NOT NULL,
    created_by   UUID,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, object_key),
    FOREIGN KEY (tenant_id, course_id) REFERENCES courses (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX files_course_idx ON files (tenant_id, course_id, created_at);

SELECT lyceum_isolate_tenant_table('files');
