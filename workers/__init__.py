"""The service's processes outside Lambda (a container, a host, ``make app``'s threads aside): the outbox relay, the
read-only drain, migrations, the catalog bootstrap and the recommendations refresh. ``python -m workers NAME``.

They live here, not in ``app/``: the domain modules hold no command line, and the Lambda artifact (``app/`` and
``platform_rules/`` only) ships nothing that does not run on Lambda (there the functions in app/lambda_handler.py
do these jobs).
"""
