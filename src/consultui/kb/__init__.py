"""The knowledge base: model, loading, validation, files, cache, claim-pattern language. No Textual."""
