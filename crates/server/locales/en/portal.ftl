# The tenant's pages: the frame, the public and learners' pages, the account, and the words
# every page shares (dates, numbers, statuses, the refusal page).

## Formats

# A day: $day and $year are written out, $month (1 to 12) chooses the name.
date = { $day } { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }
date-time = { $date }, { $time }
percent = { $value }%

## The frame

skip-to-content = Skip to content
nav-main = Main
nav-catalog = Catalog
nav-my-learning = My learning
nav-teaching = Teaching
nav-people = People
nav-audit = Audit log
nav-account = My account
nav-sign-in = Sign in
sign-out = Sign out
powered-by = powered by Lyceum

## Statuses and roles

role-student = student
role-instructor = instructor
role-admin = admin
user-status-active = active
user-status-invited = invited
user-status-deactivated = deactivated
enrollment-status-active = in progress
enrollment-status-completed = completed
enrollment-status-dropped = dropped
course-status-draft = draft
course-status-published = published
course-status-archived = archived
lesson-kind-video = video
lesson-kind-text = text
lesson-kind-quiz = quiz
lesson-kind-assignment = assignment
plan-free = Free
plan-pro = Pro
plan-enterprise = Enterprise

## The catalog

home-title = Courses
home-heading = Courses at { $tenant }
home-search-label = Search courses
home-search = Search
home-none-published = No courses are published yet.
home-none-matching = No course matches “{ $query }”.
home-more = More courses

## A course

course-what-you-learn = What you will learn
course-continue = Continue learning
course-enroll = Enroll in this course
course-sign-in-to-enroll = Sign in to enroll
course-staff-do-not-enroll = Staff enroll learners from the course's page in the course builder, not themselves.

## Signing in, signing up, invitations

sign-in-title = Sign in
sign-in-heading = Sign in to { $tenant }
field-email = E-mail
field-password = Password
field-your-name = Your name
password-hint = (at least 10 characters)
sign-in-submit = Sign in
sign-in-no-account = No account yet?
sign-in-sign-up = Sign up
sign-up-title = Sign up
join-heading = Join { $tenant }
sign-up-submit = Create my account
accept-intro = Choose a password to finish setting up your account.
accept-submit = Set my password

## The learner's dashboard

dashboard-title = My learning
dashboard-overall = Overall progress:
dashboard-empty = You are not enrolled in any course yet.
dashboard-browse = Browse the catalog
dashboard-courses = Courses
dashboard-progress-in = Progress in { $course }
dashboard-due = due { $date }
dashboard-coming-up = Coming up
dashboard-due-item = { $course }: due { $date } ({ $percent })
dashboard-certificates = Certificates

## The course outline and the lesson player

outline-progress = Course progress
outline-complete = { $percent } complete
outline-completed = completed
outline-locked = locked
outline-done = done
lesson-back = Back to the course
lesson-breadcrumb = Breadcrumb
lesson-no-video = Your browser cannot play this video.
lesson-video-unavailable = This video is not available here.
lesson-image-unavailable = This image is not available here.
lesson-assessment-soon = This lesson's quiz or assignment opens here soon.
lesson-pass-to-complete = You complete this lesson by passing its quiz.
lesson-next = Next
lesson-complete = Mark complete and continue

## Certificates

certificate-title = Certificate { $code }
certificate-heading = Certificate of completion
certificate-certifies = This certifies that
certificate-completed = completed the course
certificate-on = on { $date }
certificate-code = Verification code
certificate-confirms = this page, at this address, confirms it.

## The account

account-title = My account
account-language = Language
account-language-hint = The language of these pages, for you alone.
account-language-automatic = The organisation's or my browser's
account-save = Save
account-saved = Saved.

# Each language is named in itself, whatever the page's language.
language-en = English
language-fr = Français

## When something fails

problem-not-found = Not found
problem-not-allowed = Not allowed
problem-not-possible = Not possible now
problem-too-many = Too many requests
problem-went-wrong = Something went wrong
problem-did-not-work = That did not work
problem-back = Back to the catalog
