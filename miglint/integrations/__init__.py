"""Glue for CI services: the GitHub Action's step (``github_action``) and its PR comment."""
