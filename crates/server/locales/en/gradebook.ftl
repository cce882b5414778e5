# The gradebook: grades per learner, grade categories, item analysis, a learner's own grades.
invalid-weight = A weight is a number from 0 to 1,000.
