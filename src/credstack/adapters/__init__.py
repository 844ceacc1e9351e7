"""Adapters at the edge that are neither storage nor web: HTTP fetching."""
