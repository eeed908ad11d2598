-- Candidate pairs sharing at least $min_anchors sampled shingles (shared passages),
-- each new article against every earlier one; anchors held by more than
-- $max_anchor_df articles (template text) are skipped.
WITH new_anchors AS (
    SELECT anchor, doc_no FROM dedup_anchors WHERE doc_no >= $first_new
),
usable AS (
    SELECT anchor FROM dedup_anchors
    WHERE anchor IN (SELECT anchor FROM new_anchors)
    GROUP BY anchor
    HAVING count(*) <= $max_anchor_df
)
SELECT o.doc_no AS a_no, n.doc_no AS b_no, count(*) AS n_anchors
FROM new_anchors AS n
JOIN usable AS u ON u.anchor = n.anchor
JOIN dedup_anchors AS o ON o.anchor = n.anchor AND o.doc_no < n.doc_no
GROUP BY ALL
HAVING count(*) >= $min_anchors;
