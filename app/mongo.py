"""MongoDB connection: a real server when MONGODB_URI is set, otherwise an in-process mongomock store.

mongomock is for local runs and unit tests only. It does not enforce collection validators or multikey
unique indexes, has no $text search, sessions/transactions or sharding; code that depends on those
checks ``MongoHandle.is_mock`` and says so instead of pretending.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pymongo
from pymongo.errors import PyMongoError

MOCK_BANNER = (
    "*** CATALOG STORE IS MONGOMOCK (in-process, in-memory) - NOT A REAL MongoDB. ***\n"
    "*** No validators, text indexes, transactions or sharding are enforced; data vanishes on exit. ***\n"
    "*** Set MONGODB_URI=mongodb://... to use a real server. ***"
)

# Errors meaning "MongoDB is not reachable"; anything else is a bug or a data problem.
UNAVAILABLE_ERRORS = (
    pymongo.errors.ConnectionFailure,
    pymongo.errors.ServerSelectionTimeoutError,
    pymongo.errors.NetworkTimeout,
    pymongo.errors.AutoReconnect,
)


@dataclass
class MongoHandle:
    client: Any
    db: Any
    is_mock: bool
    uri: str | None = None
    _topology: str | None = None

    def topology(self) -> str:
        """'mongomock', 'mongos', 'replicaset' or 'standalone' (asks the server with ``hello`` once)."""
        if self.is_mock:
            return "mongomock"
        if self._topology is None:
            hello = self.client.admin.command("hello")
            if hello.get("msg") == "isdbgrid":
                self._topology = "mongos"
            elif hello.get("setName"):
                self._topology = "replicaset"
            else:
                self._topology = "standalone"
        return self._topology

    def ping(self) -> None:
        self.client.admin.command("ping")

    def supports_transactions(self) -> bool:
        try:
            return self.topology() in ("mongos", "replicaset")
        except PyMongoError:
            return False

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing a mock or a dead client must not fail shutdown
            pass


def connect(
    uri: str | None, db_name: str = "catalog", *, timeout_s: float = 2.0, mock_client: Any = None
) -> MongoHandle:
    """Connect to ``uri``; without one, return a mongomock handle (``mock_client`` to share one)."""
    if uri:
        ms = int(timeout_s * 1000)
        client = pymongo.MongoClient(
            uri,
            serverSelectionTimeoutMS=ms,
            connectTimeoutMS=ms,
            socketTimeoutMS=ms * 5,
            appname="ecomart-app",
            tz_aware=True,
        )
        return MongoHandle(client, client[db_name], is_mock=False, uri=uri)
    import mongomock

    client = mock_client or mongomock.MongoClient(tz_aware=True)
    return MongoHandle(client, client[db_name], is_mock=True)
