"""The MongoDB catalog: products whose shape varies by type, reviews in buckets, and their bootstrap.

Why MongoDB: an electronics product carries technical specs, an apparel product carries size/colour
variants with their own SKUs, a subscription carries a duration and features. One collection with a
validator that requires the common core and allows the varying parts keeps every shape queryable
(category, certification, price, text) without an EAV table per attribute. See docs/adr/0012.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import jsonschema
import pymongo
from bson import ObjectId

from .errors import InvalidInput, NotFound, StoreUnavailable
from .mongo import UNAVAILABLE_ERRORS, MongoHandle

PRODUCT_TYPES = ("grocery", "apparel", "home", "personal_care", "electronics", "subscription")
# The catalog's one category vocabulary: the product validator admits only these, GET /products?category= takes
# only these (an unknown one is 422 listing them), and the seed draws from them. A product *type* (grocery) is
# a schema variant, not a category (groceries).
CATEGORIES = (
    "accessories",
    "activewear",
    "apparel",
    "basics",
    "bedding",
    "beverages",
    "body-care",
    "breakfast",
    "cleaning",
    "decor",
    "denim",
    "electronics",
    "energy-saving",
    "groceries",
    "hair-care",
    "home-goods",
    "kids",
    "kitchen",
    "knitwear",
    "mens",
    "oral-care",
    "organic",
    "outerwear",
    "pantry",
    "personal-care",
    "shaving",
    "skincare",
    "snacks",
    "subscriptions",
    "unisex",
    "womens",
    "zero-waste",
)
CURRENCIES = ("EUR",)
PRODUCT_ID_RE = r"^[a-z0-9][a-z0-9-]{2,63}$"
LOCATION_RE = r"^[A-Z]{2}$"  # ISO 3166-1 alpha-2: the zone-routing prefix of every shard key (docs/adr/0007)
SKU_RE = r"^[A-Z0-9][A-Z0-9-]{2,63}$"
REVIEW_BUCKET_SIZE = 50
AVAILABILITY_STATES = ("in_stock", "low_stock", "out_of_stock", "unknown")
LOW_STOCK_UNITS = 10

_STR = {"bsonType": "string"}
_INT = {"bsonType": ["int", "long"]}
_DATE = {"bsonType": "date"}
_LOCATION = {"bsonType": "string", "pattern": LOCATION_RE}


def product_schema() -> dict:
    """The ``$jsonSchema`` of a catalog product: a required common core, type-specific parts allowed.

    Written in MongoDB's dialect (draft-4 subset, ``bsonType``; no ``$ref``/``format``/``if``): the
    per-type requirements are an ``anyOf`` keyed on ``type``.
    """
    certification = {
        "bsonType": "object",
        "required": ["name", "issuer", "valid_until"],
        "properties": {
            "name": {"bsonType": "string", "minLength": 1},
            "issuer": {"bsonType": "string", "minLength": 1},
            "valid_until": _DATE,
            "certificate_id": _STR,
        },
    }
    variant = {
        "bsonType": "object",
        "required": ["sku", "size", "colour"],
        "properties": {
            "sku": {"bsonType": "string", "pattern": SKU_RE},
            "size": {"bsonType": "string", "minLength": 1},
            "colour": {"bsonType": "string", "minLength": 1},
            "material": _STR,
        },
    }
    return {
        "bsonType": "object",
        "title": "EcoMart catalog product",
        "required": [
            "_id",
            "productId",
            "location",
            "sku",
            "name",
            "description",
            "type",
            "price",
            "categories",
            "active",
            "availability",
            "certifications",
            "tags",
            "rating",
            "updated_at",
        ],
        "properties": {
            "_id": {"bsonType": "string", "pattern": PRODUCT_ID_RE},
            # shard key {location: 1, productId: "hashed"}; productId repeats _id, location is the seller's market
            "productId": {"bsonType": "string", "pattern": PRODUCT_ID_RE},
            "location": _LOCATION,
            "sku": {"bsonType": "string", "pattern": SKU_RE},
            "name": {"bsonType": "string", "minLength": 1, "maxLength": 200},
            "description": {"bsonType": "string", "maxLength": 5000},
            "type": {"enum": list(PRODUCT_TYPES)},
            "brand": _STR,
            "price": {
                "bsonType": "object",
                "required": ["amount_cents", "currency"],
                "properties": {
                    "amount_cents": {**_INT, "minimum": 0},
                    "currency": {"enum": list(CURRENCIES)},
                    "version": {**_INT, "minimum": 0},
                },
            },
            "categories": {
                "bsonType": "array",
                "minItems": 1,
                "uniqueItems": True,
                "items": {"bsonType": "string", "enum": list(CATEGORIES)},
            },
            "tags": {"bsonType": "array", "uniqueItems": True, "items": {"bsonType": "string"}},
            "active": {"bsonType": "bool"},
            "availability": {
                "bsonType": "object",
                "required": ["status"],
                "properties": {
                    "status": {"enum": list(AVAILABILITY_STATES)},
                    "units": {**_INT, "minimum": 0},
                    "skus_in_stock": {**_INT, "minimum": 0},
                    "as_of": _DATE,
                },
            },
            "certifications": {"bsonType": "array", "items": certification},
            "rating": {
                "bsonType": "object",
                "required": ["avg", "count"],
                "properties": {
                    "avg": {"bsonType": "number", "minimum": 0, "maximum": 5},
                    "count": {**_INT, "minimum": 0},
                    "sum": {**_INT, "minimum": 0},
                },
            },
            # Type-specific parts: validated when present, required by the anyOf below.
            "specs": {"bsonType": "object", "minProperties": 1},
            "variants": {"bsonType": "array", "minItems": 1, "items": variant},
            "subscription": {
                "bsonType": "object",
                "required": ["duration_days", "features"],
                "properties": {
                    "duration_days": {**_INT, "minimum": 1},
                    "billing_period": {"enum": ["weekly", "monthly", "yearly"]},
                    "features": {"bsonType": "array", "minItems": 1, "items": {"bsonType": "string"}},
                },
            },
            "attributes": {"bsonType": "object"},
            # app/embeddings.py: WordLlama l2_supercat, 256 dimensions (app/search.py, the vector index): a binData
            # float32 vector (app/search.stored_vector); an array of numbers from an earlier release, until re-embedded
            "embedding": {"bsonType": ["binData", "array"], "minItems": 256, "maxItems": 256},
            "created_at": _DATE,
            "updated_at": _DATE,
        },
        "anyOf": [
            {"properties": {"type": {"enum": ["electronics"]}}, "required": ["specs"]},
            {"properties": {"type": {"enum": ["apparel"]}}, "required": ["variants"]},
            {"properties": {"type": {"enum": ["subscription"]}}, "required": ["subscription"]},
            {"properties": {"type": {"enum": ["grocery", "home", "personal_care"]}}},
        ],
    }


def review_bucket_schema() -> dict:
    """Reviews bucket: up to REVIEW_BUCKET_SIZE reviews of one product by customers of one location (country),
    so a bucket of EU customers' reviews lives in the EU zone (shard key {location: 1, productId: "hashed"})."""
    return {
        "bsonType": "object",
        "required": ["productId", "location", "count", "reviews", "first_at", "last_at"],
        "properties": {
            "productId": {"bsonType": "string", "pattern": PRODUCT_ID_RE},
            "location": _LOCATION,
            "count": {**_INT, "minimum": 0, "maximum": REVIEW_BUCKET_SIZE},
            "first_at": _DATE,
            "last_at": _DATE,
            "reviews": {
                "bsonType": "array",
                "maxItems": REVIEW_BUCKET_SIZE,
                "items": {
                    "bsonType": "object",
                    "required": ["customerId", "rating", "created_at"],
                    "properties": {
                        "customerId": _INT,
                        "rating": {**_INT, "minimum": 1, "maximum": 5},
                        "title": _STR,
                        "body": {"bsonType": "string", "maxLength": 4000},
                        "created_at": _DATE,
                    },
                },
            },
        },
    }


