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
