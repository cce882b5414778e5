# Pourquoi une demande a été refusée, selon le code du refus (voir docs/errors.md) ou la valeur
# rejetée. Affiché sur la page du formulaire ou sur la page d'erreur.

refusal-try-again = Veuillez réessayer dans un instant.
refusal-not-found = Il n'y a rien ici, ou rien que vous puissiez voir.
refusal-certificate-not-found = Aucun certificat ne porte ce code ici.
refusal-tenant-not-found = Cette organisation n'existe pas ici.
refusal-tenant-not-resolved = Cette adresse ne désigne aucune organisation.
refusal-invalid-host = Lyceum ne sert pas cette adresse.
refusal-tenant-mismatch = Cette demande désigne deux organisations différentes.
refusal-tenant-suspended = L'accès de cette organisation est suspendu pour le moment.
refusal-rate-limited = Trop de requêtes pour cette organisation en ce moment ; réessayez dans un instant.
refusal-permission-denied = Vous n'êtes pas autorisé à faire cela.
refusal-not-enrolled = Inscrivez-vous au cours pour l'ouvrir.
refusal-lesson-locked = Cette leçon ne vous est pas encore ouverte.
refusal-plan-limit-reached = La formule de l'organisation n'en permet pas davantage ; ses administrateurs peuvent choisir une formule supérieure.
refusal-signup-disabled = Cette organisation ne permet pas de créer soi-même son compte ; demandez une invitation à ses administrateurs.
refusal-course-empty = Un cours doit avoir au moins une leçon pour être publié.
refusal-content-too-complex = Le contenu de cette leçon a pris trop de temps à vérifier ; répartissez-le en leçons plus courtes.
refusal-course-not-open = Ce cours n'est pas ouvert aux inscriptions.
refusal-course-full = Ce cours est complet.
refusal-prerequisites-not-met = Terminez d'abord les cours que celui-ci exige.
refusal-enrollment-completed = On ne peut pas quitter un cours terminé.
refusal-cannot-deactivate-self = Vous ne pouvez pas vous désactiver vous-même ; demandez à un autre administrateur.
refusal-last-admin = L'organisation a besoin d'au moins un administrateur actif ; nommez-en d'abord un autre.
refusal-not-deactivated = Cette personne n'est pas désactivée.
refusal-not-invited = Cette personne n'attend pas d'invitation.
refusal-tenant-state-conflict = Cette organisation ne peut être ni suspendue ni rétablie pour le moment.
refusal-invalid-instructor = Un formateur doit être un formateur ou un administrateur actif de l'organisation.
refusal-invalid-prerequisite = Un prérequis doit être un cours de cette organisation.
refusal-invalid-csv = Ce fichier est illisible : envoyez un fichier CSV en UTF-8, de 50 000 lignes au plus, avec une ligne d'en-tête comportant une colonne email.
refusal-invalid-invitation = Ce lien d'invitation n'est plus valable ; demandez-en un nouveau.
refusal-conflict = C'est déjà pris ; choisissez autre chose.
refusal-tenant-slug-taken = Une autre organisation a déjà cet identifiant.
refusal-invalid-reference = Un élément désigné ici n'existe pas.
refusal-validation-failed = Quelque chose ne va pas dans ce formulaire ; vérifiez-le et renvoyez-le.
refusal-placement-unsupported = Cet hébergement n'est pas disponible ici.
refusal-csrf = Ce formulaire a expiré ; revenez en arrière, rechargez la page et renvoyez-le.
refusal-payload-too-large = Ce formulaire, ou le fichier envoyé avec lui, est trop volumineux.
refusal-invalid-credentials = Adresse e-mail ou mot de passe incorrect.
refusal-login-throttled = Trop de tentatives. Attendez une minute, puis réessayez.
refusal-invalid-email = Ce n'est pas une adresse e-mail.
refusal-invalid-date = Cette date n'est ni au format AAAA-MM-JJ ni une date et une heure.
refusal-invalid-row = Cette ligne est illisible.
refusal-unknown-user = Personne ici n'a cette adresse e-mail.
refusal-user-deactivated = Cette personne est désactivée.

## Valeurs rejetées

