# Quiz et examens : ce que disent leurs pages, et pourquoi une évaluation a refusé quelque chose.

invalid-assessment = Ces réglages ne vont pas ensemble (pourcentage de réussite, durée, tentatives et dates).
# $field nomme l'endroit de la question, comme key.options[1].id.
invalid-question = La question ne peut pas être enregistrée : vérifiez { $field }.
invalid-pattern = Le motif est refusé : il doit être une expression régulière sans assertion avant ou arrière ni référence arrière, et pas trop grande.
invalid-answer = Cette réponse ne correspond pas à sa question.

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
refusal-invalid-draw = Un tirage nomme une banque de ce cours et au plus autant de questions qu'elle en contient.
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
