# La construction d'un cours : la page d'un cours, ses informations et ses prérequis, le
# formulaire d'un module, l'éditeur de leçon, les confirmations avant suppression et les
# messages de leurs formulaires.

## La page d'un cours

builder-title = Modifier { $course }
builder-status = Statut :
builder-edit-details = Modifier les informations, les formateurs et les prérequis
builder-cover-none = Pas encore d'image de couverture.
builder-cover-change = La couverture du cours, montrée dans le catalogue et sur sa page.
builder-cover-upload = Téléverser une couverture (la dernière téléversée est la couverture)
builder-publish = Publier
builder-archive = Archiver
builder-delete-course = Supprimer le cours
builder-back = Retour au cours
builder-rule-all = Terminé lorsque l'apprenant a terminé toutes ses leçons.
builder-rule-at-least = Terminé lorsque l'apprenant a terminé au moins { $count } de ses leçons.
builder-rule-required = Terminé lorsque l'apprenant a terminé { $count ->
    [one] sa leçon obligatoire
   *[other] ses { $count } leçons obligatoires
}.
builder-edit-module = Modifier le module
builder-delete-module = Supprimer le module
builder-move-up = Monter
builder-move-down = Descendre
builder-delete = Supprimer
# Après le mot d'un bouton, pour les lecteurs d'écran : « Monter le module Les bases ».
builder-the-module = le module { $module }
builder-the-lesson = la leçon { $lesson }
builder-new-lesson-in = Nouvelle leçon dans { $module } :
builder-new-text-lesson = texte et images
builder-new-video-lesson = vidéo
builder-add-text-lesson-to = Ajouter une leçon de texte à { $module }
builder-lesson-title = Titre de la leçon
builder-lesson-text = Texte (Markdown)
builder-add-lesson = Ajouter la leçon
builder-new-module = Ajouter un module
builder-module-title = Titre du module
builder-add-module = Ajouter le module
builder-bulk = Inscrire des apprenants depuis un fichier
builder-bulk-help = Un fichier CSV avec une ligne d'en-tête : une colonne email et, si vous le souhaitez, une colonne due_at (AAAA-MM-JJ) ; 8 Mio au plus. Le cours doit être publié ; chaque ligne reçoit son propre résultat.
builder-bulk-field = Apprenants (fichier CSV)
builder-bulk-submit = Les inscrire
builder-learners = Apprenants
builder-no-learners = Personne n'est encore inscrit.
builder-learners-caption = Progression des apprenants du cours
builder-learner = Apprenant
builder-learner-status = Statut
builder-learner-progress = Progression
builder-learner-completed = Terminé le
builder-learner-due = Échéance

## Les informations et les prérequis d'un cours

details-title = Informations sur { $course }
details-heading = Informations, formateurs et prérequis
details-field-title = Titre
details-description = Description
details-prerequisites = Prérequis : les cours qu'un apprenant termine avant de s'inscrire
# $cycle : les titres des cours, reliés par des flèches.
details-cycle = Ces prérequis tourneraient en rond : { $cycle }. Retirez-en un.
details-no-choice = Il n'y a aucun autre cours à choisir.
details-save = Enregistrer les informations
details-slug = Nom dans l'adresse
details-slug-hint = Dans l'adresse du cours : lettres minuscules, chiffres et tirets.
details-seats = Places
details-seats-hint = Le nombre maximal d'apprenants. Laissez vide pour aucune limite.
details-seats-invalid = Saisissez un nombre entier de places, 1 ou plus, ou laissez vide.
details-instructors = Formateurs : qui enseigne le cours, le modifie et note ses apprenants

## Un module

module-title = Modifier { $module }
module-heading = Modifier le module
module-field-title = Titre
module-rule = Le module est terminé lorsque l'apprenant a terminé
module-rule-all = toutes ses leçons
module-rule-at-least = au moins ce nombre de leçons :
module-count = Nombre de leçons
module-rule-required = les leçons choisies ici (les autres sont facultatives) :
module-no-lessons = Le module n'a pas encore de leçon.
module-save = Enregistrer le module

## L'éditeur de leçon

