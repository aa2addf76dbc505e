"""Placeholder registry."""


def get(key):
    return None
