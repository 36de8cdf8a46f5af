"""This machine's tools, never shipped to Lambda: ``python -m devtools.local`` (``make app``: the whole service on
loopback), the throwaway PostgreSQL/Redis servers the tests, the benchmarks and ``make app`` start
(``devtools.servers``), and the sample catalog (``devtools.seed``)."""
