# Devoirs : la page d'un apprenant, la file de correction et la page de correction.

assignment-open = Ouvrir le devoir
assignment-due = À rendre le { $date }
assignment-extended = prolongé pour vous
# $max est la note maximale de la grille.
assignment-rubric = Grille ({ $max } points)
assignment-level = Niveau
assignment-points = Points
assignment-criterion = Critère
assignment-comment = Commentaire
assignment-your-work = Votre travail
assignment-text = Votre réponse
assignment-link = Un lien vers votre travail
assignment-save = Enregistrer le brouillon
assignment-files = Fichiers
assignment-file = Fichier
# $types liste les types acceptés, $count le nombre de fichiers au plus par version.
assignment-file-hint = ({ $types } ; au plus { $count })
assignment-upload = Joindre le fichier
assignment-submit = Rendre la version { $version }
assignment-versions = Vos versions
assignment-no-versions = Rien n'a encore été rendu.
assignment-version = Version { $version }
assignment-submitted-at = Rendue le { $date }
assignment-returned = Renvoyée pour une nouvelle version : { $feedback }
assignment-grade = { $score } sur { $max } points
assignment-passed = Réussi.
assignment-not-passed = Pas encore réussi.
assignment-feedback = Commentaires par critère
assignment-status-draft = brouillon
assignment-status-submitted = rendue
assignment-status-late = en retard
assignment-status-graded = notée
assignment-status-returned = renvoyée
assignment-extension-invalid = Choisissez un apprenant, une date et une heure.

grading-link = Correction
grading-title = Correction : { $course }
grading-queue = En attente de note
grading-queue-empty = Rien n'attend de note.
grading-queue-caption = Travaux rendus, les plus anciens d'abord
grading-learner = Apprenant
grading-assignment = Devoir
grading-version = Version
grading-submitted = Rendu
grading-release-all = Publier toutes les notes données
grading-extensions = Prolongations
grading-revoke = Retirer
grading-extension-due = Nouvelle date limite
grading-extension-reason = Motif
grading-extension-grant = Accorder la prolongation

grade-title = { $learner } : { $assignment }
grade-back = Retour à la correction
grade-released = publiée
grade-unreleased = pas encore publiée
grade-points-override = Autres points (facultatif)
grade-overall = Commentaire général
grade-save = Enregistrer la note
grade-release = Publier la note
grade-return-feedback = Pourquoi il est renvoyé
grade-return = Renvoyer pour une nouvelle version

refusal-assignment-not-passed = Cette leçon se termine par une note suffisante à son devoir.
refusal-not-an-assignment = Seul un devoir reçoit des travaux rendus.
refusal-nothing-to-submit = Écrivez un brouillon avant de le rendre.
refusal-empty-submission = Le brouillon ne contient ni réponse, ni lien, ni fichier.
refusal-too-many-files = Cette version contient déjà autant de fichiers que permis ; retirez-en un d'abord.
refusal-no-rubric = Ce devoir n'a pas de grille de correction.
refusal-unknown-criterion = La grille n'a pas ce critère.
refusal-unknown-level = Ce critère n'a pas ce niveau.
refusal-incomplete-grade = Choisissez un niveau pour chaque critère.
refusal-not-graded = Notez ce travail avant de publier sa note.
refusal-already-released = Cette note a déjà été publiée.
refusal-invalid-extension = La date d'une prolongation doit être à venir et après la date limite du devoir.
refusal-draft-conflict = Un autre brouillon a été commencé au même moment ; réessayez.
