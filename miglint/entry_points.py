"""Whether plugin rules are installed, answered without importlib.metadata when it can be."""

from __future__ import annotations

import os
import sys

#: The entry-point group of plugin rules.
PLUGIN_GROUP = "miglint.rules"


def no_plugin_entry_point() -> bool:
    """Whether ``importlib.metadata.entry_points(group=PLUGIN_GROUP)`` is surely empty.

    Importing importlib.metadata and parsing every distribution's entry points costs ~30 ms,
    more than the rest of a cached run's start-up. This reads the same files it would: each
    ``*.dist-info``/``*.egg-info`` folder (and an ``.egg``'s ``EGG-INFO``) of each folder on
    ``sys.path``, as ``importlib.metadata.FastPath`` lists them, and answers True only when
    no ``entry_points.txt`` names the group. Anything it cannot answer exactly (a zip file on
    ``sys.path``, a distribution finder other than the standard one, an unreadable file, a
    group name found) is False: then importlib.metadata itself decides.
    """
    import importlib.machinery

    for finder in sys.meta_path:
        if (
            getattr(finder, "find_distributions", None) is not None
            and finder is not importlib.machinery.PathFinder
        ):
            return False
    for root in sys.path:
        if not isinstance(root, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            return False
        try:
            children = os.listdir(root or ".")
        except Exception:
            if os.path.isfile(root):  # a zip archive: importlib.metadata reads inside it
                return False
            continue
        egg = os.path.basename(root).lower().endswith(".egg")
        for child in children:
            low = child.lower()
            if not (low.endswith((".dist-info", ".egg-info")) or (egg and low == "egg-info")):
                continue
            try:
                with open(os.path.join(root, child, "entry_points.txt"), "rb") as handle:
                    text = handle.read().decode("utf-8")
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
                continue  # read_text() gives None: no entry points
            except (OSError, ValueError):
                return False
            if PLUGIN_GROUP in text:
                return False
    return True
