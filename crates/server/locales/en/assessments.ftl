# Quizzes and exams: what their pages say, and why an assessment refused something.

invalid-assessment = These settings do not hold together (passing percent, time limit, attempts and dates).
# $field names the place in the question, such as key.options[1].id.
invalid-question = The question cannot be saved: check { $field }.
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
refusal-invalid-draw = A draw names a bank of this course and at most as many questions as it holds.
refusal-bank-in-use = An assessment draws from this bank.
refusal-too-many-questions = This assessment holds as many questions as it may.
refusal-attempt-conflict = Another attempt started at the same moment; try again.
