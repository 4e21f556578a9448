"""Front ends: SQL (sqlglot), Alembic and Django (syntax only), each producing IR migrations."""
