"""Business logic without Flask: gateway clients, registries, secrets, rules."""
