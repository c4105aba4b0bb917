"""Colours and sizes shared by the views, for normal and presentation mode.

Class colours live in :mod:`nnviz.lab.palette` (the GIF frames use them too).
"""

from __future__ import annotations

from dataclasses import dataclass

TRAIN_COLOR = "#0072B2"
TEST_COLOR = "#D55E00"
ERROR_BG = "#fde2e1"
ERROR_FG = "#9f1c16"
WARNING_BG = "#fff4ce"
INFO_BG = "#e6f1fb"


@dataclass(frozen=True)
class ViewStyle:
    line_width: float
    point_size: float
    contour_width: float
    tick_pt: int
    label_pt: int
    title_pt: int
    app_pt: int | None   # window font size; None keeps the system's


NORMAL = ViewStyle(line_width=2.0, point_size=7, contour_width=2.5, tick_pt=9, label_pt=10, title_pt=11,
                   app_pt=None)
# markers grow less than the text: at 13 px a thousand points merged into blobs on a 1280×720 projector
PRESENTATION = ViewStyle(line_width=5.0, point_size=9.5, contour_width=5.0, tick_pt=16, label_pt=18,
                         title_pt=20, app_pt=16)


def style_for(presentation: bool) -> ViewStyle:
    return PRESENTATION if presentation else NORMAL
