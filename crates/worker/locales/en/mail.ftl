# The e-mail Lyceum sends, in English. Every message here exists in every locale's mail.ftl
# (the worker's tests render every kind in every language).

## Shared by every message

greeting = Hello { $name },
signature = The { $tenant } team
footer = You receive this message because you have an account at { $tenant }. It was sent automatically; replies are not read.
ignore = If you did not expect this message, you can ignore it.
link-hint = If the button does not work, copy this address into your browser:

## Dates (in the organization's time zone)

date = { $month } { $day }, { $year }
date-time = { $date } at { $time } ({ $zone })
month-1 = January
month-2 = February
month-3 = March
month-4 = April
month-5 = May
month-6 = June
month-7 = July
month-8 = August
month-9 = September
month-10 = October
month-11 = November
month-12 = December

## Invitation

invitation-subject = You are invited to { $tenant }
invitation-body = You have been invited to join { $tenant }. Choose a password to activate your account.
invitation-action = Accept the invitation
invitation-expiry = The invitation can be accepted once, until { $when }.

## Password reset

password-reset-subject = Choose a new password for { $tenant }
password-reset-body = We received a request to reset the password of your account at { $tenant }.
password-reset-action = Choose a new password
password-reset-expiry = The link works once, until { $when }. Your password stays as it is until you choose a new one.

## Account locked

account-locked-subject = Signing in to { $tenant } is paused
account-locked-body = There were several failed attempts to sign in to your account. To protect it, signing in is paused until { $when }.
account-locked-advice = If these attempts were not yours, choose a new password once you can sign in again, and tell your administrator.
account-locked-action = Go to the sign-in page

## Due-date reminder

due-reminder-subject = Reminder: { $course } is due { $date }
due-reminder-body = The course { $course } is due on { $date }, and you have completed { $percent }% of it.
due-reminder-action = Continue the course

## Digest

digest-subject = Your courses at { $tenant }
digest-body = Here is where you stand in the courses you are taking.
digest-progress = { $percent }% complete
digest-progress-due = { $percent }% complete, due { $date }
digest-action = Open your dashboard

## Webhook disabled (to admins)

webhook-disabled-subject = A webhook of { $tenant } was disabled
webhook-disabled-body = The webhook endpoint { $url } failed every delivery since { $since }, so it was disabled: it receives no more events until an administrator enables it again.
webhook-disabled-error = Its last delivery failed with: { $error }
webhook-disabled-advice = Once the receiving service answers again, enable the endpoint; you can replay the deliveries it missed from its delivery log.
webhook-disabled-action = Open the webhooks

## Grade posted

grade-posted-subject = Your grade for { $assignment } is posted
grade-posted-body = Your work on { $assignment } in { $course } was graded: { $score } of { $max } points.
grade-posted-passed = It passes. The feedback for each criterion is waiting for you in the course.
grade-posted-not-passed = It does not pass yet. Read the feedback for each criterion in the course.
grade-posted-action = See your grade
