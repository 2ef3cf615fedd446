"""The SQL of each capability, behind one class per kind of stored thing (a repository).

Use cases never write SQL: they receive a `UnitOfWork` (store/unit_of_work.py) and call its
repositories. A repository reads and writes in the unit of work's transaction and returns domain
objects or small frozen records, never a live ORM row, so what it returns means the same after the
transaction ends. Database-specific SQL (SQLite vs PostgreSQL) lives in `store/dialect.py` only.
"""
