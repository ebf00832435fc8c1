"""PostgreSQL, the shared backend (asyncpg): several bot processes can use one database at once."""