editor-new-title = Nouvelle leçon dans { $module }
editor-edit-title = Modifier { $lesson }
editor-edit-heading = Modifier la leçon { $lesson }
editor-waits-for-assessments = Cette leçon est un devoir. Les leçons de devoir se modifieront ici une fois les devoirs en place ; d'ici là, modifiez-les par l'API.
editor-delete = Supprimer la leçon
editor-field-title = Titre
editor-save = Enregistrer la leçon
editor-kind = Type
editor-kind-text = Texte et images
editor-kind-video = Vidéo
editor-kind-quiz = Quiz
editor-kind-assignment = Devoir (en attente des évaluations)
editor-kind-hint = Une leçon de texte contient du texte et des images, dont au moins un bloc de texte ; une leçon vidéo contient une vidéo, avec du texte et des images si vous le souhaitez. Après avoir changé le type, ajoutez les blocs qu'il demande.
editor-release = Quand elle s'ouvre aux apprenants
editor-release-none = tout de suite
editor-release-after = une fois que l'apprenant a terminé la leçon précédente
editor-release-on-date = à partir d'une date :
editor-release-at = Date et heure d'ouverture ({ $zone })
editor-zone = ({ $zone })
editor-content = Contenu
editor-no-blocks = Pas encore de contenu : ajoutez un bloc ci-dessous.
editor-block-text = Bloc { $number } : texte
editor-block-image = Bloc { $number } : image
editor-block-video = Bloc { $number } : vidéo
editor-markdown = Texte (Markdown)
editor-image-address = Adresse de l'image
editor-video-address = Adresse de la vidéo
editor-address-hint = (https://…, ou un chemin sur ce site)
editor-alt = Ce que montre l'image
editor-alt-hint = (pour les personnes qui ne peuvent pas la voir)
editor-seconds = Durée en secondes
editor-remove = Retirer
# Après le mot d'un bouton, pour les lecteurs d'écran : « Monter le bloc 2 ».
editor-the-block = le bloc { $number }
editor-add-markdown = Ajouter un bloc de texte
editor-add-image = Ajouter une image
editor-add-video = Ajouter la vidéo

## Avant de supprimer

confirm-title = Supprimer { $name }
confirm-course-heading = Supprimer le cours « { $name } » ?
confirm-course-text = Le cours, ses modules et ses leçons sont supprimés définitivement. (Un cours qui a des apprenants est archivé à la place, pour que personne ne perde son parcours.)
confirm-delete-course = Supprimer le cours
confirm-module-heading = Supprimer le module « { $name } » ?
confirm-module-text = Le module et toutes ses leçons sont supprimés définitivement, avec la progression des apprenants sur ces leçons.
confirm-delete-module = Supprimer le module
confirm-lesson-heading = Supprimer la leçon « { $name } » ?
confirm-lesson-text = La leçon est supprimée définitivement, avec la progression des apprenants sur cette leçon.
confirm-delete-lesson = Supprimer la leçon
confirm-keep = Conserver

## Les messages propres aux formulaires (les refus des cas d'usage sont dans refusals.ftl)

form-release-date = Indiquez la date et l'heure d'ouverture de la leçon, dans le fuseau horaire de l'organisation, par exemple 2030-01-31 09:00.
form-lesson-count = Indiquez le nombre de leçons, 1 ou plus.
form-required-lessons = Choisissez les leçons à terminer obligatoirement.
form-unknown-choice = Ce choix n'est pas proposé ; rechargez la page et choisissez de nouveau.

## Les fichiers d'un cours

builder-files = Fichiers et images
files-title = Fichiers de { $course }
files-intro = Documents et images des leçons du cours, et sa couverture. Les apprenants inscrits au cours les ouvrent par des liens qui expirent ; pour montrer une image dans une leçon, donnez comme adresse à son bloc image la référence du fichier.
files-none = Aucun fichier pour l'instant.
files-caption = Les fichiers de { $course }
files-name = Nom
files-kind = Nature
files-size = Taille
files-reference = Référence pour les leçons
files-purpose-file = Document ou image pour les leçons
files-purpose-cover = Couverture du cours (une image)
files-bytes = { $bytes } octets
files-upload = Déposer un fichier
files-file = Fichier
files-file-hint = PDF, documents bureautiques, texte brut, CSV, Markdown, PNG, JPEG, GIF ou WebP
files-upload-submit = Déposer

## L'inscription d'un apprenant, telle que l'équipe du cours la gère.
roster-title = { $name } dans ce cours
roster-back = Retour au cours
roster-manage = Gérer
roster-email = Adresse e-mail
roster-enrolled = Inscrit le
roster-due-heading = Échéance
roster-due-label = Terminer le cours avant le
roster-due-hint = Dans le fuseau horaire de l'organisation. Laissez vide pour aucune échéance.
roster-due-save = Enregistrer l'échéance
roster-due-invalid = Saisissez une date et une heure (par exemple 2026-12-31T17:00), ou laissez vide.
roster-drop-heading = Retirer du cours
roster-drop-text = L'apprenant quitte le cours : il disparaît de son tableau de bord, et sa progression reste enregistrée. Il peut s'inscrire à nouveau si le cours le permet.
roster-drop = Retirer cet apprenant
