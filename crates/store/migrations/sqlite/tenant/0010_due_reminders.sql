-- The due date a learner was last reminded of by e-mail (NULL: never), so that the daily
-- reminder job writes once per enrollment and due date, and again when the due date moves.
ALTER TABLE enrollments ADD COLUMN reminded_due_at TEXT;
