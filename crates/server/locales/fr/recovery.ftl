## Mots de passe changés et récupérés

sign-in-forgot = Mot de passe oublié ?
sign-in-password-reset = Votre mot de passe est changé. Connectez-vous avec le nouveau.
forgot-title = Mot de passe oublié ?
forgot-intro = Saisissez l'adresse e-mail de votre compte. Si elle appartient à un compte ici, nous y enverrons un lien pour choisir un nouveau mot de passe.
forgot-submit = M'envoyer un lien
forgot-sent = Si cette adresse appartient à un compte ici, un lien pour choisir un nouveau mot de passe est en route. Il est valable une heure ; pensez à regarder dans vos indésirables.
forgot-back = Revenir à la connexion
reset-title = Choisir un nouveau mot de passe
reset-intro = Choisissez le nouveau mot de passe de votre compte. Une fois enregistré, toutes vos sessions sont déconnectées.
reset-submit = Enregistrer mon nouveau mot de passe
reset-ask-again = Demander un nouveau lien
password-title = Changer de mot de passe
password-intro = Vos autres sessions sont déconnectées une fois le nouveau mot de passe enregistré ; celle-ci continue.
password-current = Mot de passe actuel
password-new = Nouveau mot de passe
password-submit = Changer mon mot de passe
password-changed = Votre mot de passe est changé. Vos autres sessions sont déconnectées.
account-change-password = Changer de mot de passe
people-send-reset = Envoyer une réinitialisation du mot de passe
refusal-reset-token-invalid = Ce lien pour choisir un nouveau mot de passe est inconnu, déjà utilisé ou expiré. Demandez-en un nouveau.
refusal-wrong-password = Le mot de passe actuel n'est pas le bon. Votre mot de passe n'a pas changé.
refusal-user-not-active = Seule une personne active peut recevoir une réinitialisation du mot de passe : invitez de nouveau une personne invitée, ou réactivez une personne désactivée.
console-nav-password = Mon mot de passe
console-password-title = Changer mon mot de passe
