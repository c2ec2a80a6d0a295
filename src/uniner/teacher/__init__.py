"""Teacher annotation: passages -> LLM -> clean (entity, type) data."""
