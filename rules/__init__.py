"""Built-in rules: YAML metadata and declarative checks, Python graph checks bound by id."""
