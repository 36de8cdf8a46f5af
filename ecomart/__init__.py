"""The ``ecomart`` command line and the offline tools under it (preview engine, mocks, stack diff).

Everything here sits on top of the rest: it may import ``infra``, ``components``, ``policies`` and ``runbooks``;
none of them imports this package (tests/test_layout.py holds that).
"""
