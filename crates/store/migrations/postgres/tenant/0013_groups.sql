-- Groups (cohorts): named sets of a tenant's people, for enrolling them together and reading
-- reports by group. A name is unique in its tenant, whatever the case (`name_key` holds it
-- lower-cased). A person may belong to many groups; deleting a group or a user deletes the
-- memberships. `created_by` and `added_by` name users without a foreign key: the record
-- outlives the admin.
CREATE TABLE groups (
    tenant_id  UUID NOT NULL,
    id         UUID NOT NULL,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL,
    created_by UUID,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name_key)
);

SELECT lyceum_isolate_tenant_table('groups');

CREATE TABLE group_members (
    tenant_id UUID NOT NULL,
    group_id  UUID NOT NULL,
    user_id   UUID NOT NULL,
    added_by  UUID,
    added_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);

CREATE INDEX group_members_user_idx ON group_members (tenant_id, user_id);

SELECT lyceum_isolate_tenant_table('group_members');
