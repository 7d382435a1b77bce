"""Built-in rules: <ID>.yaml (metadata, doc, declarative check) and, for graph checks, <ID>.py defining check(ctx)."""
