"""CLI commands, one module each, every one with ``register(subparsers)``.

Shared argument groups and output helpers live in :mod:`kronconv.commands._common`.
"""
