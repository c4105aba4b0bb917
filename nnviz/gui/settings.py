"""Settings kept between launches (QSettings), with one table of defaults.

Unknown keys are refused, so a typo cannot silently create a new setting.
Presentation mode is a choice for this session only: it is not kept (a
"presentation" key left by an older version is removed on start).
Tests pass their own QSettings (an INI file in a temporary folder).
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

DEFAULTS = {
    "preset": "moons",          # last preset chosen
    "dataset": "",              # last dataset chosen ("" = the preset's)
    "dataDir": "",              # where dataset files were last found/opened
    "geometry": QByteArray(),   # main window geometry
    "windowState": QByteArray(),
    "splitter": QByteArray(),
    "lastFileDir": "",          # folder of the last file dialog
    "timeMachineMB": "200",     # memory budget of the time machine's weight snapshots, in MB
}
#: keys older versions wrote that are no longer used (removed when settings are opened)
OBSOLETE = ("presentation",)


class AppSettings:
    def __init__(self, qsettings: QSettings | None = None):
        self.q = qsettings if qsettings is not None else QSettings("nnviz", "nnviz")
        for key in OBSOLETE:
            self.q.remove(key)

    def get(self, key: str):
        if key not in DEFAULTS:
            raise KeyError(f"unknown setting {key!r}; known settings: {', '.join(DEFAULTS)}.")
        default = DEFAULTS[key]
        value = self.q.value(key, default)
        if isinstance(default, bool):
            return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")
        if isinstance(default, QByteArray):
            return value if isinstance(value, QByteArray) else QByteArray()
        return "" if value is None else str(value)

    def set(self, key: str, value) -> None:
        if key not in DEFAULTS:
            raise KeyError(f"unknown setting {key!r}; known settings: {', '.join(DEFAULTS)}.")
        self.q.setValue(key, value)

    def sync(self) -> None:
        self.q.sync()

    @property
    def location(self) -> str:
        return self.q.fileName()
