"""The change IR shared by every front end and rule."""