def customer_owned_schema() -> dict:
    """Customer-owned documents (personal data) must carry their shard key: without ``location`` MongoDB would
    accept the document with a null key and place it in whichever zone owns the lowest range (docs/adr/0007)."""
    return {
        "bsonType": "object",
        "required": ["customerId", "location"],
        "properties": {"customerId": {**_INT, "minimum": 1}, "location": _LOCATION},
    }


VALIDATORS: dict[str, Callable[[], dict]] = {
    "products": product_schema,
    "reviews": review_bucket_schema,
    "customer_profiles": customer_owned_schema,
    "order_analytics": customer_owned_schema,
    "recommendations": customer_owned_schema,
}
# Collections holding personal data: their shard key starts with the customer's location (EU data stays in the EU).
CUSTOMER_OWNED = ("reviews", "customer_profiles", "order_analytics", "recommendations")


@dataclass(frozen=True)
class IndexSpec:
    keys: tuple
    name: str
    options: dict = field(default_factory=dict)


def index_specs(sharded: bool = False) -> dict[str, list[IndexSpec]]:
    """Indexes per collection. On a sharded cluster a unique index must be prefixed by the shard key, so the
    SKU indexes are created non-unique there and SKU uniqueness rests on PostgreSQL's products.sku UNIQUE."""
    unique = not sharded
    variant_opts: dict = {"partialFilterExpression": {"variants.sku": {"$exists": True}}}
    if unique:
        variant_opts["unique"] = True
    return {
        "products": [
            IndexSpec((("categories", 1), ("price.amount_cents", 1)), "category_price"),
            IndexSpec((("categories", 1), ("rating.avg", -1)), "category_rating"),
            IndexSpec(
                (("name", "text"), ("description", "text"), ("tags", "text")),
                "catalog_text",
                {"weights": {"name": 10, "tags": 5, "description": 1}, "default_language": "english"},
            ),
            IndexSpec((("certifications.name", 1),), "certification_name"),
            IndexSpec((("sku", 1),), "sku_unique" if unique else "sku", {"unique": True} if unique else {}),
            IndexSpec((("variants.sku", 1),), "variant_sku_unique" if unique else "variant_sku", variant_opts),
        ],
        "reviews": [IndexSpec((("productId", 1), ("first_at", -1)), "product_recent")],
        "order_analytics": [IndexSpec((("customerId", 1), ("created_at", -1)), "customer_recent")],
        "product_popularity": [IndexSpec((("units_sold", -1),), "most_sold")],
    }