invalid-slug = « { $value } » ne peut pas servir de nom d'adresse : utilisez des lettres minuscules, des chiffres et des tirets.
invalid-reserved-slug = « { $value } » est réservé ; choisissez autre chose.
invalid-email = « { $value } » n'est pas une adresse e-mail.
invalid-choice = « { $value } » ne fait pas partie des choix.
invalid-weak-password = Ce mot de passe est trop faible : utilisez au moins 10 caractères, pas tous identiques, et pas un mot de passe courant.
# $field est le nom du champ dans le code.
invalid-empty = { $field ->
    [title] Le titre ne doit pas être vide.
    [display_name] Le nom ne doit pas être vide.
    [name] Le nom ne doit pas être vide.
   *[other] Ce champ ne doit pas être vide.
}
invalid-too-long = { $field ->
    [title] Le titre dépasse
    [display_name] Le nom dépasse
    [name] Le nom dépasse
    [description] La description dépasse
   *[other] Ce champ dépasse
} { $max ->
    [one] { $max } caractère
   *[other] { $max } caractères
}.
invalid-day = « { $value } » n'est pas un jour : écrivez-le AAAA-MM-JJ (YYYY-MM-DD), ou choisissez-le dans le calendrier.
invalid-completion-rule = Cette règle d'achèvement ne peut pas être remplie : elle doit compter au moins 1 leçon, et ne désigner que des leçons de ce module, chacune une seule fois.
invalid-prerequisite-cycle = Ces prérequis tourneraient en rond.
invalid-progress = La progression va de 0 à 100 et ne recule jamais.

## Le contenu d'une leçon, à côté du bloc concerné

# $field est le champ du bloc concerné.
content-not-an-array = Le contenu doit être une liste de blocs.
content-too-many-blocks = Une leçon contient au plus { $max } blocs ; celle-ci en a { $count }.
content-unreadable = Ce bloc est illisible ; retirez-le et ajoutez-le de nouveau.
content-required = { $field ->
    [markdown] Le texte manque.
    [media] L'adresse manque.
    [alt] La description manque.
    [duration_seconds] La durée manque.
   *[other] Un champ de ce bloc manque.
}
content-empty = { $field ->
    [markdown] Le texte ne doit pas être vide.
    [media] L'adresse ne doit pas être vide.
   *[other] Ce champ ne doit pas être vide.
}
content-too-long = { $field ->
    [media] L'adresse dépasse
    [alt] La description dépasse
   *[other] Ce champ dépasse
} { $max } caractères.
content-control-character = L'adresse ne doit pas contenir de caractères de contrôle.
content-markdown-too-long = Le texte de la leçon, tous blocs confondus, dépasse { $max } caractères.
content-too-deep = Ce texte imbrique des listes, des citations ou des éléments HTML sur plus de { $max } niveaux.
content-not-seconds = Indiquez la durée en nombre entier de secondes, 1 ou plus.
# $kind est le type de la leçon et $block celui du bloc : markdown, image, video ou assessment.
content-not-allowed = { $kind ->
    [video] Une leçon vidéo
    [quiz] Un quiz
    [assignment] Un devoir
   *[text] Une leçon de texte
} ne peut pas contenir { $block ->
    [markdown] de bloc de texte
    [image] d'image
    [video] de vidéo
   *[assessment] d'évaluation
}.
content-only-one = { $kind ->
    [video] Une leçon vidéo
    [quiz] Un quiz
    [assignment] Un devoir
   *[text] Une leçon de texte
} ne contient { $block ->
    [video] qu'une seule vidéo
   *[assessment] qu'une seule évaluation
}.
content-missing = { $kind ->
    [video] Une leçon vidéo a besoin de sa vidéo : ajoutez-la.
    [quiz] Un quiz a besoin de son évaluation.
    [assignment] Un devoir a besoin de son évaluation.
   *[text] Une leçon de texte a besoin d'au moins un bloc de texte.
}
refusal-plan-feature-unavailable = L'offre de l'organisation ne comprend pas cette fonction ; ses administrateurs peuvent choisir une offre supérieure.
refusal-invalid-webhook-url = Indiquez une adresse complète commençant par https:// (ou http://), sans nom d'utilisateur ni mot de passe.
refusal-webhook-target-refused = Cette adresse mène à un réseau privé ou local, que les webhooks ne peuvent pas atteindre.
refusal-webhook-limit-reached = L'organisation a déjà autant de webhooks que permis ; supprimez-en un d'abord.
refusal-webhook-disabled = Ce webhook est désactivé ; réactivez-le avant de renvoyer ses envois.
refusal-file-too-large = Ce fichier dépasse la taille permise pour les fichiers de sa nature.
refusal-storage-quota-exceeded = La formule de l'organisation n'a plus de place pour ce fichier ; supprimez des fichiers, ou ses administrateurs peuvent choisir une formule supérieure.
refusal-file-type-not-allowed = Les fichiers de ce type ne peuvent pas être déposés ici.
refusal-file-type-mismatch = Le contenu de ce fichier n'est pas du type annoncé par son nom ou le navigateur.
refusal-file-empty = Ce fichier est vide.
refusal-file-url-invalid = Ce lien de téléchargement n'est pas valable ici.
refusal-file-url-expired = Ce lien de téléchargement a expiré ; rouvrez la page pour en obtenir un nouveau.
refusal-upload-incomplete = Le dépôt s'est interrompu avant la fin ; réessayez.
refusal-storage-unavailable = Les fichiers ne peuvent être ni enregistrés ni lus pour le moment ; réessayez plus tard.
