# Quiz et examens : ce que disent leurs pages, et pourquoi une évaluation a refusé quelque chose.

invalid-assessment = Ces réglages ne vont pas ensemble (pourcentage de réussite, durée, tentatives et dates).
# $part est la partie de la question en cause ; $field nomme l'endroit, comme key.options[1].id.
invalid-question = La question ne peut pas être enregistrée : { $part ->
        [text] vérifiez son texte (obligatoire, pas trop long).
        [points] vérifiez ses points.
        [tags] vérifiez ses étiquettes.
        [correct] cochez au moins une bonne réponse parmi les options, chacune une option de la question.
        [options] vérifiez les options (assez nombreuses, chacune avec un texte, sans doublon).
        [answers] vérifiez les réponses acceptées.
        [length] vérifiez la longueur de réponse maximale.
       *[other] vérifiez { $field }.
    }
invalid-pattern = Le motif est refusé : il doit être une expression régulière sans assertion avant ou arrière ni référence arrière, et pas trop grande.
invalid-answer = Cette réponse ne correspond pas à sa question.
invalid-rubric = La grille ne peut pas être enregistrée : vérifiez { $field }.
invalid-assignment = La consigne ou le travail attendu ne vont pas ensemble.
invalid-submission = Ce travail ne peut pas être enregistré : { $reason }.

refusal-quiz-not-passed = Cette leçon se termine en réussissant son quiz.
refusal-unknown-assessment = La leçon ne nomme aucune évaluation de ce cours.
refusal-assessment-kind-mismatch = Une leçon quiz renvoie à un quiz ou un examen, une leçon devoir à un devoir.
refusal-assessment-not-open = Cette évaluation n'est pas ouverte aux tentatives en ce moment.
refusal-deadline-passed = L'échéance est passée ; les remises en retard ne sont pas acceptées.
refusal-max-attempts-reached = Vous avez utilisé toutes vos tentatives.
refusal-assessment-empty = Cette évaluation n'a pas encore de questions.
refusal-already-submitted = Cette tentative a déjà été remise.
refusal-no-attempt-in-progress = Commencez d'abord une tentative.
refusal-unknown-question = Cette tentative n'a pas cette question.
refusal-not-a-quiz = Un devoir n'a pas de questions et ne se fait pas en tentatives.
refusal-assessment-in-use = Une leçon renvoie à cette évaluation ; modifiez d'abord la leçon.
refusal-assessment-has-submissions = Des apprenants ont tenté cette évaluation ; elle ne peut pas être supprimée.
refusal-not-graded-by-hand = Seules les réponses rédigées se notent à la main.
refusal-nothing-to-grade = L'apprenant n'a pas répondu à cette question.
refusal-invalid-grade = Une note vaut au plus les points de la question.
refusal-not-submitted = Seule une tentative remise se note.
refusal-invalid-draw = Un tirage prend au moins une question dans une banque de ce cours, et au plus autant qu’elle en contient.
refusal-bank-in-use = Une évaluation tire des questions de cette banque.
refusal-too-many-questions = Cette évaluation contient déjà autant de questions que permis.
refusal-attempt-conflict = Une autre tentative a commencé au même instant ; réessayez.

