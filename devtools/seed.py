"""A deterministic sample EcoMart catalog: groceries, apparel, home goods (incl. electronics), personal care and
subscriptions with varied attributes and sustainability certifications; reviews; warehouses, stock, customers.

Every catalog document passes the product validator; every sellable SKU (apparel: each variant) gets a
row in PostgreSQL's products table and stock in each warehouse.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import psycopg

from app.catalog import LOW_STOCK_UNITS, REVIEW_BUCKET_SIZE, check_product
from app.mongo import MongoHandle
from app.orders import create_customer, ensure_warehouse

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

CERTS = [
    ("Fairtrade", "Fairtrade International"),
    ("EU Organic", "European Commission"),
    ("USDA Organic", "U.S. Department of Agriculture"),
    ("GOTS", "Global Organic Textile Standard"),
    ("OEKO-TEX Standard 100", "OEKO-TEX Association"),
    ("FSC", "Forest Stewardship Council"),
    ("EU Ecolabel", "European Commission"),
    ("Energy Star", "U.S. Environmental Protection Agency"),
    ("B Corp", "B Lab"),
    ("Leaping Bunny", "Cruelty Free International"),
    ("Rainforest Alliance", "Rainforest Alliance"),
    ("Cradle to Cradle", "Cradle to Cradle Products Innovation Institute"),
    ("Carbon Neutral", "Climate Impact Partners"),
]
CERTS_BY_GROUP = {
    "grocery": ["Fairtrade", "EU Organic", "USDA Organic", "Rainforest Alliance", "Carbon Neutral", "B Corp"],
    "apparel": ["GOTS", "OEKO-TEX Standard 100", "Fairtrade", "B Corp", "Cradle to Cradle"],
    "home": ["FSC", "EU Ecolabel", "Cradle to Cradle", "B Corp", "Carbon Neutral"],
    "electronics": ["Energy Star", "EU Ecolabel", "Carbon Neutral", "B Corp"],
    "personal_care": ["Leaping Bunny", "EU Ecolabel", "EU Organic", "B Corp", "Cradle to Cradle"],
    "subscription": ["B Corp", "Carbon Neutral", "EU Organic", "Fairtrade"],
}

GROCERY = {
    "adjectives": [
        "Organic",
        "Fair-Trade",
        "Wholegrain",
        "Cold-Pressed",
        "Stone-Ground",
        "Wild",
        "Heirloom",
        "Sprouted",
        "Raw",
        "Local",
    ],
    "nouns": [
        ("Oat Milk", "beverages"),
        ("Green Tea", "beverages"),
        ("Coffee Beans", "beverages"),
        ("Dark Chocolate", "snacks"),
        ("Almond Butter", "pantry"),
        ("Olive Oil", "pantry"),
        ("Basmati Rice", "pantry"),
        ("Lentils", "pantry"),
        ("Granola", "breakfast"),
        ("Honey", "pantry"),
        ("Trail Mix", "snacks"),
        ("Rolled Oats", "breakfast"),
        ("Kombucha", "beverages"),
        ("Pasta", "pantry"),
        ("Tomato Passata", "pantry"),
    ],
}
APPAREL = {
    "adjectives": ["Organic Cotton", "Recycled", "Hemp", "Linen", "Merino", "Tencel", "Upcycled", "Bamboo"],
    "nouns": [
        ("T-Shirt", "basics"),
        ("Hoodie", "outerwear"),
        ("Jeans", "denim"),
        ("Rain Jacket", "outerwear"),
        ("Socks", "basics"),
        ("Dress", "womens"),
        ("Chinos", "mens"),
        ("Beanie", "accessories"),
        ("Sweater", "knitwear"),
        ("Leggings", "activewear"),
    ],
    "sizes": ["XS", "S", "M", "L", "XL"],
    "colours": [
        ("Forest Green", "GRN"),
        ("Oat", "OAT"),
        ("Charcoal", "CHR"),
        ("Ocean Blue", "BLU"),
        ("Terracotta", "TER"),
        ("Natural", "NAT"),
    ],
}
HOME = {
    "adjectives": [
        "Bamboo",
        "Recycled Glass",
        "Beeswax",
        "Compostable",
        "Reclaimed Wood",
        "Linen",
        "Cork",
        "Stainless Steel",
        "Refillable",
    ],
    "nouns": [
        ("Food Wraps", "kitchen"),
        ("Cutting Board", "kitchen"),
        ("Dish Brush", "cleaning"),
        ("Laundry Strips", "cleaning"),
        ("Bed Sheets", "bedding"),
        ("Storage Jars", "kitchen"),
        ("Bin Bags", "cleaning"),
        ("Candle", "decor"),
        ("Water Bottle", "kitchen"),
        ("Sponge Cloths", "cleaning"),
    ],
}
ELECTRONICS = [
    ("Smart Thermostat", {"power_w": 3, "connectivity": "Wi-Fi", "energy_class": "A+++"}),
    ("LED Bulb 4-Pack", {"power_w": 7, "lumens": 806, "lifetime_h": 25000, "energy_class": "A"}),
    ("Solar Power Bank", {"battery_mah": 20000, "solar_w": 5, "ports": ["USB-C", "USB-A"]}),
    ("Induction Hob", {"power_w": 3500, "zones": 4, "energy_class": "A"}),
    ("Smart Plug", {"power_w": 1, "max_load_w": 3680, "connectivity": "Zigbee"}),
    ("Heat-Pump Dryer", {"power_w": 800, "capacity_kg": 8, "energy_class": "A+++"}),
    ("E-Bike Battery", {"battery_wh": 500, "voltage_v": 36, "charge_h": 4.5}),
]
PERSONAL = {
    "adjectives": ["Zero-Waste", "Plastic-Free", "Vegan", "Refillable", "Natural", "Fragrance-Free", "Solid"],
    "nouns": [
        ("Shampoo Bar", "hair-care"),
        ("Bamboo Toothbrush", "oral-care"),
        ("Deodorant", "body-care"),
        ("Face Serum", "skincare"),
        ("Sunscreen", "skincare"),
        ("Toothpaste Tablets", "oral-care"),
        ("Body Wash", "body-care"),
        ("Lip Balm", "skincare"),
        ("Safety Razor", "shaving"),
        ("Conditioner Bar", "hair-care"),
    ],
}
SUBSCRIPTIONS = [
    ("Weekly Veggie Box", "groceries", "weekly", 7, ["seasonal organic vegetables", "free delivery", "pause anytime"]),
    ("Coffee Club", "groceries", "monthly", 30, ["two fair-trade roasts a month", "roaster notes"]),
    ("Refill Pantry Plan", "groceries", "monthly", 30, ["bulk refills", "returnable jars"]),
    ("Oral Care Refills", "personal-care", "monthly", 90, ["brush heads every 3 months", "plastic-free"]),
    ("Cleaning Concentrates", "home-goods", "monthly", 30, ["4 concentrates", "glass bottles included"]),
    ("Kids Clothing Swap", "apparel", "monthly", 30, ["outgrown clothes swapped", "organic cotton"]),
]
DESCRIPTIONS = [
    "Made with care for people and planet.",
    "Ships in plastic-free packaging.",
    "Sourced from small cooperatives.",
    "Carbon emissions offset for every delivery.",
    "Designed to last and easy to repair.",
    "Produced with renewable energy.",
]
# (region, ISO country of residence) of sample customers; the country is their MongoDB `location`.
CUSTOMER_HOMES = [
    ("eu", "NL"),
    ("eu", "DE"),
    ("uk", "GB"),
    ("us", "US"),
    ("us-ca", "US"),
    ("eu", "FR"),
    ("apac", "SG"),
    ("eu", "SE"),
]
SELLER_MARKETS = ["NL", "DE", "FR", "GB", "US", "SE"]
WAREHOUSES = [("AMS-1", "Amsterdam", "eu"), ("MAN-1", "Manchester", "uk"), ("RNO-1", "Reno", "us")]


@dataclass
class SeedSummary:
    products: int = 0
    sellable_skus: int = 0
    reviews: int = 0
    customers: list[int] = field(default_factory=list)
    warehouses: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    skus: list[str] = field(default_factory=list)


def _certs(rng: random.Random, group: str) -> list[dict]:
    names = rng.sample(CERTS_BY_GROUP[group], k=rng.choice([0, 1, 1, 2, 2, 3]))
    issuers = dict(CERTS)
    out = []
    for name in names:
        # Mostly valid for years; some expired (they must not count in certification filters).
        days = rng.choice([-200, 400, 700, 1000, 1500, 3000])
        out.append(
            {
                "name": name,
                "issuer": issuers[name],
                "certificate_id": f"{name[:3].upper()}-{rng.randint(10000, 99999)}",
                "valid_until": dt.datetime.now(dt.UTC).replace(microsecond=0, second=0, minute=0)
                + dt.timedelta(days=days),
            }
        )
    return out


def build_products(n: int = 240, seed: int = 7) -> list[dict]:
    """``n`` catalog documents (at least one of every type), deterministic for a given seed."""
    rng = random.Random(seed)
    plan = [
        ("grocery", 0.28),
        ("apparel", 0.2),
        ("home", 0.18),
        ("electronics", 0.07),
        ("personal_care", 0.2),
        ("subscription", 0.07),
    ]
    counts = {t: max(1, int(n * share)) for t, share in plan}
    counts["grocery"] += n - sum(counts.values())
    docs: list[dict] = []
    seq = 0
    for ptype, count in counts.items():
        for i in range(count):
            seq += 1
            pid = f"p-{seq:05d}"
            base = {
                "_id": pid,
                "productId": pid,
                "location": rng.choice(SELLER_MARKETS),
                "type": ptype,
                "active": rng.random() > 0.03,
                "tags": [],
                "certifications": [],
                "rating": {"avg": 0.0, "count": 0, "sum": 0},
                "availability": {"status": "unknown"},
                "created_at": NOW,
                "updated_at": NOW,
                "description": " ".join(rng.sample(DESCRIPTIONS, 2)),
            }
            if ptype == "grocery":
                noun, sub = rng.choice(GROCERY["nouns"])
                adj = rng.choice(GROCERY["adjectives"])
                size = rng.choice(["250 g", "500 g", "1 kg", "1 l", "750 ml"])
                doc = {
                    **base,
                    "sku": f"GRO-{seq:05d}",
                    "name": f"{adj} {noun} {size}",
                    "categories": ["groceries", sub] + (["organic"] if "Organic" in adj else []),
                    "price": {"amount_cents": rng.randrange(149, 1899, 10), "currency": "EUR"},
                    "attributes": {
                        "net_content": size,
                        "origin": rng.choice(["Italy", "Peru", "Kenya", "India", "Netherlands", "Spain"]),
                        "vegan": rng.random() > 0.3,
                        "allergens": rng.sample(["nuts", "gluten", "soy", "milk"], rng.randint(0, 2)),
                    },
                    "certifications": _certs(rng, "grocery"),
                    "tags": sorted({adj.lower(), noun.split()[-1].lower(), "food"}),
                }
            elif ptype == "apparel":
                noun, sub = rng.choice(APPAREL["nouns"])
                adj = rng.choice(APPAREL["adjectives"])
                sku = f"APP-{seq:05d}"
                colours = rng.sample(APPAREL["colours"], rng.randint(1, 3))
                sizes = APPAREL["sizes"][rng.randint(0, 1) : rng.randint(3, 5)]
                doc = {
                    **base,
                    "sku": sku,
                    "name": f"{adj} {noun}",
                    "categories": ["apparel", sub] + rng.sample(["mens", "womens", "kids", "unisex"], 1),
                    "price": {"amount_cents": rng.randrange(1499, 12999, 100), "currency": "EUR"},
                    "variants": [
                        {"sku": f"{sku}-{s}-{code}", "size": s, "colour": colour, "material": adj.lower()}
                        for colour, code in colours
                        for s in sizes
                    ],
                    "attributes": {
                        "care": rng.choice(["30C wash", "hand wash", "cold wash"]),
                        "made_in": rng.choice(["Portugal", "India", "Turkey", "Peru"]),
                    },
                    "certifications": _certs(rng, "apparel"),
                    "tags": sorted({adj.lower(), noun.lower(), "clothing"}),
                }
            elif ptype == "home":
                noun, sub = rng.choice(HOME["nouns"])
                adj = rng.choice(HOME["adjectives"])
                doc = {
                    **base,
                    "sku": f"HOM-{seq:05d}",
                    "name": f"{adj} {noun}",
                    "categories": ["home-goods", sub] + (["zero-waste"] if rng.random() > 0.5 else []),
                    "price": {"amount_cents": rng.randrange(399, 8999, 50), "currency": "EUR"},
                    "attributes": {"material": adj.lower(), "dimensions_cm": [rng.randint(5, 60) for _ in range(3)]},
                    "certifications": _certs(rng, "home"),
                    "tags": sorted({adj.lower(), noun.split()[-1].lower(), "home"}),
                }
            elif ptype == "electronics":
                name, specs = ELECTRONICS[i % len(ELECTRONICS)]
                doc = {
                    **base,
                    "sku": f"ELE-{seq:05d}",
                    "name": f"EcoMart {name} {chr(65 + i // len(ELECTRONICS))}",
                    "categories": ["home-goods", "electronics", "energy-saving"],
                    "price": {"amount_cents": rng.randrange(999, 69999, 100), "currency": "EUR"},
                    "specs": {
                        **specs,
                        "warranty_months": rng.choice([24, 36, 60]),
                        "repairability_score": round(rng.uniform(5, 9.5), 1),
                    },
                    "certifications": _certs(rng, "electronics"),
                    "tags": sorted({"electronics", "energy", name.split()[-1].lower()}),
                }
            elif ptype == "personal_care":
                noun, sub = rng.choice(PERSONAL["nouns"])
                adj = rng.choice(PERSONAL["adjectives"])
                doc = {
                    **base,
                    "sku": f"PER-{seq:05d}",
                    "name": f"{adj} {noun}",
                    "categories": ["personal-care", sub]
                    + (["zero-waste"] if "Waste" in adj or "Plastic" in adj else []),
                    "price": {"amount_cents": rng.randrange(299, 3999, 10), "currency": "EUR"},
                    "attributes": {
                        "vegan": True,
                        "skin_type": rng.choice(["all", "sensitive", "dry", "oily"]),
                        "volume_ml": rng.choice([50, 100, 200, 250]),
                    },
                    "certifications": _certs(rng, "personal_care"),
                    "tags": sorted({adj.lower(), noun.split()[-1].lower(), "care"}),
                }
            else:
                name, cat, period, days, features = SUBSCRIPTIONS[i % len(SUBSCRIPTIONS)]
                doc = {
                    **base,
                    "sku": f"SUB-{seq:05d}",
                    "name": f"{name} ({period})"
                    + (f" #{i // len(SUBSCRIPTIONS) + 1}" if i >= len(SUBSCRIPTIONS) else ""),
                    "categories": ["subscriptions", cat],
                    "price": {"amount_cents": rng.randrange(990, 4990, 100), "currency": "EUR"},
                    "subscription": {"duration_days": days, "billing_period": period, "features": features},
                    "certifications": _certs(rng, "subscription"),
                    "tags": sorted({"subscription", period, name.split()[0].lower()}),
                }
            doc["price"]["version"] = 1
            doc["categories"] = list(dict.fromkeys(doc["categories"]))
            docs.append(doc)
    return docs


def build_reviews(products: list[dict], seed: int = 7) -> list[dict]:
    """Review buckets (REVIEW_BUCKET_SIZE reviews each) and the matching rating summaries, set on ``products``."""
    rng = random.Random(seed + 1)
    buckets: list[dict] = []
    for doc in products:
        n = rng.choice([0, 2, 5, 8, 13, 21, 34]) + (rng.choice([0, 0, 0, 60]) if rng.random() > 0.8 else 0)
        bias = rng.uniform(-1.5, 0.8)
        by_location: dict[str, list[dict]] = {}
        for k in range(n):
            rating = max(1, min(5, round(4 + bias + rng.gauss(0, 0.9))))
            location = rng.choice(CUSTOMER_HOMES)[1]
            by_location.setdefault(location, []).append(
                {
                    "customerId": rng.randint(1, 10_000),
                    "rating": rating,
                    "title": rng.choice(["Love it", "Does the job", "Great quality", "Not for me", "Would buy again"]),
                    "body": "",
                    "created_at": NOW - dt.timedelta(days=n - k),
                }
            )
        reviews = [r for rs in by_location.values() for r in rs]
        for location, rs in sorted(by_location.items()):
            for start in range(0, len(rs), REVIEW_BUCKET_SIZE):
                chunk = rs[start : start + REVIEW_BUCKET_SIZE]
                buckets.append(
                    {
                        "productId": doc["_id"],
                        "location": location,
                        "count": len(chunk),
                        "reviews": chunk,
                        "first_at": chunk[0]["created_at"],
                        "last_at": chunk[-1]["created_at"],
                    }
                )
        total = sum(r["rating"] for r in reviews)
        doc["rating"] = {"avg": (total / n) if n else 0.0, "count": n, "sum": total}
    return buckets


def sellable(doc: dict) -> list[tuple[str, str]]:
    """(sku, display name) of every sellable unit of a catalog product."""
    if doc["type"] == "apparel":
        return [(v["sku"], f"{doc['name']} {v['size']} {v['colour']}") for v in doc["variants"]]
    return [(doc["sku"], doc["name"])]


def seed(
    conn: psycopg.Connection,
    mongo: MongoHandle,
    *,
    n_products: int = 240,
    n_customers: int = 50,
    seed_value: int = 7,
    stock_range: tuple[int, int] = (0, 120),
    products: list[dict] | None = None,
    write_catalog: bool = True,
    reset_stock: bool = True,
) -> SeedSummary:
    """Load the sample catalog into MongoDB and the transactional side (products, warehouses, stock,
    customers) into PostgreSQL. Idempotent for PostgreSQL reference data; expects an empty catalog unless
    ``write_catalog`` is False (then ``products`` are existing catalog documents to mirror). ``reset_stock=False``
    keeps the stock of rows that exist (a restarted ``make app`` keeps what its orders took)."""
    rng = random.Random(seed_value + 2)
    docs = products if products is not None else build_products(n_products, seed_value)
    buckets = build_reviews(docs, seed_value) if write_catalog else []
    summary = SeedSummary()
    with conn.transaction():
        for code, name, region in WAREHOUSES:
            summary.warehouses[code] = ensure_warehouse(conn, code, name, region)
        rows = [
            (sku, doc["_id"], name[:200], doc["price"]["amount_cents"], doc["active"])
            for doc in docs
            for sku, name in sellable(doc)
        ]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO products (sku, catalog_id, name, price_cents, active) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (sku) DO UPDATE SET price_cents = EXCLUDED.price_cents, active = EXCLUDED.active",
                rows,
            )
        ids = dict(conn.execute("SELECT sku, id FROM products WHERE sku = ANY(%s)", ([r[0] for r in rows],)).fetchall())
        stock_rows = []
        units_by_product: dict[str, list[int]] = {}
        for doc in docs:
            for sku, _ in sellable(doc):
                total = 0
                for wid in summary.warehouses.values():
                    q = 0 if rng.random() < 0.1 else rng.randint(*stock_range)
                    stock_rows.append((ids[sku], wid, q))
                    total += q
                units_by_product.setdefault(doc["_id"], []).append(total)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO inventory (product_id, warehouse_id, quantity) VALUES (%s, %s, %s) "
                "ON CONFLICT (product_id, warehouse_id) DO "
                + ("UPDATE SET quantity = EXCLUDED.quantity" if reset_stock else "NOTHING"),
                stock_rows,
            )
        existing = conn.execute("SELECT count(*) FROM customers WHERE email LIKE 'customer%%@example.com'").fetchone()[
            0
        ]
        for i in range(existing, n_customers):
            region, country = CUSTOMER_HOMES[i % len(CUSTOMER_HOMES)]
            create_customer(
                conn,
                f"customer{i + 1}@example.com",
                region,
                country=country,
                full_name=f"Sample Customer {i + 1}",
                marketing_consent=i % 3 == 0,
            )
        summary.customers = [
            r[0] for r in conn.execute("SELECT id FROM customers WHERE email LIKE 'customer%%@example.com' ORDER BY id")
        ]
    if not write_catalog:
        summary.products = len(docs)
        summary.sellable_skus = len(rows)
        summary.skus = [r[0] for r in rows]
        return summary
    for doc in docs:
        units = units_by_product[doc["_id"]]
        total = sum(units)
        doc["availability"] = {
            "status": "out_of_stock" if total == 0 else ("low_stock" if total <= LOW_STOCK_UNITS else "in_stock"),
            "units": total,
            "skus_in_stock": sum(1 for u in units if u > 0),
            "as_of": NOW,
        }
        check_product(doc)
    from app.search import embed_all

    mongo.db.products.insert_many(embed_all(docs))
    if buckets:
        mongo.db.reviews.insert_many(buckets)
    summary.products = len(docs)
    summary.sellable_skus = len(rows)
    summary.reviews = sum(b["count"] for b in buckets)
    summary.skus = [r[0] for r in rows]
    for doc in docs:  # counted by top-level category: the vocabulary GET /products?category= takes
        top = doc["categories"][0]
        summary.by_category[top] = summary.by_category.get(top, 0) + 1
    return summary
