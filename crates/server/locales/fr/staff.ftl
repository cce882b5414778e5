# Les pages des formateurs et des administrateurs : l'enseignement, un nouveau cours, les
# rapports d'inscription et les personnes de l'organisation (la construction des cours est
# dans builder.ftl).

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
people-storage = Fichiers stockés : { $used } Mo.
people-storage-limited = Fichiers stockés : { $used } Mo sur { $max } Mo.
people-usage = Formule { $plan } : { $students ->
    [one] { $students } apprenant
   *[other] { $students } apprenants
}.
people-usage-limited = Formule { $plan } : { $students } { $students ->
    [one] apprenant
   *[other] apprenants
} sur { $max }.
people-search-label = Rechercher une personne par nom ou adresse e-mail
people-search = Rechercher
people-nobody = Personne n'est encore là.
people-none-matching = Personne ne correspond à « { $query } ».
people-caption-matching = Les personnes correspondant à « { $query } »
people-more = Plus de personnes
people-invitation = Invitation créée et envoyée par e-mail. Vous pouvez aussi transmettre ce lien à la personne (il fonctionne une fois, pendant 7 jours) :
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
people-reactivate = Réactiver
people-unlock = Débloquer la connexion
people-invite = Inviter une personne
people-invite-submit = Inviter

log-title = Journal d'audit
log-lead = Connexions, échecs de connexion et modifications faites par les administrateurs et les équipes pédagogiques, les plus récentes d'abord. Chaque entrée est chaînée à la précédente : une entrée modifiée ou supprimée plus tard est repérée par la vérification de l'opérateur.
log-filter = Filtrer
log-actor = Qui
log-actor-hint = (adresse e-mail ou identifiant)
log-action = Action
log-any-action = Toutes les actions
log-from = Du
log-to = Au
log-day-hint = (jour inclus)
log-download = Télécharger en CSV
log-none = Aucune entrée ne correspond.
log-caption = Entrées du journal, les plus récentes d'abord
log-seq = N°
log-when = Quand
log-about = Objet
log-origin = Provenance
log-change = Modification
log-older = Entrées plus anciennes
