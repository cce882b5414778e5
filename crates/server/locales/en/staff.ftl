# The instructors' and admins' pages: teaching, a new course, enrollment reports and the
# people of the tenant (the course builder is in builder.ftl).

## Teaching

teach-title = Teaching
teach-new-course = New course
teach-empty = No course yet. Start one.
teach-caption = Courses you can edit
teach-course = Course
teach-status = Status

## A new course

new-course-title = New course
new-course-field-title = Title
new-course-slug = Address name
new-course-slug-hint = (lower-case letters, digits and hyphens)
new-course-description = Description
new-course-create = Create the course

## The enrollment report

import-title = Enrollment report
import-summary = { $created } enrolled, { $already } already enrolled, { $failed } failed.
import-failed-caption = Rows that failed
import-line = Line
import-email = E-mail
import-why = Why
import-back = Back to the course

## People

people-title = People
people-storage = Files stored: { $used } MB.
people-storage-limited = Files stored: { $used } MB of { $max } MB.
people-usage = Plan { $plan }: { $students ->
    [one] { $students } student
   *[other] { $students } students
}.
people-usage-limited = Plan { $plan }: { $students } of { $max ->
    [one] { $max } student
   *[other] { $max } students
}.
people-search-label = Search people by name or e-mail
people-search = Search
people-nobody = Nobody is here yet.
people-none-matching = Nobody matches “{ $query }”.
people-caption-matching = People matching “{ $query }”
people-more = More people
people-invitation = Invitation created and sent by mail. You can also pass this link on to the person (it works once, for 7 days):
people-caption = People of { $tenant }
people-name = Name
people-email = E-mail
people-role = Role
people-status = Status
people-change = Change
people-role-of = Role of { $person }
people-set-role = Set role
people-invite-again = Invite again
people-deactivate = Deactivate
people-reactivate = Reactivate
people-unlock = Unlock sign-in
people-invite = Invite a person
people-invite-submit = Invite

log-title = Audit log
log-lead = Sign-ins, failed sign-ins and the changes admins and course staff made, newest first. Each entry is chained to the one before it, so an entry changed or removed later is found by the operator's check.
log-filter = Filter
log-actor = Who
log-actor-hint = (e-mail or user id)
log-action = Action
log-any-action = Any action
log-from = From
log-to = To
log-day-hint = (a day, included)
log-download = Download CSV
log-none = No entry matches.
log-caption = Audit entries, newest first
log-seq = #
log-when = When
log-about = About
log-origin = From where
log-change = Change
log-older = Older entries
