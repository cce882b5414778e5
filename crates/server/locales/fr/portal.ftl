# Les pages de l'organisation : le cadre, les pages publiques et celles des apprenants, le
# compte, et les mots que toutes les pages partagent (dates, nombres, statuts, page d'erreur).

## Formats

# Un jour : $day et $year sont écrits tels quels, $month (1 à 12) choisit le nom.
date = { $day } { $month ->
    [1] janvier
    [2] février
    [3] mars
    [4] avril
    [5] mai
    [6] juin
    [7] juillet
    [8] août
    [9] septembre
    [10] octobre
    [11] novembre
   *[12] décembre
} { $year }
date-time = { $date } à { $time }
# Une espace insécable avant le signe %.
percent = { $value }{"\u00A0"}%

## Le cadre

skip-to-content = Aller au contenu
nav-main = Principal
nav-catalog = Catalogue
nav-my-learning = Mes formations
nav-teaching = Enseignement
nav-people = Personnes
nav-audit = Journal d'audit
nav-account = Mon compte
nav-sign-in = Se connecter
sign-out = Se déconnecter
powered-by = propulsé par Lyceum

## Statuts et rôles

role-student = apprenant
role-instructor = formateur
role-admin = administrateur
user-status-active = actif
user-status-invited = invité
user-status-deactivated = désactivé
enrollment-status-active = en cours
enrollment-status-completed = terminé
enrollment-status-dropped = abandonné
course-status-draft = brouillon
course-status-published = publié
course-status-archived = archivé
lesson-kind-video = vidéo
lesson-kind-text = texte
lesson-kind-quiz = quiz
lesson-kind-assignment = devoir
plan-free = Gratuite
plan-pro = Pro
plan-enterprise = Entreprise

## Le catalogue

home-title = Cours
home-heading = Les cours de { $tenant }
home-search-label = Chercher un cours
home-search = Chercher
home-none-published = Aucun cours n'est encore publié.
home-none-matching = Aucun cours ne correspond à « { $query } ».
home-more = Plus de cours

## Un cours

course-what-you-learn = Ce que vous apprendrez
course-continue = Reprendre la formation
course-enroll = M'inscrire à ce cours
course-sign-in-to-enroll = Se connecter pour s'inscrire
course-staff-do-not-enroll = Le personnel inscrit les apprenants depuis la page du cours dans l'éditeur de cours, et non lui-même.

## Connexion, inscription, invitations

sign-in-title = Connexion
sign-in-heading = Se connecter à { $tenant }
field-email = Adresse e-mail
field-password = Mot de passe
field-your-name = Votre nom
password-hint = (au moins 10 caractères)
sign-in-submit = Se connecter
sign-in-no-account = Pas encore de compte ?
sign-in-sign-up = Créer un compte
sign-up-title = Inscription
join-heading = Rejoindre { $tenant }
sign-up-submit = Créer mon compte
accept-intro = Choisissez un mot de passe pour terminer la création de votre compte.
accept-submit = Enregistrer mon mot de passe

## Le tableau de bord de l'apprenant

dashboard-title = Mes formations
dashboard-overall = Progression globale :
dashboard-empty = Vous n'êtes encore inscrit à aucun cours.
dashboard-browse = Parcourir le catalogue
dashboard-courses = Cours
dashboard-progress-in = Progression dans { $course }
dashboard-due = à terminer le { $date }
dashboard-coming-up = À venir
dashboard-due-item = { $course } : à terminer le { $date } ({ $percent })
dashboard-certificates = Certificats

## Le plan du cours et le lecteur de leçons

outline-progress = Progression dans le cours
outline-complete = { $percent } effectués
outline-completed = terminé
outline-locked = verrouillée
outline-done = faite
lesson-back = Retour au cours
lesson-breadcrumb = Fil d'Ariane
lesson-no-video = Votre navigateur ne peut pas lire cette vidéo.
lesson-video-unavailable = Cette vidéo n'est pas disponible ici.
lesson-image-unavailable = Cette image n'est pas disponible ici.
lesson-assessment-soon = Le quiz ou le devoir de cette leçon s'ouvrira bientôt ici.
lesson-pass-to-complete = Vous terminez cette leçon en réussissant son quiz.
lesson-next = Suivante
lesson-complete = Marquer comme terminée et continuer

## Les certificats

certificate-title = Certificat { $code }
certificate-heading = Certificat de réussite
certificate-certifies = Nous certifions que
certificate-completed = a terminé le cours
certificate-on = le { $date }
certificate-code = Code de vérification
certificate-confirms = cette page, à cette adresse, le confirme.

## Le compte

account-title = Mon compte
account-language = Langue
account-language-hint = La langue de ces pages, pour vous seul.
account-language-automatic = Celle de l'organisation ou de mon navigateur
account-save = Enregistrer
account-saved = C'est enregistré.

# Chaque langue est nommée dans sa propre langue, quelle que soit celle de la page.
language-en = English
language-fr = Français

## Quand quelque chose échoue

problem-not-found = Introuvable
problem-not-allowed = Non autorisé
problem-not-possible = Impossible pour le moment
problem-too-many = Trop de requêtes
problem-went-wrong = Une erreur s'est produite
problem-did-not-work = Cela n'a pas fonctionné
problem-back = Retour au catalogue
