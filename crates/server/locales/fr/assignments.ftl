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

# L'éditeur de devoir (équipe du cours) et les moyennes de grille d'un cours.
editor-assignment-link = Modifier le devoir
editor-assignment-title = Modifier le devoir : { $assignment }
editor-assignment-course = Cours : { $course }
editor-assignment-preview = Le voir comme les apprenants
editor-prompt-label = Consigne
editor-prompt-hint = (Markdown)
editor-artifacts = Travail attendu
editor-text = Une réponse écrite
editor-text-max = Réponse écrite la plus longue, en caractères
editor-link = Un lien
editor-files = Des fichiers
editor-file-types-label = Types de fichiers acceptés
editor-max-mb-label = Fichier le plus lourd, en Mo
editor-max-files-label = Fichiers par version, au plus
# $max est la note maximale de la grille enregistrée.
editor-rubric = Grille ({ $max } points)
editor-rubric-hint = Les lignes vides sont ignorées. Videz un titre ou cochez sa case pour retirer un critère ou un niveau. Après l'enregistrement, un nouveau critère vide apparaît pour en ajouter un autre.
editor-criterion = Critère { $number }
editor-criterion-new = Un nouveau critère
editor-criterion-title = Titre
editor-description = Description
editor-levels = Niveaux
editor-level-title = Niveau
editor-remove = Retirer
# $level est le titre du niveau.
editor-remove-level = Retirer le niveau { $level }
editor-remove-criterion = Retirer ce critère
editor-save = Enregistrer le devoir
editor-rubric-title = Donnez-lui un titre de 200 caractères au plus, sans caractères de contrôle.
editor-rubric-description = Une description tient en 2 000 caractères au plus, sans caractères de contrôle.
editor-rubric-points = Les points sont un nombre de 0 à 1 000, avec deux décimales au plus.
editor-rubric-levels = Un critère a de 1 à 10 niveaux.
editor-rubric-id = L'identifiant de cette ligne n'est pas valable ou sert deux fois ; rechargez la page et réessayez.
editor-rubric-criteria = Une grille tient en 30 critères au plus.
editor-text-max-chars = La réponse écrite la plus longue est un nombre entier de 1 à 100 000.
editor-max-mb = Le fichier le plus lourd est un nombre de Mo supérieur à 0 et au plus 100.
editor-max-files = Les fichiers par version sont un nombre entier de 1 à 20.
editor-file-types = Cochez au moins un type de fichier.
editor-artifacts-none = Demandez au moins une réponse écrite, un lien ou des fichiers.
editor-prompt = La consigne tient en 50 000 caractères au plus, sans caractères de contrôle.

averages-link = Moyennes de la grille
averages-title = Moyennes de la grille : { $course }
averages-hint = Chaque version notée compte, publiée ou non.
averages-empty = Ce cours n'a pas encore de devoir avec une grille.
averages-caption = Points moyens par critère
averages-average = Moyenne
averages-graded = Notées
averages-none = pas encore noté
# $average et $max sont des points, $percent la moyenne en pourcentage du maximum.
averages-points = { $average } sur { $max } ({ $percent })