## Passer un quiz : la carte de la leçon, le formulaire de la tentative, le résultat et sa correction.
quiz-question-count = { $count ->
    [one] Une question, { $points } points
   *[other] { $count } questions, { $points } points
}
quiz-passing = Réussite : { $percent } % des points
quiz-time-limit = Durée : { $minutes } min une fois commencé
quiz-due = À rendre le { $at }
quiz-open-until = Ouvert jusqu’au { $at }
quiz-attempts-left = { $count ->
    [0] Plus aucune tentative
    [one] Une tentative restante
   *[other] { $count } tentatives restantes
}
quiz-your-attempts = Vos tentatives
quiz-attempt-number = Tentative { $number }
quiz-status = { $status ->
    [in_progress] en cours
    [expired] expirée
    [needs_grading] en attente de correction
    [graded] notée
   *[other] { $status }
}
quiz-start = Commencer le quiz
quiz-resume = Reprendre votre tentative
quiz-no-attempts-left = Vous avez utilisé toutes vos tentatives.
quiz-deadline = Échéance : { $at }
quiz-server-clock = Les heures sont celles du serveur ; il est { $now }.
quiz-countdown-left = Temps restant :
quiz-countdown-five = Plus que 5 minutes. Vos réponses seront rendues à la fin du temps.
quiz-countdown-one = Plus qu’une minute. Vos réponses seront rendues à la fin du temps.
quiz-countdown-handing-in = Le temps est écoulé : vos réponses sont rendues.
quiz-countdown-handing-in-late = Le temps est écoulé : vos réponses sont rendues, marquées en retard.
quiz-countdown-time-up = Le temps est écoulé. Cette tentative ne prend plus de réponses.
quiz-question-number = Question { $number }
quiz-points = { $points ->
    [one] (1 point)
   *[other] ({ $points } points)
}
quiz-true = Vrai
quiz-false = Faux
quiz-your-answer = Votre réponse
quiz-choose = Choisir…
quiz-ordering-hint = Numérotez les éléments dans leur ordre, 1 en premier.
quiz-save = Enregistrer les réponses
quiz-submit-legend = Rendre
quiz-confirm = J’ai terminé et je veux rendre ; les réponses ne pourront plus changer.
quiz-submit = Rendre
quiz-saved = Vos réponses sont enregistrées.
quiz-confirm-first = Vos réponses sont enregistrées, pas rendues : cochez la case pour confirmer que vous avez terminé, puis rendez.
quiz-expired = L’échéance de cette tentative est passée avant qu’elle soit rendue.
quiz-result = Résultat
quiz-waits-for-grading = En attente de la correction d’un formateur.
quiz-score = Note : { $score } sur { $max }
quiz-passed = Réussi
quiz-not-passed = Non réussi
quiz-late = Rendu en retard
quiz-review = Correction
quiz-earned = { $score } sur { $points } points
quiz-right-answer = La bonne réponse :
quiz-feedback = Commentaire :

