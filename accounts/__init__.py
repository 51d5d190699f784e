"""Accounts: users, organisations, memberships, API tokens, and who owns which repository.

A room of its own beside the revision store (``revisions`` knows an author only as a name it
is given): its tables live in the same database and Alembic history (``accounts.schema``),
and it never imports Flask. ``api/auth.py`` asks it who a token belongs to and what that user
may do.
"""
