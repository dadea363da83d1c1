"""The application layer: state and use cases shared by the app and the CLI. No Textual.

KnowledgeBaseStore: which knowledge base is in use, reloads and saves.
ConsultationSession: one consultation with its autosave and records.
"""
