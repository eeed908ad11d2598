-- How many articles the index covers, and how many there are.
SELECT (SELECT count(*) FROM search_docs) AS indexed, (SELECT count(*) FROM articles) AS articles;
