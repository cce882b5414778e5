# The instructors' and admins' pages: teaching, the course builder, enrollment reports and
# the people of the tenant.

people-usage = Plan { $plan }: { $students ->
    [one] { $students } student
   *[other] { $students } students
}.
people-usage-limited = Plan { $plan }: { $students } of { $max ->
    [one] { $max } student
   *[other] { $max } students
}.
