# Why something was refused, by the refusal's code (see docs/errors.md) or by the value that
# was rejected. Shown on the page of the form or on the refusal page.

refusal-try-again = Please try again in a moment.
refusal-not-found = There is nothing here, or nothing you may see.
refusal-certificate-not-found = No certificate has this code here.
refusal-tenant-not-found = There is no such organisation here.
refusal-tenant-not-resolved = This address names no organisation.
refusal-invalid-host = This address is not one Lyceum serves.
refusal-tenant-mismatch = This request names two different organisations.
refusal-tenant-suspended = This organisation's access is suspended for now.
refusal-rate-limited = Too many requests for this organisation right now; try again in a moment.
refusal-permission-denied = You are not allowed to do this.
refusal-not-enrolled = Enroll in the course to open it.
refusal-lesson-locked = This lesson is not open to you yet.
refusal-plan-limit-reached = The organisation's plan allows no more of these; its admins can choose a bigger plan.
refusal-signup-disabled = This organisation does not let people sign themselves up; ask its admins for an invitation.
refusal-course-empty = A course needs at least one lesson before it is published.
refusal-content-too-complex = This lesson's content took too long to check; split it into smaller lessons.
refusal-course-not-open = This course is not open for enrollment.
refusal-course-full = This course is full.
refusal-prerequisites-not-met = Complete the courses this one requires first.
refusal-enrollment-completed = A completed course cannot be left.
refusal-cannot-deactivate-self = You cannot deactivate yourself; ask another admin.
refusal-last-admin = The organisation needs at least one active admin; appoint another first.
refusal-not-deactivated = This person is not deactivated.
refusal-not-invited = This person is not waiting for an invitation.
refusal-tenant-state-conflict = This organisation can be neither suspended nor resumed now.
refusal-invalid-instructor = An instructor must be an active instructor or admin of the organisation.
refusal-invalid-prerequisite = A prerequisite must be a course of this organisation.
refusal-invalid-csv = This file could not be read: send a CSV file in UTF-8, of at most 50,000 rows, with a header row that has an email column.
refusal-invalid-invitation = This invitation link is not valid any more; ask for a new one.
refusal-conflict = This is taken already; choose another.
refusal-tenant-slug-taken = Another organisation has this slug already.
refusal-invalid-reference = Something this names does not exist.
refusal-validation-failed = Something in this form is not right; check it and send it again.
refusal-placement-unsupported = This placement is not available here.
refusal-csrf = This form has expired; go back, reload the page and send it again.
refusal-payload-too-large = This form, or the file sent with it, is too large.
refusal-invalid-credentials = Wrong e-mail or password.
refusal-login-throttled = Too many attempts. Wait a minute, then try again.
refusal-invalid-email = This is not an e-mail address.
refusal-invalid-date = This date is neither YYYY-MM-DD nor a date and time.
refusal-invalid-row = This row could not be read.
refusal-unknown-user = Nobody here has this e-mail address.
refusal-user-deactivated = This person is deactivated.

## Rejected values

invalid-slug = “{ $value }” cannot be an address name: use lower-case letters, digits and hyphens.
invalid-reserved-slug = “{ $value }” is reserved; choose another.
invalid-email = “{ $value }” is not an e-mail address.
invalid-choice = “{ $value }” is not one of the choices.
invalid-weak-password = This password is too weak: use at least 10 characters, not all the same, and not a well-known password.
# $field is the name of the field in the code.
invalid-empty = { $field ->
    [title] The title
    [display_name] The name
    [name] The name
   *[other] This field
} must not be empty.
invalid-too-long = { $field ->
    [title] The title
    [display_name] The name
    [name] The name
    [description] The description
   *[other] This field
} is longer than { $max ->
    [one] { $max } character
   *[other] { $max } characters
}.
invalid-day = “{ $value }” is not a day: write it as YYYY-MM-DD, or pick it in the calendar.
invalid-completion-rule = This completion rule cannot be met: it must count at least 1 lesson, and name only lessons of this module, each once.
invalid-prerequisite-cycle = These prerequisites would go round in a circle.
invalid-progress = Progress goes from 0 to 100 and never back.

## A lesson's content, next to the block it is about

# $field is the block's field the problem is about.
content-not-an-array = The content must be a list of blocks.
content-too-many-blocks = A lesson holds at most { $max } blocks; this one has { $count }.
content-unreadable = This block cannot be read; remove it and add it again.
content-required = { $field ->
    [markdown] The text
    [media] The address
    [alt] The description
    [duration_seconds] The length
   *[other] A field of this block
} is missing.
content-empty = { $field ->
    [markdown] The text
    [media] The address
   *[other] This field
} must not be empty.
content-too-long = { $field ->
    [media] The address
    [alt] The description
   *[other] This field
} is longer than { $max } characters.
content-control-character = The address must not hold control characters.
content-markdown-too-long = The lesson's text, all blocks together, is longer than { $max } characters.
content-too-deep = This text nests lists, quotes or HTML elements more than { $max } levels deep.
content-not-seconds = Give the length as a whole number of seconds, 1 or more.
# $kind is the lesson's kind and $block the block's: markdown, image, video or assessment.
content-not-allowed = { $kind ->
    [video] A video lesson
    [quiz] A quiz
    [assignment] An assignment
   *[text] A text lesson
} cannot hold { $block ->
    [markdown] text blocks
    [image] images
    [video] a video
   *[assessment] assessments
}.
content-only-one = { $kind ->
    [video] A video lesson
    [quiz] A quiz
    [assignment] An assignment
   *[text] A text lesson
} holds only one { $block ->
    [video] video
   *[assessment] assessment
}.
content-missing = { $kind ->
    [video] A video lesson needs its video: add it.
    [quiz] A quiz needs its assessment.
    [assignment] An assignment needs its assessment.
   *[text] A text lesson needs at least one text block.
}
refusal-plan-feature-unavailable = The organisation's plan does not include this; its admins can choose a bigger plan.
refusal-invalid-webhook-url = Give a full address starting with https:// (or http://), without a user name or password.
refusal-webhook-target-refused = This address leads to a private or local network, which webhooks may not reach.
refusal-webhook-limit-reached = The organisation has as many webhooks as it may; delete one first.
refusal-webhook-disabled = This webhook is disabled; enable it before sending its deliveries again.
refusal-file-too-large = This file is larger than files of its kind may be.
refusal-storage-quota-exceeded = The organisation's plan has no room left for this file; delete some files, or its admins can choose a bigger plan.
refusal-file-type-not-allowed = Files of this type cannot be uploaded here.
refusal-file-type-mismatch = This file's content is not of the type its name or browser says.
refusal-file-empty = This file is empty.
refusal-file-url-invalid = This download link is not valid here.
refusal-file-url-expired = This download link has expired; open the page again for a new one.
refusal-upload-incomplete = The upload broke off before its end; try again.
refusal-storage-unavailable = Files cannot be stored or read at the moment; try again later.
