# Quizzes and exams: what their pages say, and why an assessment refused something.

invalid-assessment = These settings do not hold together (passing percent, time limit, attempts and dates).
# $part is the part of the question at fault; $field names the place, such as key.options[1].id.
invalid-question = The question cannot be saved: { $part ->
        [text] check its text (required, not too long).
        [points] check its points.
        [tags] check its tags.
        [correct] tick at least one right answer among the options, each an option of the question.
        [options] check the options (enough of them, each with a text, none twice).
        [answers] check the accepted answers.
        [length] check the longest answer allowed.
       *[other] check { $field }.
    }
invalid-pattern = The pattern is not accepted: it must be a regular expression without look-around or back-references, and not too large.
invalid-answer = This answer does not fit its question.
invalid-rubric = The rubric cannot be saved: check { $field }.
invalid-assignment = The prompt or the expected work does not hold together.
invalid-submission = This work cannot be saved: { $reason }.

refusal-quiz-not-passed = This lesson is completed by passing its quiz.
refusal-unknown-assessment = The lesson names no assessment of this course.
refusal-assessment-kind-mismatch = A quiz lesson links a quiz or an exam, an assignment lesson an assignment.
refusal-assessment-not-open = This assessment is not open for attempts now.
refusal-deadline-passed = The deadline has passed; late submissions are not accepted.
refusal-max-attempts-reached = You have used all your attempts.
refusal-assessment-empty = This assessment has no questions yet.
refusal-already-submitted = This attempt was submitted already.
refusal-no-attempt-in-progress = Start an attempt first.
refusal-unknown-question = This attempt has no such question.
refusal-not-a-quiz = An assignment has no questions and takes no attempts.
refusal-assessment-in-use = A lesson links this assessment; change the lesson first.
refusal-assessment-has-submissions = Learners have attempted this assessment; it cannot be deleted.
refusal-not-graded-by-hand = Only essay answers are graded by hand.
refusal-nothing-to-grade = The learner did not answer this question.
refusal-invalid-grade = A grade is at most the question's points.
refusal-not-submitted = Only a submitted attempt is graded.
refusal-invalid-draw = A draw takes at least one question from a bank of this course, and at most as many as the bank holds.
refusal-bank-in-use = An assessment draws from this bank.
refusal-too-many-questions = This assessment holds as many questions as it may.
refusal-attempt-conflict = Another attempt started at the same moment; try again.

## Taking a quiz: the quiz lesson's card, the attempt's form, the result and its review.
quiz-question-count = { $count ->
    [one] One question, { $points } points
   *[other] { $count } questions, { $points } points
}
quiz-passing = Passing: { $percent } % of the points
quiz-time-limit = Time limit: { $minutes } min once started
quiz-due = Due { $at }
quiz-open-until = Open until { $at }
quiz-attempts-left = { $count ->
    [0] No attempts left
    [one] One attempt left
   *[other] { $count } attempts left
}
quiz-your-attempts = Your attempts
quiz-attempt-number = Attempt { $number }
quiz-status = { $status ->
    [in_progress] in progress
    [expired] expired
    [needs_grading] waiting for grading
    [graded] graded
   *[other] { $status }
}
quiz-start = Start the quiz
quiz-resume = Resume your attempt
quiz-no-attempts-left = You have used all your attempts.
quiz-deadline = Deadline: { $at }
quiz-server-clock = Times are the server's; it is now { $now }.
quiz-countdown-left = Time left:
quiz-countdown-five = 5 minutes left. Your answers are handed in when time runs out.
quiz-countdown-one = 1 minute left. Your answers are handed in when time runs out.
quiz-countdown-handing-in = Time is up: your answers are being handed in.
quiz-countdown-handing-in-late = Time is up: your answers are being handed in, marked late.
quiz-countdown-time-up = Time is up. This attempt no longer takes answers.
quiz-question-number = Question { $number }
quiz-points = { $points ->
    [one] (1 point)
   *[other] ({ $points } points)
}
quiz-true = True
quiz-false = False
quiz-your-answer = Your answer
quiz-choose = Choose…
quiz-ordering-hint = Number the items in their order, 1 first.
quiz-save = Save answers
quiz-submit-legend = Hand in
quiz-confirm = I have finished and want to submit; answers cannot be changed afterwards.
quiz-submit = Submit
quiz-saved = Your answers are saved.
quiz-confirm-first = Your answers are saved, not submitted: tick the box to confirm you have finished, then submit.
quiz-expired = This attempt's deadline passed before it was submitted.
quiz-result = Result
quiz-waits-for-grading = Waiting for an instructor to grade.
quiz-score = Score: { $score } of { $max }
quiz-passed = Passed
quiz-not-passed = Not passed
quiz-late = Submitted late
quiz-review = Review
quiz-earned = { $score } of { $points } points
quiz-right-answer = The right answer:
quiz-feedback = Feedback:

