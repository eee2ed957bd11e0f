"""Reports: the self-contained ``report.html`` page and the content it shows.

:mod:`~assignopt.report.page` renders (and escapes) a :class:`Report`;
:mod:`~assignopt.report.format` writes numbers for people; :mod:`~assignopt.report.sections`
builds a report's content from results.
"""

from assignopt.report.format import format_count, format_index, format_share, format_value
from assignopt.report.page import (
    MapLayers,
    Report,
    Section,
    Table,
    json_for_script,
    relative_href,
    render_table,
    write_report,
)
from assignopt.report.sections import (
    QUESTION,
    assignment_headline,
    assignment_map,
    assignment_report,
    assignment_sections,
    neighborhood_ids,
    policy_words,
    write_assignment_report,
)

__all__ = [
    "QUESTION",
    "MapLayers",
    "Report",
    "Section",
    "Table",
    "assignment_headline",
    "assignment_map",
    "assignment_report",
    "assignment_sections",
    "format_count",
    "format_index",
    "format_share",
    "format_value",
    "json_for_script",
    "neighborhood_ids",
    "policy_words",
    "relative_href",
    "render_table",
    "write_assignment_report",
    "write_report",
]
