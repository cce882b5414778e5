## Passwords changed and recovered

sign-in-forgot = Forgot your password?
sign-in-password-reset = Your password is changed. Sign in with the new one.
forgot-title = Forgot your password?
forgot-intro = Type the e-mail address of your account. If it belongs to an account here, we will send it a link to choose a new password.
forgot-submit = Send me a link
forgot-sent = If this address belongs to an account here, a link to choose a new password is on its way. It works for an hour; check your spam folder too.
forgot-back = Back to signing in
reset-title = Choose a new password
reset-intro = Choose the new password of your account. Once it is saved, every session of yours is signed out.
reset-submit = Save my new password
reset-ask-again = Ask for a new link
password-title = Change password
password-intro = Your other sessions are signed out once the new password is saved; this one goes on.
password-current = Current password
password-new = New password
password-submit = Change my password
password-changed = Your password is changed. Your other sessions are signed out.
account-change-password = Change your password
people-send-reset = Send a password reset
refusal-reset-token-invalid = This link to choose a new password is unknown, already used or expired. Ask for a new one.
refusal-wrong-password = The current password is not right. Your password is unchanged.
refusal-user-not-active = Only an active person can be sent a password reset: invite an invited person again, or reactivate a deactivated one.
console-nav-password = My password
console-password-title = Change my password