# Intended shard keys and why (docs/adr/0012-catalog-schema-and-shard-key.md). They follow the Atlas global
# cluster's managed namespaces (components/atlas.py, docs/adr/0007): ``location`` (ISO country) first, so a
# zone owns its countries' documents, then a hashed id so new ids spread over the zone's shards.
SHARD_KEYS: dict[str, dict] = {
    "products": {"location": 1, "productId": "hashed"},  # location = seller's marketplace
    "reviews": {"location": 1, "productId": "hashed"},  # buckets per product and reviewer country
    "customer_profiles": {"location": 1, "customerId": "hashed"},
    "order_analytics": {"location": 1, "customerId": "hashed"},
    "recommendations": {"location": 1, "customerId": "hashed"},
}


# ---------------------------------------------------------------------------------------------------
# Validating documents in Python with the same schema (mongomock does not enforce validators)
# ---------------------------------------------------------------------------------------------------
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _bson_type_checker():
    """JSON-schema types named like BSON types, matching how pymongo encodes Python values."""
    from bson.int64 import Int64

    base = jsonschema.Draft4Validator.TYPE_CHECKER
    checks = {
        # pymongo stores a Python int as int32 when it fits, otherwise int64 (bson.Int64 is always int64).
        "int": lambda c, v: _is_int(v) and not isinstance(v, Int64) and _INT32[0] <= v <= _INT32[1],
        "long": lambda c, v: (
            isinstance(v, Int64) or (_is_int(v) and not _INT32[0] <= v <= _INT32[1] and _INT64[0] <= v <= _INT64[1])
        ),
        "double": lambda c, v: isinstance(v, float),
        "decimal": lambda c, v: isinstance(v, Decimal) or type(v).__name__ == "Decimal128",
        "number": lambda c, v: _is_int(v) or isinstance(v, (float, Decimal)),
        "bool": lambda c, v: isinstance(v, bool),
        "date": lambda c, v: isinstance(v, dt.datetime),
        "objectId": lambda c, v: isinstance(v, ObjectId),
        "string": lambda c, v: isinstance(v, str),
        "object": lambda c, v: isinstance(v, dict),
        "array": lambda c, v: isinstance(v, (list, tuple)),
        "binData": lambda c, v: isinstance(v, bytes),  # bytes and bson.Binary are stored as binData
        "null": lambda c, v: v is None,
    }
    return base.redefine_many(checks)


