# La console de l'opérateur de la plateforme, sous /platform/.

console-name = Plateforme Lyceum
console-footer = Console de la plateforme Lyceum
console-nav-tenants = Organisations
console-nav-audit = Journal d'audit
console-sign-in-heading = Se connecter à la plateforme

placement-pool = base partagée
placement-schema = schéma dédié
placement-database = base dédiée
tenant-status-provisioning = en création
tenant-status-active = active
tenant-status-suspended = suspendue
tenant-status-deleted = supprimée

tenants-title = Organisations
tenants-caption = Toutes les organisations de ce déploiement
tenants-tenant = Organisation
tenants-plan = Formule
tenants-placement = Hébergement
tenants-status = Statut
tenants-change = Modifier
tenants-suspend = Suspendre { $slug }
tenants-resume = Rétablir { $slug }
tenants-new = Nouvelle organisation
tenants-name = Nom
tenants-slug = Identifiant
tenants-slug-hint = (3 à 63 lettres minuscules, chiffres et tirets)
tenants-create = Créer l'organisation

audit-title = Journal d'audit
audit-empty = Rien n'a encore été enregistré.
audit-caption = Actions sur la plateforme, les plus récentes d'abord (heures UTC)
audit-when = Quand
audit-who = Qui
audit-action = Action
audit-tenant = Organisation
audit-seq = N°
audit-from = Provenance
audit-chain-edited = Chaîne rompue : l'entrée { $seq } a été modifiée.
audit-chain-removed = Chaîne rompue : l'entrée { $seq } a été supprimée.
audit-chain-reordered = Chaîne rompue : l'entrée { $seq } a été déplacée.
audit-chain-held = Le journal a été modifié dans la base de données ; les { $entries } entrées qui la précèdent sont intactes.
audit-chain-intact = Chaîne intacte : { $entries } entrées vérifiées{ $unchained ->
    [0] {""}
   *[other] , et { $unchained } écrites avant le début de la chaîne (non protégées)
}.
audit-chain-head = La plus récente : entrée { $seq }, empreinte

## Opérateurs de la plateforme : réinitialisation du mot de passe, connexion débloquée

console-nav-operators = Opérateurs
operators-title = Opérateurs de la plateforme
operators-caption = Tous les utilisateurs de la plateforme de ce déploiement
operators-name = Nom
operators-locked = connexion bloquée
operators-send-reset = Donner à { $email } un lien de réinitialisation
operators-unlock = Débloquer la connexion de { $email }
operators-reset-given = Un lien à usage unique pour que { $email } choisisse un nouveau mot de passe, valable jusqu'au { $expires } (UTC). Il n'est affiché qu'ici : transmettez-le.
operators-unlocked = { $email } peut de nouveau se connecter.
console-reset-intro = Choisissez le nouveau mot de passe de votre compte de plateforme, avec le lien qu'un autre opérateur vous a donné. Le lien ne sert qu'une fois.
