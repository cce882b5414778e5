# The instructors' and admins' pages: teaching, the course builder, enrollment reports and
# the people of the tenant.

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

## The builder

builder-title = Edit { $course }
builder-status = Status:
builder-publish = Publish
builder-archive = Archive
builder-add-lesson-to = Add a lesson to { $module }
builder-lesson-title = Lesson title
builder-lesson-text = Text (Markdown)
builder-add-lesson = Add the lesson
builder-new-module = Add a module
builder-module-title = Module title
builder-add-module = Add the module
builder-bulk = Enroll learners from a list
builder-bulk-help = Paste CSV with a header row: an email column and, if you like, a due_at column (YYYY-MM-DD). The course must be published; each row gets its own result.
builder-bulk-field = Learners (CSV)
builder-bulk-submit = Enroll them
builder-learners = Learners
builder-no-learners = Nobody is enrolled yet.
builder-learners-caption = Progress of the course's learners
builder-learner = Learner
builder-learner-status = Status
builder-learner-progress = Progress

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
people-usage = Plan { $plan }: { $students ->
    [one] { $students } student
   *[other] { $students } students
}.
people-usage-limited = Plan { $plan }: { $students } of { $max ->
    [one] { $max } student
   *[other] { $max } students
}.
people-invitation = Invitation created. Pass this link on to the person (it works once, for 7 days):
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
people-invite = Invite a person
people-invite-submit = Invite
