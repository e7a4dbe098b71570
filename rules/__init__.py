"""The built-in rules, one module per rule; each registers itself with `@rule` on import."""