## Écrire des quiz : les évaluations d’un cours, les réglages et questions d’une évaluation, tentatives, correction.
authoring-list-title = Évaluations de { $course }
authoring-list-caption = Les quiz et examens du cours
authoring-none = Ce cours n’a pas encore d’évaluation.
authoring-new = Nouvelle évaluation
authoring-create = Créer
authoring-back = Retour aux évaluations
authoring-back-to-assessment = Retour à l’évaluation
authoring-back-to-attempts = Retour aux tentatives
authoring-kind = { $kind ->
    [quiz] Quiz
    [exam] Examen
    [assignment] Devoir
   *[other] { $kind }
}
authoring-field-title = Titre
authoring-field-kind = Type
authoring-questions = Questions
authoring-attempts = Tentatives
authoring-see-attempts = Tentatives et correction
authoring-saved = Les réglages sont enregistrés.
authoring-no-questions = Pas encore de question : ajoutez-en une ci-dessous.
authoring-edit = Modifier
authoring-remove = Retirer
authoring-add-question = Ajouter une question :
authoring-settings = Réglages
authoring-field-instructions = Consignes pour les apprenants
authoring-field-passing = Pourcentage de réussite
authoring-field-time-limit = Durée en minutes (vide : aucune)
authoring-field-max-attempts = Tentatives permises (vide : sans limite)
authoring-field-from = Ouvert à partir du
authoring-field-until = Ouvert jusqu’au
authoring-field-due = À rendre le
authoring-field-shuffle-questions = Mélanger les questions à chaque tentative
authoring-field-shuffle-options = Mélanger les options à chaque tentative
authoring-field-review = Les apprenants voient les bonnes réponses
authoring-review = { $policy ->
    [after_submission] une fois rendu
    [after_due] une fois rendu et l’échéance passée
   *[never] jamais (leur note seulement)
}
authoring-field-counted = Le résultat de l’apprenant est
authoring-counted = { $policy ->
    [highest] sa meilleure tentative
    [latest] sa dernière tentative
   *[average] la moyenne de ses tentatives
}
authoring-field-late = Après l’échéance
authoring-late = { $policy ->
    [refuse] plus rien n’est accepté
   *[accept] les rendus sont acceptés, marqués en retard
}
authoring-save = Enregistrer les réglages
authoring-delete = Supprimer cette évaluation
authoring-unreadable = Un nombre ou une date de ce formulaire n’a pas pu être lu.
question-kind = { $kind ->
    [single_choice] Choix unique
    [multiple_choice] Choix multiple
    [true_false] Vrai ou faux
    [short_answer] Réponse courte
    [matching] Association
    [ordering] Mise en ordre
   *[essay] Rédaction
}
authoring-new-question = Nouvelle question
authoring-edit-question = Modifier la question
authoring-field-prompt = Question
authoring-field-points = Points
authoring-field-tags = Étiquettes, séparées par des virgules (invisibles des apprenants)
authoring-options = Options
authoring-options-hint-single = Écrivez les options ; choisissez la bonne.
authoring-options-hint-multiple = Écrivez les options ; cochez chaque bonne.
authoring-option-right = L’option { $number } est juste
authoring-option-text = Option { $number }
authoring-field-scoring = Notation
authoring-scoring = { $scoring ->
    [all_or_nothing] tout ou rien
    [partial] crédit partiel
   *[partial_negative] crédit partiel, les mauvais choix retirent des points (jamais sous zéro)
}
authoring-right-answer = La bonne réponse
authoring-field-rule = Réponses acceptées
authoring-rule = { $rule ->
    [exact] exactement l’un de ces textes
    [case_insensitive] l’un de ces textes, sans tenir compte de la casse
    [regex] un texte suivant un motif
   *[numeric] un nombre à une tolérance près
}
authoring-field-answers = Textes acceptés, un par ligne
authoring-field-pattern = Motif (une expression régulière que toute la réponse suit)
authoring-field-value = Nombre
authoring-field-tolerance = Tolérance
authoring-field-pairs = Paires, une par ligne : énoncé = sa correspondance
authoring-field-distractors = Choix en plus qui ne correspondent à rien, un par ligne
authoring-field-items = Éléments dans leur bon ordre, un par ligne
authoring-field-max-chars = Réponse la plus longue en caractères (vide : 50 000)
authoring-save-question = Enregistrer la question
authoring-draws = Questions tirées au hasard des banques
authoring-draws-hint = Chaque tentative tire aussi ce nombre de questions au hasard dans une banque (un tirage différent à chaque tentative) ; laissez une banque vide pour n’en tirer aucune.
authoring-draw-field = { $count ->
    [one] Dans « { $bank } » (elle contient une question)
   *[other] Dans « { $bank } » (elle contient { $count } questions)
}
authoring-drawn = { $count ->
    [one] Une question au hasard de la banque « { $bank } »
   *[other] { $count } questions au hasard de la banque « { $bank } »
}
authoring-no-banks = Ce cours n’a pas encore de banque de questions où tirer.
authoring-save-draws = Enregistrer les tirages
authoring-attempts-title = Tentatives de { $title }
authoring-no-attempts = Aucun apprenant n’a encore commencé cette évaluation.
authoring-learner = Apprenant
authoring-attempt = Tentative
authoring-status = Statut
authoring-score = Note
authoring-grading-title = Tentative de { $learner }
authoring-unanswered = Sans réponse.
authoring-field-grade = Points (au plus { $points })
authoring-grade = Enregistrer les notes

## Le constructeur de cours et l’éditeur de leçon : où les quiz sont liés.
builder-assessments = Quiz et examens
builder-banks = Banques de questions
builder-new-quiz-lesson = quiz
editor-assessment = Quiz d’une leçon de quiz
editor-assessment-none = Aucun
editor-assessment-hint = Une leçon de quiz affiche ce quiz ; les apprenants terminent la leçon en le réussissant.
editor-assessment-manage = Écrire les quiz du cours

## Les banques de questions d’un cours : des questions que les évaluations tirent au hasard.
banks-title = Banques de questions de { $course }
banks-caption = Les banques de questions du cours
banks-hint = Une banque contient des questions que les quiz et examens tirent au hasard, un tirage différent à chaque tentative. Les apprenants ne voient que les questions tirées pour leur tentative.
banks-none = Ce cours n’a pas encore de banque de questions.
banks-new = Nouvelle banque de questions
banks-back = Retour aux banques de questions
banks-back-to-bank = Retour à la banque
banks-manage = Les banques de questions du cours
banks-open = Ouvrir la banque
banks-size = { $count ->
    [0] Pas encore de question
    [one] Une question
   *[other] { $count } questions
}
banks-delete = Supprimer cette banque