def _translate(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            out["type" if k == "bsonType" else k] = _translate(v)
        return out
    if isinstance(node, list):
        return [_translate(v) for v in node]
    return node


def python_validator(schema: dict) -> jsonschema.Draft4Validator:
    """A jsonschema validator for a MongoDB ``$jsonSchema``: ``bsonType`` becomes ``type`` with BSON type names."""
    cls = jsonschema.validators.extend(jsonschema.Draft4Validator, type_checker=_bson_type_checker())
    return cls(_translate(copy.deepcopy(schema)))


_PRODUCT_VALIDATOR = python_validator(product_schema())


def _path(error: jsonschema.ValidationError) -> str:
    parts: list[str] = []
    for p in error.absolute_path:
        parts.append(f"[{p}]" if isinstance(p, int) else (("." if parts else "") + str(p)))
    return "".join(parts) or "(document)"


def product_errors(doc: dict) -> list[str]:
    """Every way ``doc`` violates the product schema, each naming the field; [] when valid."""
    errors = []
    for err in sorted(_PRODUCT_VALIDATOR.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        if err.validator == "anyOf" and not err.absolute_path:
            ptype = doc.get("type")
            need = {"electronics": "specs", "apparel": "variants", "subscription": "subscription"}.get(ptype)
            errors.append(f"{need}: required for type {ptype!r}" if need else f"type: {err.message}")
        elif err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            prefix = _path(err)
            errors.append(f"{missing if prefix == '(document)' else prefix + '.' + missing}: is required")
        else:
            errors.append(f"{_path(err)}: {err.message}")
    return errors


def check_product(doc: dict) -> None:
    errors = product_errors(doc)
    if not errors and doc.get("productId") != doc.get("_id"):
        errors = [f"productId: must equal _id ({doc.get('_id')!r}), got {doc.get('productId')!r}"]
    if errors:
        field_name = errors[0].split(":", 1)[0]
        raise InvalidInput(field_name, "; ".join(errors))


# ---------------------------------------------------------------------------------------------------
# Bootstrap: validators, indexes, sharding
# ---------------------------------------------------------------------------------------------------
def validator_command(collection: str, *, create: bool) -> dict:
    """The ``create`` or ``collMod`` command that installs ``collection``'s validator (strict, error)."""
    cmd = {"create" if create else "collMod": collection}
    cmd.update(
        {
            "validator": {"$jsonSchema": VALIDATORS[collection]()},
            "validationLevel": "strict",
            "validationAction": "error",
        }
    )
    return cmd


def shard_commands(db_name: str) -> list[dict]:
    return [{"shardCollection": f"{db_name}.{coll}", "key": key} for coll, key in SHARD_KEYS.items()]


@dataclass
class BootstrapReport:
    topology: str
    actions: list[str] = field(default_factory=list)
    sharding: str = ""

    def __str__(self) -> str:
        return "\n".join([f"topology: {self.topology}", *self.actions, f"sharding: {self.sharding}"])


def ensure_collections(handle: MongoHandle) -> list[str]:
    """Create the catalog's missing collections, each with its validator (``create`` with the validator needs only
    readWrite, unlike ``collMod``): what the deploy runs before declaring search indexes on them (ADR 0030).
    Returns the names created."""
    existing = set(handle.db.list_collection_names())
    created = []
    for coll in VALIDATORS:
        if coll in existing:
            continue
        if handle.is_mock:
            handle.db.create_collection(coll)
        else:
            handle.db.command(validator_command(coll, create=True))
        created.append(coll)
    return created


def bootstrap(handle: MongoHandle) -> BootstrapReport:
    """Apply validators and indexes idempotently; shard the collections when connected to ``mongos``."""
    db = handle.db
    topology = handle.topology()
    report = BootstrapReport(topology)
    sharded = topology == "mongos"
    existing = set(db.list_collection_names())
    for coll in VALIDATORS:
        if handle.is_mock:
            if coll not in existing:
                db.create_collection(coll)
            note = "; the app validates products client-side with the same schema" if coll == "products" else ""
            report.actions.append(f"validator {coll}: NOT applied (mongomock has no collection validators{note})")
            continue
        cmd = validator_command(coll, create=coll not in existing)
        db.command(cmd)
        report.actions.append(f"validator {coll}: {'created' if 'create' in cmd else 'updated (collMod)'}")
    for coll, specs in index_specs(sharded).items():
        for spec in specs:
            db[coll].create_index(list(spec.keys), name=spec.name, **spec.options)
            report.actions.append(f"index {coll}.{spec.name}: ensured")
    if not sharded:
        why = "mongomock" if handle.is_mock else f"a {topology} deployment"
        report.sharding = (
            f"skipped: connected to {why}, not a mongos router (hello.msg != 'isdbgrid'); "
            f"intended keys: " + ", ".join(f"{c} {k}" for c, k in SHARD_KEYS.items())
        )
        return report
    admin = handle.client.admin
    try:
        admin.command("enableSharding", db.name)  # a no-op on MongoDB >= 6.0, required before
    except pymongo.errors.OperationFailure as exc:
        if exc.code not in (23,):  # AlreadyInitialized
            raise
    config_colls = {d["_id"]: d.get("key") for d in handle.client.config.collections.find({}, {"key": 1})}
    done = []
    for cmd in shard_commands(db.name):
        ns = cmd["shardCollection"]
        current = config_colls.get(ns)
        if current is not None:
            if dict(current) != cmd["key"]:
                report.actions.append(f"shard {ns}: already sharded on {dict(current)}, intended {cmd['key']}")
            continue
        coll = ns.split(".", 1)[1]
        db[coll].create_index(list(cmd["key"].items()))
        admin.command(cmd)
        done.append(f"{ns} {cmd['key']}")
    report.sharding = "sharded: " + (", ".join(done) if done else "all collections already sharded")
    return report


# ---------------------------------------------------------------------------------------------------
# Reads and writes
# ---------------------------------------------------------------------------------------------------
def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def to_public(doc: Any) -> Any:
    """A JSON-ready copy: ``_id`` becomes ``id``, dates ISO-8601 UTC, internal counters dropped."""
    if isinstance(doc, dict):
        out = {}
        for k, v in doc.items():
            if k == "_id":
                out["id"] = to_public(v)
            elif k in ("_score", "productId", "embedding"):  # the embedding is the search's, not the shopper's
                continue
            else:
                out[k] = to_public(v)
        if "rating" in out and isinstance(out["rating"], dict):
            rating = dict(out["rating"])
            rating.pop("sum", None)
            rating["avg"] = round(float(rating.get("avg", 0)), 2)
            out["rating"] = rating
        if "price" in out and isinstance(out["price"], dict):
            price = dict(out["price"])
            price.pop("version", None)
            price["display"] = f"{price['amount_cents'] / 100:.2f}"
            out["price"] = price
        return out
    if isinstance(doc, list):
        return [to_public(v) for v in doc]
    if isinstance(doc, dt.datetime):
        return _iso(doc)
    if isinstance(doc, ObjectId):
        return str(doc)
    return doc


def price_to_cents(field_name: str, raw: str | None) -> int | None:
    """'12.5' -> 1250; rejects negatives, more than 2 decimals and non-numbers, naming the field."""
    if raw is None or raw == "":
        return None
    if not re.fullmatch(r"\d{1,9}(\.\d{1,2})?", raw.strip()):
        raise InvalidInput(
            field_name, f"must be a non-negative amount in EUR with at most 2 decimals, got {raw!r}", value=raw
        )
    return int(Decimal(raw.strip()) * 100)


@dataclass
class ListQuery:
    category: str | None = None
    certification: str | None = None
    min_cents: int | None = None
    max_cents: int | None = None
    q: str | None = None
    limit: int = 20
    offset: int = 0
    sort: str = "relevance"


PRICE_BUCKETS_CENTS = [0, 500, 1000, 2500, 5000, 10000, 25000]
SORTS = {"relevance", "price_asc", "price_desc", "rating", "name"}


class Catalog:
    """Catalog reads/writes on a MongoHandle. Raises StoreUnavailable('mongodb') when the server is unreachable."""

    def __init__(
        self,
        handle: MongoHandle,
        *,
        now: Callable[[], dt.datetime] = None,
        on_change: Callable[[str], Any] | None = None,
    ) -> None:
        """``on_change(product_id)`` runs after every write to a product (the API passes the cache's invalidate)."""
        self.handle = handle
        self.on_change = on_change or (lambda _pid: None)
        self.db = handle.db
        self.products = handle.db.products
        self.reviews = handle.db.reviews
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        # $text needs a text index on a real server; mongomock has none, so it gets a regex token search.
        self.text_mode = "regex" if handle.is_mock else "text"

    def _guard(self, fn: Callable, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except UNAVAILABLE_ERRORS as exc:
            raise StoreUnavailable("mongodb", str(exc).splitlines()[0][:200]) from exc

    # -- single product -------------------------------------------------------------------------
    def get_raw(self, product_id: str) -> dict | None:
        return self._guard(self.products.find_one, {"_id": product_id})

    def get_public(self, product_id: str) -> dict | None:
        doc = self.get_raw(product_id)
        return to_public(doc) if doc else None

    def find_by_sku(self, sku: str) -> tuple[dict, dict | None]:
        """(product, variant or None) for a sellable SKU; NotFound otherwise."""
        doc = self._guard(self.products.find_one, {"$or": [{"sku": sku}, {"variants.sku": sku}]})
        if not doc:
            raise NotFound("sku", sku)
        variant = next((v for v in doc.get("variants", []) if v.get("sku") == sku), None)
        if doc.get("type") == "apparel" and variant is None:
            raise NotFound("sku", sku)  # an apparel style code is not sellable; its variants are
        return doc, variant

    def insert_product(self, doc: dict) -> None:
        from .search import with_embedding

        check_product(doc)
        self._guard(self.products.insert_one, with_embedding(doc))

    def update_product(self, product_id: str, changes: dict) -> dict:
        """Apply ``$set`` changes after validating the resulting document; returns the new document."""
        current = self.get_raw(product_id)
        if not current:
            raise NotFound("product", product_id)
        for key in ("_id", "productId", "location", "sku"):  # identity and shard key fields
            if key in changes:
                raise InvalidInput(key, "cannot be changed")
        candidate = {**current, **changes, "updated_at": self._now()}
        check_product(candidate)
        from .embeddings import product_text
        from .search import is_current, with_embedding

        # re-embed when the text the vector is computed from changed (a price is not text), or the stored vector is
        # not in the current form
        if product_text(candidate) != product_text(current) or not is_current(current.get("embedding")):
            changes = {**changes, "embedding": with_embedding(candidate)["embedding"]}
        self._guard(
            self.products.update_one, {"_id": product_id}, {"$set": {**changes, "updated_at": candidate["updated_at"]}}
        )
        self.on_change(product_id)
        return candidate

    def apply_price(self, product_id: str, amount_cents: int, version: int) -> bool:
        """Set the price if ``version`` is newer than the stored one (re-delivery and reordering safe)."""
        res = self._guard(
            self.products.update_one,
            {"_id": product_id, "$or": [{"price.version": {"$lt": version}}, {"price.version": {"$exists": False}}]},
            {"$set": {"price.amount_cents": amount_cents, "price.version": version, "updated_at": self._now()}},
        )
        if res.modified_count:
            self.on_change(product_id)
        return res.modified_count == 1

    def set_availability(self, product_id: str, units: int, skus_in_stock: int) -> None:
        status = "out_of_stock" if units <= 0 else ("low_stock" if units <= LOW_STOCK_UNITS else "in_stock")
        self._guard(
            self.products.update_one,
            {"_id": product_id},
            {
                "$set": {
                    "availability": {
                        "status": status,
                        "units": max(units, 0),
                        "skus_in_stock": skus_in_stock,
                        "as_of": self._now(),
                    }
                }
            },
        )
        self.on_change(product_id)

    # -- listing, facets, search ----------------------------------------------------------------
    def _match(self, query: ListQuery) -> tuple[dict, bool]:
        clauses: list[dict] = [{"active": True}]
        if query.category:
            clauses.append({"categories": query.category})
        if query.certification:
            clauses.append(
                {"certifications": {"$elemMatch": {"name": query.certification, "valid_until": {"$gte": self._now()}}}}
            )
        price: dict = {}
        if query.min_cents is not None:
            price["$gte"] = query.min_cents
        if query.max_cents is not None:
            price["$lte"] = query.max_cents
        if price:
            clauses.append({"price.amount_cents": price})
        scored = False
        if query.q:
            if self.text_mode == "text":
                clauses.insert(0, {"$text": {"$search": query.q}})
                scored = True
            else:
                for token in re.findall(r"\w+", query.q)[:8]:
                    rx = {"$regex": re.escape(token), "$options": "i"}
                    clauses.append({"$or": [{"name": rx}, {"description": rx}, {"tags": rx}]})
        match = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        if scored:  # $text must be a top-level clause of the first $match
            match = {"$text": {"$search": query.q}, **({"$and": clauses[1:]} if len(clauses) > 1 else {})}
        return match, scored

    def list_pipeline(self, query: ListQuery) -> list[dict]:
        """The aggregation behind GET /products: one $match (index-backed), then items and facet counts."""
        match, scored = self._match(query)
        sort = {
            "price_asc": {"price.amount_cents": 1, "_id": 1},
            "price_desc": {"price.amount_cents": -1, "_id": 1},
            "rating": {"rating.avg": -1, "_id": 1},
            "name": {"name": 1, "_id": 1},
        }.get(query.sort)
        if sort is None:  # relevance: text score when searching, otherwise best rated first
            sort = {"_score": -1, "_id": 1} if scored else {"rating.avg": -1, "_id": 1}
        pipeline: list[dict] = [{"$match": match}]
        if scored:
            pipeline.append({"$addFields": {"_score": {"$meta": "textScore"}}})
        now = self._now()
        pipeline.append(
            {
                "$facet": {
                    "items": [{"$sort": sort}, {"$skip": query.offset}, {"$limit": query.limit}],
                    "total": [{"$count": "n"}],
                    "categories": [
                        {"$unwind": "$categories"},
                        {"$group": {"_id": "$categories", "count": {"$sum": 1}}},
                        {"$sort": {"count": -1, "_id": 1}},
                    ],
                    "certifications": [
                        {"$unwind": "$certifications"},
                        {"$match": {"certifications.valid_until": {"$gte": now}}},
                        {"$group": {"_id": "$certifications.name", "count": {"$sum": 1}}},
                        {"$sort": {"count": -1, "_id": 1}},
                    ],
                    "price_ranges": [
                        {
                            "$bucket": {
                                "groupBy": "$price.amount_cents",
                                "boundaries": PRICE_BUCKETS_CENTS,
                                "default": "250.00+",
                                "output": {"count": {"$sum": 1}},
                            }
                        }
                    ],
                }
            }
        )
        return pipeline

    def list_products(self, query: ListQuery) -> dict:
        if query.sort not in SORTS:
            raise InvalidInput("sort", f"must be one of {sorted(SORTS)}", value=query.sort)
        result = self._guard(lambda: list(self.products.aggregate(self.list_pipeline(query))))
        facet = result[0] if result else {}
        total = facet.get("total") or [{"n": 0}]

        def label(bucket_id: Any) -> str:
            if isinstance(bucket_id, str):
                return bucket_id
            idx = PRICE_BUCKETS_CENTS.index(bucket_id)
            return f"{bucket_id / 100:.2f}-{PRICE_BUCKETS_CENTS[idx + 1] / 100:.2f}"

        return {
            "total": total[0]["n"] if total else 0,
            "limit": query.limit,
            "offset": query.offset,
            "items": to_public(facet.get("items", [])),
            "facets": {
                "categories": [{"value": f["_id"], "count": f["count"]} for f in facet.get("categories", [])],
                "certifications": [{"value": f["_id"], "count": f["count"]} for f in facet.get("certifications", [])],
                "price_ranges": [
                    {"value": label(f["_id"]), "count": f["count"]} for f in facet.get("price_ranges", [])
                ],
            },
            "search_mode": self.text_mode if query.q else None,
        }

    # -- reviews (bucket pattern) ---------------------------------------------------------------
    def add_review(
        self, product_id: str, customer_id: int, location: str, rating: int, title: str = "", body: str = ""
    ) -> None:
        """Push a review into the open bucket of (product, reviewer's country) - a new bucket every
        REVIEW_BUCKET_SIZE reviews - and update the product's rating summary. Uses a transaction where the
        deployment has them (replica set / mongos)."""
        if not isinstance(rating, int) or not 1 <= rating <= 5:
            raise InvalidInput("rating", "must be an integer from 1 to 5", value=rating)
        if not isinstance(location, str) or not re.fullmatch(LOCATION_RE, location):
            raise InvalidInput("location", "must be an ISO 3166-1 alpha-2 country code", value=location)
        product = self.get_raw(product_id)
        if not product:
            raise NotFound("product", product_id)
        now = self._now()
        review = {"customerId": customer_id, "rating": rating, "title": title, "body": body, "created_at": now}

        def write(session=None) -> None:
            self.reviews.update_one(
                {"location": location, "productId": product_id, "count": {"$lt": REVIEW_BUCKET_SIZE}},
                {
                    "$push": {"reviews": review},
                    "$inc": {"count": 1},
                    "$min": {"first_at": now},
                    "$max": {"last_at": now},
                },
                upsert=True,
                session=session,
            )
            self.products.update_one(
                {"location": product["location"], "productId": product_id},
                [
                    {
                        "$set": {
                            "rating.count": {"$add": [{"$ifNull": ["$rating.count", 0]}, 1]},
                            "rating.sum": {"$add": [{"$ifNull": ["$rating.sum", 0]}, rating]},
                        }
                    },
                    {"$set": {"rating.avg": {"$divide": ["$rating.sum", "$rating.count"]}}},
                ],
                session=session,
            )

        if self.handle.supports_transactions():
            with self.handle.client.start_session() as session:
                self._guard(session.with_transaction, lambda s: write(s))
        else:
            self._guard(write)
        self.on_change(product_id)

    def recent_reviews(self, product_id: str, limit: int = 20) -> list[dict]:
        out: list[dict] = []
        for bucket in self._guard(
            lambda: list(
                self.reviews.find({"productId": product_id}).sort("first_at", -1).limit(max(1, limit // 10 + 2))
            )
        ):
            out.extend(bucket.get("reviews", []))
        out.sort(key=lambda r: r["created_at"], reverse=True)
        return to_public(out[:limit])

    def lookup_skus(self, skus: Iterable[str]) -> dict[str, tuple[dict, dict | None]]:
        """sku -> (product, variant or None) for the sellable SKUs found, in one query."""
        skus = sorted(set(skus))
        found: dict[str, tuple[dict, dict | None]] = {}
        for doc in self._guard(
            lambda: list(self.products.find({"$or": [{"sku": {"$in": skus}}, {"variants.sku": {"$in": skus}}]}))
        ):
            if doc.get("type") != "apparel" and doc.get("sku") in skus:
                found[doc["sku"]] = (doc, None)
            for v in doc.get("variants", []):
                if v.get("sku") in skus:
                    found[v["sku"]] = (doc, v)
        return found
