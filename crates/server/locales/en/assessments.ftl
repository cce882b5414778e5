# Quizzes and exams: what their pages say, and why an assessment refused something.

invalid-assessment = These settings do not hold together (passing percent, time limit, attempts and dates).
# $field names the place in the question, such as key.options[1].id.
invalid-question = The question cannot be saved: check { $field }.
invalid-pattern = The pattern is not accepted: it must be a regular expression without look-around or back-references, and not too large.
invalid-answer = This answer does not fit its question.

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
refusal-invalid-draw = A draw names a bank of this course and at most as many questions as it holds.
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
