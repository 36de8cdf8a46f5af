"""EcoMart's hybrid order and catalog service.

PostgreSQL holds money and stock (ACID), MongoDB holds the catalog whose products differ in shape,
Redis holds what is hot or short-lived (product cache, carts, sessions). See docs/app.md.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
