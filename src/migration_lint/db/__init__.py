"""The database side: a scratch PostgreSQL server, connections, and the commands that use them
(verify, status, rollback). Nothing on the lint path imports this package: psycopg and the
server start-up stay out of a pre-commit run.
"""
