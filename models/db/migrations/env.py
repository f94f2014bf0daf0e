from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import models.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from models.db.engine import sqlalchemy_url
from models.db.roles import Roles, become_owner, check_ownership

target_metadata = SQLModel.metadata


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("DATABASE_URL is not set")
    return sqlalchemy_url(url)


def roles() -> Roles:
    """The owner and service role names: given by models.db.migrate, else THIDUA_DB_*_ROLE or the defaults."""
    given = context.config.attributes.get("roles")
    return given if isinstance(given, Roles) else Roles.from_environment()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        # Whatever the migrations create must belong to the owner role, whoever connects.
        become_owner(connection, roles())
        check_ownership(connection, {*target_metadata.tables, "alembic_version"}, roles())
        connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
