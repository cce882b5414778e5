## The activity page: recent events the signed-in person may watch.

nav-activity = Activity
activity-title = Recent activity
activity-lead = What happened lately in the courses you take or teach, and on your account. Administrators see everything that happens in the organisation.
activity-none = Nothing has happened yet that you can see.
activity-caption = Latest events, newest first
activity-when = When
activity-who = Who
activity-what = What
activity-course = Course
activity-by-system = Automatic
activity-refresh = Show the latest
activity-event = { $type ->
    [assessment_created] Assessment created
    [assessment_deleted] Assessment deleted
    [assessment_graded] Attempt graded
    [assessment_submitted] Attempt submitted
    [assessment_updated] Assessment settings changed
    [file_deleted] File deleted
    [file_uploaded] File uploaded
    [certificate_issued] Certificate issued
    [course_archived] Course archived
    [course_created] Course created
    [course_deleted] Course deleted
    [course_published] Course published
    [course_updated] Course details changed
    [enrollment_completed] Course completed
    [enrollment_dropped] Enrollment dropped
    [enrollment_due_changed] Due date changed
    [group_created] Group created
    [group_deleted] Group deleted
    [group_member_added] Member added to a group
    [group_member_removed] Member removed from a group
    [group_renamed] Group renamed
    [lesson_completed] Lesson completed
    [lesson_created] Lesson added
    [lesson_deleted] Lesson removed
    [lesson_reordered] Lessons reordered
    [lesson_updated] Lesson changed
    [module_created] Module added
    [module_deleted] Module removed
    [module_reordered] Modules reordered
    [module_updated] Module changed
    [student_enrolled] Learner enrolled
    [user_activated] Account activated
    [user_created] Person added
    [user_deactivated] Person deactivated
    [user_invited] Person invited
    [user_password_changed] Password changed
    [user_password_reset_issued] Password reset sent
    [user_reactivated] Person reactivated
    [user_updated] Person's details changed
    [webhook_disabled] Webhook disabled after failures
   *[other] { $name }
}
