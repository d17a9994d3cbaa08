# Sphinx configuration of the specbias documentation (make docs: warnings are errors).
# Sphinx with MyST: the pages stay Markdown that reads well on the code host, and autodoc builds
# the API reference from the package's docstrings.
import os
import sys

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "pkg")))

project = "specbias"
author = "the specbias developers"
extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["dollarmath"]
myst_heading_anchors = 3
exclude_patterns = ["_build", "*.in.md"]
autodoc_typehints = "none"
autodoc_member_order = "bysource"
autodoc_mock_imports = []
html_theme = "alabaster"
suppress_warnings = ["myst.header"]
