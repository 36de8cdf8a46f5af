"""The policies, one module per service (``rds``, ``s3``, ...) plus ``cross_service``; each module registers its
policies when imported. ``policies.engine.registry`` imports every module here, so a new module is picked up by the
pack, the checker, the docs and the tests without being listed anywhere."""
