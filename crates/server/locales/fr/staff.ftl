# Les pages des formateurs et des administrateurs : l'enseignement, la construction des cours,
# les rapports d'inscription et les personnes de l'organisation.

## L'enseignement

teach-title = Enseignement
teach-new-course = Nouveau cours
teach-empty = Aucun cours pour l'instant. Lancez-en un.
teach-caption = Les cours que vous pouvez modifier
teach-course = Cours
teach-status = Statut

## Un nouveau cours

new-course-title = Nouveau cours
new-course-field-title = Titre
new-course-slug = Nom d'adresse
new-course-slug-hint = (lettres minuscules, chiffres et tirets)
new-course-description = Description
new-course-create = Créer le cours

## La construction d'un cours

builder-title = Modifier { $course }
builder-status = Statut :
builder-publish = Publier
builder-archive = Archiver
builder-add-lesson-to = Ajouter une leçon à { $module }
builder-lesson-title = Titre de la leçon
builder-lesson-text = Texte (Markdown)
builder-add-lesson = Ajouter la leçon
builder-new-module = Ajouter un module
builder-module-title = Titre du module
builder-add-module = Ajouter le module
builder-bulk = Inscrire des apprenants depuis une liste
builder-bulk-help = Collez du CSV avec une ligne d'en-tête : une colonne email et, si vous le souhaitez, une colonne due_at (AAAA-MM-JJ). Le cours doit être publié ; chaque ligne reçoit son propre résultat.
builder-bulk-field = Apprenants (CSV)
builder-bulk-submit = Les inscrire
builder-learners = Apprenants
builder-no-learners = Personne n'est encore inscrit.
builder-learners-caption = Progression des apprenants du cours
builder-learner = Apprenant
builder-learner-status = Statut
builder-learner-progress = Progression

## Le rapport d'inscription

import-title = Rapport d'inscription
import-summary = { $created ->
    [one] { $created } inscrit
   *[other] { $created } inscrits
}, { $already ->
    [one] { $already } déjà inscrit
   *[other] { $already } déjà inscrits
}, { $failed ->
    [one] { $failed } en échec
   *[other] { $failed } en échec
}.
import-failed-caption = Lignes en échec
import-line = Ligne
import-email = Adresse e-mail
import-why = Pourquoi
import-back = Retour au cours

## Les personnes

people-title = Personnes
people-usage = Formule { $plan } : { $students ->
    [one] { $students } apprenant
   *[other] { $students } apprenants
}.
people-usage-limited = Formule { $plan } : { $students } { $students ->
    [one] apprenant
   *[other] apprenants
} sur { $max }.
people-invitation = Invitation créée. Transmettez ce lien à la personne (il fonctionne une fois, pendant 7 jours) :
people-caption = Les personnes de { $tenant }
people-name = Nom
people-email = Adresse e-mail
people-role = Rôle
people-status = Statut
people-change = Modifier
people-role-of = Rôle de { $person }
people-set-role = Changer le rôle
people-invite-again = Inviter de nouveau
people-deactivate = Désactiver
people-invite = Inviter une personne
people-invite-submit = Inviter