## Writing quizzes: a course's assessments, an assessment's settings and questions, attempts, grading.
authoring-list-title = Assessments of { $course }
authoring-list-caption = The course's quizzes and exams
authoring-none = This course has no assessments yet.
authoring-new = New assessment
authoring-create = Create
authoring-back = Back to the assessments
authoring-back-to-assessment = Back to the assessment
authoring-back-to-attempts = Back to the attempts
authoring-kind = { $kind ->
    [quiz] Quiz
    [exam] Exam
    [assignment] Assignment
   *[other] { $kind }
}
authoring-field-title = Title
authoring-field-kind = Kind
authoring-questions = Questions
authoring-attempts = Attempts
authoring-see-attempts = Attempts and grading
authoring-saved = The settings are saved.
authoring-no-questions = No questions yet: add one below.
authoring-edit = Edit
authoring-remove = Remove
authoring-add-question = Add a question:
authoring-settings = Settings
authoring-field-instructions = Instructions for learners
authoring-field-passing = Passing percent
authoring-field-time-limit = Time limit in minutes (empty: none)
authoring-field-max-attempts = Attempts allowed (empty: no limit)
authoring-field-from = Open from
authoring-field-until = Open until
authoring-field-due = Due
authoring-field-shuffle-questions = Shuffle the questions in each attempt
authoring-field-shuffle-options = Shuffle the options in each attempt
authoring-field-review = Learners see the right answers
authoring-review = { $policy ->
    [after_submission] once they submit
    [after_due] once they submit and the due date has passed
   *[never] never (their score only)
}
authoring-field-counted = The learner's result is
authoring-counted = { $policy ->
    [highest] their best attempt
    [latest] their latest attempt
   *[average] the average of their attempts
}
authoring-field-late = After the deadline
authoring-late = { $policy ->
    [refuse] nothing more is accepted
   *[accept] submissions are accepted, marked late
}
authoring-save = Save the settings
authoring-delete = Delete this assessment
authoring-unreadable = A number or a date in this form could not be read.
question-kind = { $kind ->
    [single_choice] Single choice
    [multiple_choice] Multiple choice
    [true_false] True or false
    [short_answer] Short answer
    [matching] Matching
    [ordering] Ordering
   *[essay] Essay
}
authoring-new-question = New question
authoring-edit-question = Edit the question
authoring-field-prompt = Question
authoring-field-points = Points
authoring-field-tags = Tags, separated by commas (learners do not see them)
authoring-options = Options
authoring-options-hint-single = Write the options; choose the right one.
authoring-options-hint-multiple = Write the options; tick every right one.
authoring-option-right = Option { $number } is right
authoring-option-text = Option { $number }
authoring-field-scoring = Scoring
authoring-scoring = { $scoring ->
    [all_or_nothing] all or nothing
    [partial] partial credit
   *[partial_negative] partial credit, wrong choices take points off (never below zero)
}
authoring-right-answer = The right answer
authoring-field-rule = Accepted answers
authoring-rule = { $rule ->
    [exact] exactly one of these texts
    [case_insensitive] one of these texts, in any case
    [regex] text matching a pattern
   *[numeric] a number within a tolerance
}
authoring-field-answers = Accepted texts, one per line
authoring-field-pattern = Pattern (a regular expression the whole answer matches)
authoring-field-value = Number
authoring-field-tolerance = Tolerance
authoring-field-pairs = Pairs, one per line: prompt = its match
authoring-field-distractors = Extra choices that match nothing, one per line
authoring-field-items = Items in their right order, one per line
authoring-field-max-chars = Longest answer in characters (empty: 50,000)
authoring-save-question = Save the question
authoring-draws = Random questions from banks
authoring-draws-hint = Each attempt also draws this many questions at random from a bank (a different draw for each attempt); leave a bank empty to draw none from it.
authoring-draw-field = { $count ->
    [one] From “{ $bank }” (it holds one question)
   *[other] From “{ $bank }” (it holds { $count } questions)
}
authoring-drawn = { $count ->
    [one] One random question from the bank “{ $bank }”
   *[other] { $count } random questions from the bank “{ $bank }”
}
authoring-no-banks = This course has no question banks to draw from yet.
authoring-save-draws = Save the draws
authoring-attempts-title = Attempts at { $title }
authoring-no-attempts = No learner has started this assessment yet.
authoring-learner = Learner
authoring-attempt = Attempt
authoring-status = Status
authoring-score = Score
authoring-grading-title = Attempt of { $learner }
authoring-unanswered = Not answered.
authoring-field-grade = Points (at most { $points })
authoring-grade = Save the grades

## The course builder and the lesson editor: where quizzes are linked.
builder-assessments = Quizzes and exams
builder-banks = Question banks
builder-new-quiz-lesson = quiz
editor-assessment = Quiz of a quiz lesson
editor-assessment-none = None
editor-assessment-hint = A quiz lesson shows this quiz; learners complete the lesson by passing it.
editor-assessment-manage = Write the course's quizzes

## A course's question banks: questions assessments draw from at random.
banks-title = Question banks of { $course }
banks-caption = The course's question banks
banks-hint = A bank holds questions that quizzes and exams draw from at random, a different draw for each attempt. Learners see only the questions their attempt drew.
banks-none = This course has no question banks yet.
banks-new = New question bank
banks-back = Back to the question banks
banks-back-to-bank = Back to the bank
banks-manage = The course's question banks
banks-open = Open the bank
banks-size = { $count ->
    [0] No questions yet
    [one] One question
   *[other] { $count } questions
}
banks-delete = Delete this bank
