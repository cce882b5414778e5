## La page d'activité : les événements récents que la personne connectée peut suivre.

nav-activity = Activité
activity-title = Activité récente
activity-lead = Ce qui s'est passé récemment dans les cours que vous suivez ou enseignez, et sur votre compte. Les administrateurs voient tout ce qui se passe dans l'organisation.
activity-none = Rien de ce que vous pouvez voir ne s'est encore passé.
activity-caption = Derniers événements, du plus récent au plus ancien
activity-when = Quand
activity-who = Qui
activity-what = Quoi
activity-course = Cours
activity-by-system = Automatique
activity-refresh = Afficher les derniers
activity-event = { $type ->
    [assessment_created] Évaluation créée
    [assessment_deleted] Évaluation supprimée
    [assessment_graded] Tentative notée
    [assessment_submitted] Tentative rendue
    [assessment_updated] Réglages d’une évaluation modifiés
    [file_deleted] Fichier supprimé
    [file_uploaded] Fichier déposé
    [certificate_issued] Certificat délivré
    [course_archived] Cours archivé
    [course_created] Cours créé
    [course_deleted] Cours supprimé
    [course_published] Cours publié
    [course_updated] Description du cours modifiée
    [enrollment_completed] Cours terminé
    [enrollment_dropped] Inscription abandonnée
    [enrollment_due_changed] Échéance modifiée
    [group_created] Groupe créé
    [group_deleted] Groupe supprimé
    [group_member_added] Membre ajouté à un groupe
    [group_member_removed] Membre retiré d'un groupe
    [group_renamed] Groupe renommé
    [lesson_completed] Leçon terminée
    [lesson_created] Leçon ajoutée
    [lesson_deleted] Leçon supprimée
    [lesson_reordered] Leçons réordonnées
    [lesson_updated] Leçon modifiée
    [module_created] Module ajouté
    [module_deleted] Module supprimé
    [module_reordered] Modules réordonnés
    [module_updated] Module modifié
    [student_enrolled] Apprenant inscrit
    [user_activated] Compte activé
    [user_created] Personne ajoutée
    [user_deactivated] Personne désactivée
    [user_invited] Personne invitée
    [user_password_changed] Mot de passe changé
    [user_password_reset_issued] Réinitialisation du mot de passe envoyée
    [user_reactivated] Personne réactivée
    [user_updated] Coordonnées de la personne modifiées
    [webhook_disabled] Webhook désactivé après des échecs
   *[other] { $name }
}
