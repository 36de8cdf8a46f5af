"""Refresh the category tops and every customer's recommendations in $MONGODB_URI."""

from __future__ import annotations

import argparse
import os

import pymongo

from app.mongo import connect
from app.recommendations import Recommendations


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options: MONGODB_URI and MONGODB_DB from the environment."""


def run(args: argparse.Namespace) -> int:
    uri = os.environ.get("MONGODB_URI")
    if not uri:
        print("MONGODB_URI is not set; the local app refreshes recommendations in-process")
        return 2
    handle = connect(uri, os.environ.get("MONGODB_DB", "catalog"))
    reco = Recommendations(handle)
    n = reco.refresh_category_top()
    ids = [p["_id"] for p in handle.db.customer_profiles.find({}, {"_id": 1}).sort("_id", pymongo.ASCENDING)]
    reco.refresh_customers(ids)
    print(f"category tops: {n}; customers refreshed: {len(ids)}")
    return 0
