"""newsflow: news articles ingested, cleaned, validated and deduplicated into DuckDB by Prefect flows."""

__version__ = "0.1.0"
