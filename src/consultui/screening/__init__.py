"""Contraindication screening: verdicts, the consultation, records. No Textual."""
