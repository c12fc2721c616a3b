"""Authoring tools: the name review queue, registry editing, taxonomy importers, manifest drafts."""
