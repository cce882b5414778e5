# Les personnes en nombre : l'import CSV de personnes, les filtres de la liste, et les groupes (promotions).

nav-groups = Groupes

people-filter-role = Rôle
people-filter-status = Statut
people-filter-any = Tous

people-import = Importer des personnes depuis un fichier CSV
people-import-help = Une ligne d'en-tête avec les colonnes email et name, et si besoin role (student, instructor ou admin ; student si vide) et courses (codes de cours séparés par ;). Chaque personne créée est invitée par e-mail.
people-import-file = Fichier CSV
people-import-submit = Importer
people-import-title = Personnes importées
people-import-summary = { $created } créées, { $existing } déjà présentes, { $failed } refusées.
people-import-caption = Le résultat de chaque ligne
people-import-result = Résultat
people-import-created = Créée et invitée
people-import-existing = Déjà présente : rien n'a changé
people-import-back = Retour aux personnes

groups-title = Groupes
groups-intro = Les groupes rassemblent des personnes, pour les inscrire ensemble à un cours et lire les apprenants d'un cours groupe par groupe.
groups-none = Aucun groupe pour l'instant.
groups-caption = Les groupes de { $tenant }
groups-name = Nom
groups-members = Membres
groups-create = Créer un groupe
groups-create-submit = Créer
groups-back = Tous les groupes

group-no-members = Personne dans ce groupe pour l'instant.
group-members-caption = Les membres de { $group }
group-remove = Retirer { $person }
group-add = Ajouter une personne
group-add-submit = Ajouter
group-enroll = Inscrire tout le groupe à un cours
group-course = Cours
group-enroll-submit = Inscrire
group-no-courses = Aucun cours publié où inscrire le groupe.
group-enrolled = { $enrolled } inscrites, { $already } déjà inscrites, { $failed } non inscrites.
group-rename = Renommer ce groupe
group-rename-submit = Renommer
group-delete = Supprimer ce groupe
group-delete-submit = Supprimer le groupe (ses membres restent)

refusal-duplicate-email = Cette adresse figure déjà sur une ligne précédente du fichier.
refusal-user-exists = Une personne a déjà cette adresse ici.
refusal-unknown-role = Ce rôle n'existe pas (student, instructor ou admin).
refusal-unknown-course = Aucun cours n'a ce code.
refusal-group-name-taken = Un groupe porte déjà ce nom.
refusal-too-many-members = Trop de personnes à la fois.
