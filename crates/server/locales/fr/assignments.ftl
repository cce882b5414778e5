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
assignment-edit-assignment-link = Modifier le devoir
assignment-edit-assignment-title = Modifier le devoir : { $assignment }
assignment-edit-assignment-course = Cours : { $course }
assignment-edit-assignment-preview = Le voir comme les apprenants
assignment-edit-prompt-label = Consigne
assignment-edit-prompt-hint = (Markdown)
assignment-edit-artifacts = Travail attendu
assignment-edit-text = Une réponse écrite
assignment-edit-text-max = Réponse écrite la plus longue, en caractères
assignment-edit-link = Un lien
assignment-edit-files = Des fichiers
assignment-edit-file-types-label = Types de fichiers acceptés
assignment-edit-max-mb-label = Fichier le plus lourd, en Mo
assignment-edit-max-files-label = Fichiers par version, au plus
# $max est la note maximale de la grille enregistrée.
assignment-edit-rubric = Grille ({ $max } points)
assignment-edit-rubric-hint = Les lignes vides sont ignorées. Videz un titre ou cochez sa case pour retirer un critère ou un niveau. Après l'enregistrement, un nouveau critère vide apparaît pour en ajouter un autre.
assignment-edit-criterion = Critère { $number }
assignment-edit-criterion-new = Un nouveau critère
assignment-edit-criterion-title = Titre
assignment-edit-description = Description
assignment-edit-levels = Niveaux
assignment-edit-level-title = Niveau
assignment-edit-remove = Retirer
# $level est le titre du niveau.
assignment-edit-remove-level = Retirer le niveau { $level }
assignment-edit-remove-criterion = Retirer ce critère
assignment-edit-save = Enregistrer le devoir
assignment-edit-rubric-title = Donnez-lui un titre de 200 caractères au plus, sans caractères de contrôle.
assignment-edit-rubric-description = Une description tient en 2 000 caractères au plus, sans caractères de contrôle.
assignment-edit-rubric-points = Les points sont un nombre de 0 à 1 000, avec deux décimales au plus.
assignment-edit-rubric-levels = Un critère a de 1 à 10 niveaux.
assignment-edit-rubric-id = L'identifiant de cette ligne n'est pas valable ou sert deux fois ; rechargez la page et réessayez.
assignment-edit-rubric-criteria = Une grille tient en 30 critères au plus.
assignment-edit-text-max-chars = La réponse écrite la plus longue est un nombre entier de 1 à 100 000.
assignment-edit-max-mb = Le fichier le plus lourd est un nombre de Mo supérieur à 0 et au plus 100.
assignment-edit-max-files = Les fichiers par version sont un nombre entier de 1 à 20.
assignment-edit-file-types = Cochez au moins un type de fichier.
assignment-edit-artifacts-none = Demandez au moins une réponse écrite, un lien ou des fichiers.
assignment-edit-prompt = La consigne tient en 50 000 caractères au plus, sans caractères de contrôle.

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
