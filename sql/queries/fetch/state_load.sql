-- Validators of URLs fetched before, for If-None-Match / If-Modified-Since.
SELECT url, etag, last_modified FROM fetch_state
WHERE etag IS NOT NULL OR last_modified IS NOT NULL;
