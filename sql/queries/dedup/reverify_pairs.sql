-- Stored pairs to check again because a paragraph of one of their articles
-- gained new holders in this batch (its template status may have changed).
-- Paragraphs held by more than $max_para_df articles are settled template text.
WITH new_paras AS (
    SELECT DISTINCT para_hash FROM dedup_paragraphs WHERE doc_no >= $first_new
),
changed AS (
    SELECT para_hash FROM dedup_paragraphs
    WHERE para_hash IN (SELECT para_hash FROM new_paras)
    GROUP BY para_hash
    HAVING count(*) BETWEEN 2 AND $max_para_df
),
touched AS (
    SELECT DISTINCT doc_no FROM dedup_paragraphs
    WHERE para_hash IN (SELECT para_hash FROM changed) AND doc_no < $first_new
)
SELECT p.a_no, p.b_no
FROM dedup_pairs AS p
WHERE p.a_no IN (SELECT doc_no FROM touched) OR p.b_no IN (SELECT doc_no FROM touched);
