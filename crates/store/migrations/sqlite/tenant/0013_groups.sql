-- Groups (cohorts): named sets of a tenant's people, for enrolling them together and reading
-- reports by group. A name is unique in its tenant, whatever the case (`name_key` holds it
-- lower-cased). A person may belong to many groups; deleting a group or a user deletes the
-- memberships. `created_by` and `added_by` name users without a foreign key: the record
-- outlives the admin.
CREATE TABLE groups (
    tenant_id  BLOB NOT NULL,
    id         BLOB NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name_key)
);

CREATE TABLE group_members (
    tenant_id BLOB NOT NULL,
    group_id  BLOB NOT NULL,
    user_id   BLOB NOT NULL,
    added_by  BLOB,
    added_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX group_members_user_idx ON group_members (tenant_id, user_id);
