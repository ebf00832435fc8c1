"""Benchmarks of the quiz bot's hot paths: answer ingest, leaderboards over long histories, start-up, reveal
punctuality and the daily fan-out on Discord. Run with ``python -m bench``; see ``bench/README.md``."""
