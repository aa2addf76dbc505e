"""Feature blueprints: one package each (routes, forms)."""
