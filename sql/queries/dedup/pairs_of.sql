-- Stored verdicts for the pairs in `batch` (a_no, b_no).
SELECT p.a_no, p.b_no, p.is_copy
FROM dedup_pairs AS p
JOIN batch AS b ON b.a_no = p.a_no AND b.b_no = p.b_no;
