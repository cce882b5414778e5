-- A person's own language for the pages (`en`, `fr`, ...), or NULL to follow the tenant's and
-- then the browser's. No CHECK on the values: the set of languages grows with the catalogues,
-- and a value the running release does not speak reads as no preference.
ALTER TABLE users ADD COLUMN locale TEXT;
