# Quiz et examens : ce que disent leurs pages, et pourquoi une évaluation a refusé quelque chose.

invalid-assessment = Ces réglages ne vont pas ensemble (pourcentage de réussite, durée, tentatives et dates).
# $field nomme l'endroit de la question, comme key.options[1].id.
invalid-question = La question ne peut pas être enregistrée : vérifiez { $field }.
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
refusal-invalid-draw = Un tirage nomme une banque de ce cours et au plus autant de questions qu'elle en contient.
refusal-bank-in-use = Une évaluation tire des questions de cette banque.
refusal-too-many-questions = Cette évaluation contient déjà autant de questions que permis.
refusal-attempt-conflict = Une autre tentative a commencé au même instant ; réessayez.
