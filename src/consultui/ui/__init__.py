"""The Textual front end: the app, its sections and dialogs, and the stylesheet."""
