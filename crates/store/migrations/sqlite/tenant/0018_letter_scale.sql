-- A course's letter scale, with its grading settings: its bands from the highest down, each a
-- letter and the lowest course percent that earns it (`[{"letter": "A", "min_percent": 90}, ...]`).
-- NULL: the course never set one and the default scale holds (A 90, B 80, C 70, D 60, F 0);
-- `[]`: no letters.
ALTER TABLE course_grading ADD COLUMN letter_scale TEXT;
