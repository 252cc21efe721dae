"""The archive: raw store, fetch catalog, parse cache, corpus build, releases — and the corpus
from Python: `archive.connect(data_dir)` and `archive.load(table, province=…, year=…)`.

The API is imported on first use, so the crawler (which writes the catalog through this
package) never loads DuckDB.
"""

from typing import Any

__all__ = ["connect", "load"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from archive import api

        return getattr(api, name)
    raise AttributeError(f"module 'archive' has no attribute {name!r}")
