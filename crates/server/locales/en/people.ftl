# People in bulk: the CSV import of people, the people list's filters, and groups (cohorts).

nav-groups = Groups

people-filter-role = Role
people-filter-status = Status
people-filter-any = Any

people-import = Import people from a CSV file
people-import-help = A header row with the columns email and name, and optionally role (student, instructor or admin; student when empty) and courses (course codes separated by ;). Each person created is invited by e-mail.
people-import-file = CSV file
people-import-submit = Import
people-import-title = People imported
people-import-summary = { $created } created, { $existing } already there, { $failed } refused.
people-import-caption = The result of each row
people-import-result = Result
people-import-created = Created and invited
people-import-existing = Already there: nothing changed
people-import-back = Back to the people

groups-title = Groups
groups-intro = Groups gather people, to enroll them together in a course and to read a course's learners group by group.
groups-none = No groups yet.
groups-caption = The groups of { $tenant }
groups-name = Name
groups-members = Members
groups-create = Create a group
groups-create-submit = Create
groups-back = All groups

group-no-members = Nobody in this group yet.
group-members-caption = The members of { $group }
group-remove = Remove { $person }
group-add = Add a person
group-add-submit = Add
group-enroll = Enroll the whole group in a course
group-course = Course
group-enroll-submit = Enroll
group-no-courses = No published course to enroll the group in.
group-enrolled = { $enrolled } enrolled, { $already } enrolled already, { $failed } could not be enrolled.
group-rename = Rename this group
group-rename-submit = Rename
group-delete = Delete this group
group-delete-submit = Delete the group (its people stay)

refusal-duplicate-email = This address is on an earlier row of the file.
refusal-user-exists = A person with this address is here already.
refusal-unknown-role = This role does not exist (student, instructor or admin).
refusal-unknown-course = No course has this code.
refusal-group-name-taken = A group has this name already.
refusal-too-many-members = Too many people at once.
