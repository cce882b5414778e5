# Les pages des formateurs et des administrateurs : l'enseignement, la construction des cours,
# les rapports d'inscription et les personnes de l'organisation.

people-usage = Formule { $plan } : { $students ->
    [one] { $students } apprenant
   *[other] { $students } apprenants
}.
people-usage-limited = Formule { $plan } : { $students } { $students ->
    [one] apprenant
   *[other] apprenants
} sur { $max }.
