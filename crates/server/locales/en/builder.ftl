# The course builder: a course's page, its details and prerequisites, a module's form, the
# lesson editor, the confirmations before deleting, and the messages of their forms.

## A course's page

builder-title = Edit { $course }
builder-status = Status:
builder-edit-details = Edit details, instructors and prerequisites
builder-cover-none = No cover image yet.
builder-cover-change = The course's cover, shown in the catalog and on its page.
builder-cover-upload = Upload a cover (the latest one uploaded is the cover)
builder-publish = Publish
builder-archive = Archive
builder-delete-course = Delete the course
builder-back = Back to the course
builder-rule-all = Completed when the learner completes every lesson.
builder-rule-at-least = Completed when the learner completes at least { $count } of its lessons.
builder-rule-required = Completed when the learner completes { $count ->
    [one] its 1 required lesson
   *[other] its { $count } required lessons
}.
builder-edit-module = Edit the module
builder-delete-module = Delete the module
builder-move-up = Move up
builder-move-down = Move down
builder-delete = Delete
# After a button's word, for screen readers: "Move up the module Basics".
builder-the-module = the module { $module }
builder-the-lesson = the lesson { $lesson }
builder-new-lesson-in = New lesson in { $module }:
builder-new-text-lesson = text and images
builder-new-video-lesson = video
builder-add-text-lesson-to = Add a text lesson to { $module }
builder-lesson-title = Lesson title
builder-lesson-text = Text (Markdown)
builder-add-lesson = Add the lesson
builder-new-module = Add a module
builder-module-title = Module title
builder-add-module = Add the module
builder-bulk = Enroll learners from a file
builder-bulk-help = A CSV file with a header row: an email column and, if you like, a due_at column (YYYY-MM-DD); at most 8 MiB. The course must be published; each row gets its own result.
builder-bulk-field = Learners (CSV file)
builder-bulk-submit = Enroll them
builder-learners = Learners
builder-no-learners = Nobody is enrolled yet.
builder-learners-caption = Progress of the course's learners
builder-learner = Learner
builder-learner-status = Status
builder-learner-progress = Progress
builder-learner-completed = Completed
builder-learner-due = Due

## A course's details and prerequisites

details-title = Details of { $course }
details-heading = Details, instructors and prerequisites
details-field-title = Title
details-description = Description
details-prerequisites = Prerequisites: courses a learner completes before enrolling
# $cycle: the courses' titles, joined by arrows.
details-cycle = These prerequisites would go round in a circle: { $cycle }. Leave one out.
details-no-choice = There is no other course to choose.
details-save = Save the details
details-slug = Address name
details-slug-hint = In the course's address: lower-case letters, digits and hyphens.
details-seats = Seats
details-seats-hint = The most learners it takes. Leave it empty for no limit.
details-seats-invalid = Type a whole number of seats, 1 or more, or leave it empty.
details-instructors = Instructors: who teaches the course, edits it and grades its learners

## A module

module-title = Edit { $module }
module-heading = Edit the module
module-field-title = Title
module-rule = The module is completed when the learner completes
module-rule-all = every lesson
module-rule-at-least = at least this many lessons:
module-count = Number of lessons
module-rule-required = the lessons chosen here (the others are optional):
module-no-lessons = The module has no lessons yet.
module-save = Save the module

## The lesson editor

editor-new-title = New lesson in { $module }
editor-edit-title = Edit { $lesson }
editor-edit-heading = Edit the lesson { $lesson }
editor-waits-for-assessments = This lesson is an assignment. Assignment lessons are edited here once assignments are built; until then, change them over the API.
editor-delete = Delete the lesson
editor-field-title = Title
editor-save = Save the lesson
editor-kind = Kind
editor-kind-text = Text and images
editor-kind-video = Video
editor-kind-quiz = Quiz
editor-kind-assignment = Assignment (waits for assessments)
editor-kind-hint = A text lesson holds text and images, at least one text block; a video lesson holds one video, with text and images if you like. After changing the kind, add the blocks it needs.
editor-release = When it opens to learners
editor-release-none = at once
editor-release-after = once the learner has completed the lesson before it
editor-release-on-date = from a date:
editor-release-at = Date and time it opens ({ $zone })
editor-zone = ({ $zone })
editor-content = Content
editor-no-blocks = No content yet: add a block below.
editor-block-text = Block { $number }: text
editor-block-image = Block { $number }: image
editor-block-video = Block { $number }: video
editor-markdown = Text (Markdown)
editor-image-address = Image address
editor-video-address = Video address
editor-address-hint = (https://…, or a path on this site)
editor-alt = What the image shows
editor-alt-hint = (for people who cannot see it)
editor-seconds = Length in seconds
editor-remove = Remove
# After a button's word, for screen readers: "Move up block 2".
editor-the-block = block { $number }
editor-add-markdown = Add a text block
editor-add-image = Add an image
editor-add-video = Add the video

## Before deleting

confirm-title = Delete { $name }
confirm-course-heading = Delete the course “{ $name }”?
confirm-course-text = The course, its modules and lessons are deleted for good. (A course that has learners is archived instead, so nobody's record is lost.)
confirm-delete-course = Delete the course
confirm-module-heading = Delete the module “{ $name }”?
confirm-module-text = The module and all its lessons are deleted for good, with the learners' progress on them.
confirm-delete-module = Delete the module
confirm-lesson-heading = Delete the lesson “{ $name }”?
confirm-lesson-text = The lesson is deleted for good, with the learners' progress on it.
confirm-delete-lesson = Delete the lesson
confirm-keep = Keep it

## The forms' own messages (the use cases' refusals are in refusals.ftl)

form-release-date = Give the date and time the lesson opens, in the organisation's time zone, such as 2030-01-31 09:00.
form-lesson-count = Give the number of lessons, 1 or more.
form-required-lessons = Choose the lessons that must be completed.
form-unknown-choice = That choice is not offered; reload the page and choose again.

## A course's files

builder-files = Files and images
files-title = Files of { $course }
files-intro = Documents and images for the course's lessons, and its cover. Learners enrolled in the course open them through links that expire; to show an image in a lesson, give its image block the file's reference as its address.
files-none = No files yet.
files-caption = The files of { $course }
files-name = Name
files-kind = Kind
files-size = Size
files-reference = Reference for lessons
files-purpose-file = Document or image for lessons
files-purpose-cover = Course cover (an image)
files-bytes = { $bytes } bytes
files-upload = Upload a file
files-file = File
files-file-hint = PDF, office documents, plain text, CSV, Markdown, PNG, JPEG, GIF or WebP
files-upload-submit = Upload

## A learner's enrollment, as the course's staff manage it.
roster-title = { $name } in this course
roster-back = Back to the course
roster-manage = Manage
roster-email = Email
roster-enrolled = Enrolled
roster-due-heading = Due date
roster-due-label = Complete the course by
roster-due-hint = In the organisation's time zone. Leave it empty for no due date.
roster-due-save = Save the due date
roster-due-invalid = Type a date and time (for example 2026-12-31T17:00), or leave it empty.
roster-drop-heading = Drop from the course
roster-drop-text = The learner leaves the course: it is no longer on their dashboard, and their progress stays on record. They can enroll again if the course lets them.
roster-drop = Drop this learner
