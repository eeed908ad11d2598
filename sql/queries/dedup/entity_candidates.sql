-- Pairs of articles naming the same entities within $window_days of each other:
-- each new article against every earlier one; entities named by more than
-- $max_entity_df articles are too common to say anything.
WITH new_entities AS (
    SELECT entity, doc_no, story_date FROM story_entities WHERE doc_no >= $first_new
),
usable AS (
    SELECT entity FROM story_entities
    WHERE entity IN (SELECT entity FROM new_entities)
    GROUP BY entity
    HAVING count(*) <= $max_entity_df
)
SELECT o.doc_no AS a_no, n.doc_no AS b_no, count(*) AS shared
FROM new_entities AS n
JOIN usable AS u ON u.entity = n.entity
JOIN story_entities AS o ON o.entity = n.entity AND o.doc_no < n.doc_no
WHERE abs(date_diff('day', o.story_date, n.story_date)) <= $window_days
GROUP BY ALL
HAVING count(*) >= $min_shared;
