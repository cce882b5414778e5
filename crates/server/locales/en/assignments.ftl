# Assignments: a learner's page, the grading queue and the grading page.

assignment-open = Open the assignment
assignment-due = Due { $date }
assignment-extended = extended for you
# $max is the rubric's maximum score.
assignment-rubric = Rubric ({ $max } points)
assignment-level = Level
assignment-points = Points
assignment-criterion = Criterion
assignment-comment = Feedback
assignment-your-work = Your work
assignment-text = Your answer
assignment-link = A link to your work
assignment-save = Save the draft
assignment-files = Files
assignment-file = File
# $types lists the accepted content types, $count how many files a version holds at most.
assignment-file-hint = ({ $types }; at most { $count })
assignment-upload = Attach the file
assignment-submit = Hand in version { $version }
assignment-versions = Your versions
assignment-no-versions = Nothing handed in yet.
assignment-version = Version { $version }
assignment-submitted-at = Handed in { $date }
assignment-returned = Sent back for another version: { $feedback }
assignment-grade = { $score } of { $max } points
assignment-passed = Passed.
assignment-not-passed = Not passed yet.
assignment-feedback = Feedback per criterion
assignment-status-draft = draft
assignment-status-submitted = handed in
assignment-status-late = late
assignment-status-graded = graded
assignment-status-returned = sent back
assignment-extension-invalid = Choose a learner and a date and time.

grading-link = Grading
grading-title = Grading: { $course }
grading-queue = Waiting for a grade
grading-queue-empty = Nothing waits for a grade.
grading-queue-caption = Work handed in, oldest first
grading-learner = Learner
grading-assignment = Assignment
grading-version = Version
grading-submitted = Handed in
grading-release-all = Release every graded grade
grading-extensions = Extensions
grading-revoke = Take back
grading-extension-due = New due date
grading-extension-reason = Reason
grading-extension-grant = Give the extension

grade-title = { $learner }: { $assignment }
grade-back = Back to grading
grade-released = released
grade-unreleased = not released yet
grade-points-override = Other points (optional)
grade-overall = Overall feedback
grade-save = Save the grade
grade-release = Release the grade
grade-return-feedback = Why it goes back
grade-return = Send back for another version

refusal-assignment-not-passed = This lesson is completed by a passing grade on its assignment.
refusal-not-an-assignment = Only an assignment takes handed-in work.
refusal-nothing-to-submit = Write a draft before handing it in.
refusal-empty-submission = The draft holds no answer, link or file.
refusal-too-many-files = This version holds as many files as it may; remove one first.
refusal-no-rubric = This assignment has no rubric to grade against.
refusal-unknown-criterion = The rubric has no such criterion.
refusal-unknown-level = This criterion has no such level.
refusal-incomplete-grade = Choose a level for every criterion.
refusal-not-graded = Grade this work before releasing its grade.
refusal-already-released = This grade was released already.
refusal-invalid-extension = An extension's date must be in the future and after the assignment's due date.
refusal-draft-conflict = Another draft was started at the same moment; try again.

# The assignment editor (course staff) and the rubric averages of a course.
assignment-edit-assignment-link = Edit the assignment
assignment-edit-assignment-title = Edit the assignment: { $assignment }
assignment-edit-assignment-course = Course: { $course }
assignment-edit-assignment-preview = See it as learners do
assignment-edit-prompt-label = Prompt
assignment-edit-prompt-hint = (Markdown)
assignment-edit-artifacts = Expected work
assignment-edit-text = A text answer
assignment-edit-text-max = Longest text answer, in characters
assignment-edit-link = A link
assignment-edit-files = Files
assignment-edit-file-types-label = File types accepted
assignment-edit-max-mb-label = Largest file, in MB
assignment-edit-max-files-label = Files per version, at most
# $max is the rubric's maximum score as saved.
assignment-edit-rubric = Rubric ({ $max } points)
assignment-edit-rubric-hint = Blank rows are ignored. Clear a title or tick its box to remove a criterion or a level. After saving, a new blank criterion appears to add another.
assignment-edit-criterion = Criterion { $number }
assignment-edit-criterion-new = A new criterion
assignment-edit-criterion-title = Title
assignment-edit-description = Description
assignment-edit-levels = Levels
assignment-edit-level-title = Level
assignment-edit-remove = Remove
# $level is the level's title.
assignment-edit-remove-level = Remove the level { $level }
assignment-edit-remove-criterion = Remove this criterion
assignment-edit-save = Save the assignment
assignment-edit-rubric-title = Give it a title of at most 200 characters, without control characters.
assignment-edit-rubric-description = A description holds at most 2,000 characters, without control characters.
assignment-edit-rubric-points = Points are a number from 0 to 1,000, with at most two decimals.
assignment-edit-rubric-levels = A criterion needs 1 to 10 levels.
assignment-edit-rubric-id = This row's id is not valid or is used twice; reload the page and try again.
assignment-edit-rubric-criteria = A rubric holds at most 30 criteria.
assignment-edit-text-max-chars = The longest text answer is a whole number from 1 to 100,000.
assignment-edit-max-mb = The largest file is a number of MB above 0 and at most 100.
assignment-edit-max-files = Files per version is a whole number from 1 to 20.
assignment-edit-file-types = Tick at least one file type.
assignment-edit-artifacts-none = Take at least one of a text answer, a link or files.
assignment-edit-prompt = The prompt holds at most 50,000 characters and no control characters.

averages-link = Rubric averages
averages-title = Rubric averages: { $course }
averages-hint = Every graded version counts, released or not.
averages-empty = This course has no assignment with a rubric yet.
averages-caption = Average points per criterion
averages-average = Average
averages-graded = Graded
averages-none = not graded yet
# $average and $max are points, $percent the average as a percent of the maximum.
averages-points = { $average } of { $max } ({ $percent })
