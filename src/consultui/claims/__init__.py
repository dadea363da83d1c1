"""The red-flag claims checker: text extraction, pattern index, context, reports. No Textual."""
