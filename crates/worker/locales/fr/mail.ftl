# Les messages qu'envoie Lyceum, en français. Chaque message existe dans le mail.ftl de chaque
# langue (les tests du worker rédigent chaque sorte de message dans chaque langue).

## Communs à tous les messages

greeting = Bonjour { $name },
signature = L’équipe { $tenant }
footer = Vous recevez ce message parce que vous avez un compte chez { $tenant }. Il a été envoyé automatiquement ; les réponses ne sont pas lues.
ignore = Si vous n’attendiez pas ce message, vous pouvez l’ignorer.
link-hint = Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :

## Dates (dans le fuseau horaire de l’organisation)

date = { $day } { $month } { $year }
date-time = { $date } à { $time } ({ $zone })
month-1 = janvier
month-2 = février
month-3 = mars
month-4 = avril
month-5 = mai
month-6 = juin
month-7 = juillet
month-8 = août
month-9 = septembre
month-10 = octobre
month-11 = novembre
month-12 = décembre

## Invitation

invitation-subject = Vous êtes invité·e à rejoindre { $tenant }
invitation-body = Vous avez été invité·e à rejoindre { $tenant }. Choisissez un mot de passe pour activer votre compte.
invitation-action = Accepter l’invitation
invitation-expiry = L’invitation peut être acceptée une fois, jusqu’au { $when }.

## Réinitialisation du mot de passe

password-reset-subject = Choisissez un nouveau mot de passe pour { $tenant }
password-reset-body = Nous avons reçu une demande de réinitialisation du mot de passe de votre compte chez { $tenant }.
password-reset-action = Choisir un nouveau mot de passe
password-reset-expiry = Le lien fonctionne une fois, jusqu’au { $when }. Votre mot de passe reste inchangé tant que vous n’en choisissez pas un nouveau.

## Compte verrouillé

account-locked-subject = La connexion à { $tenant } est suspendue
account-locked-body = Plusieurs tentatives de connexion à votre compte ont échoué. Pour le protéger, la connexion est suspendue jusqu’au { $when }.
account-locked-advice = Si ces tentatives ne venaient pas de vous, choisissez un nouveau mot de passe dès que vous pourrez vous reconnecter, et prévenez votre administrateur.
account-locked-action = Aller à la page de connexion

## Rappel d’échéance

due-reminder-subject = Rappel : { $course } est à terminer pour le { $date }
due-reminder-body = Le cours { $course } est à terminer pour le { $date }, et vous en avez fait { $percent } %.
due-reminder-action = Continuer le cours

## Récapitulatif

digest-subject = Vos cours chez { $tenant }
digest-body = Voici où vous en êtes dans les cours que vous suivez.
digest-progress = { $percent } % terminé
digest-progress-due = { $percent } % terminé, à terminer pour le { $date }
digest-action = Ouvrir votre tableau de bord

## Webhook désactivé (aux administrateurs)

webhook-disabled-subject = Un webhook de { $tenant } a été désactivé
webhook-disabled-body = Le point de terminaison { $url } a échoué à chaque livraison depuis le { $since } ; il a donc été désactivé : il ne reçoit plus d'événements jusqu'à ce qu'un administrateur le réactive.
webhook-disabled-error = Sa dernière livraison a échoué avec : { $error }
webhook-disabled-advice = Dès que le service destinataire répond à nouveau, réactivez le point de terminaison ; vous pouvez rejouer les livraisons manquées depuis son journal de livraisons.
webhook-disabled-action = Ouvrir les webhooks

## Note publiée

grade-posted-subject = Votre note pour { $assignment } est publiée
grade-posted-body = Votre travail pour { $assignment } dans { $course } a été noté : { $score } sur { $max } points.
grade-posted-passed = Il est réussi. Les commentaires de chaque critère vous attendent dans le cours.
grade-posted-not-passed = Il n'est pas encore réussi. Lisez les commentaires de chaque critère dans le cours.
grade-posted-action = Voir votre note
