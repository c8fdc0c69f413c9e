"""Terminal, HTML and JSON rendering of drafted posts."""

from influencer.preview.model import PreviewItem, preview_document

__all__ = ["PreviewItem", "preview_document"]
