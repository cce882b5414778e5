# Le carnet de notes : notes par apprenant, catégories de notes, analyse des questions, notes de l'apprenant.
invalid-weight = Un poids est un nombre de 0 à 1 000.
