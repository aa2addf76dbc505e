"""The registry of interface types."""
