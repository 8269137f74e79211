"""pallmall.reports — transparency reports computed from the log alone, and the
market-growth observatory.

- read the log: :func:`read_log` (folder, URL or fetcher + vkey → authenticated entries)
- reports: :func:`make_spec`, :func:`parse_period`, :func:`build_report`,
  :func:`verify_report` (raises :class:`ReportMismatch` or a log ``VerificationError``),
  :func:`report_from_json`, :func:`report_csv`, :func:`html_to_pdf`
- self-assessment: :func:`load_code`, :func:`parse_statements`
- observatory: :func:`date_organisation`, :func:`observe`, :data:`BIASES`
- charts: :func:`decisions_chart`, :func:`counts_chart`, :func:`growth_chart`
"""

from pallmall.reports.assessment import Status, load_code, parse_statements
from pallmall.reports.build import Verified, build_report, verify_report
from pallmall.reports.csvout import report_csv
from pallmall.reports.errors import ReportMismatch
from pallmall.reports.figures import REPORT_PUBLISHED, compute_figures
from pallmall.reports.growth import BIASES, Dated, Growth, date_organisation, observe
from pallmall.reports.model import CheckpointRef, Report, report_from_json
from pallmall.reports.pdf import html_to_pdf
from pallmall.reports.ports import ReportStore, StoredReport
from pallmall.reports.source import LogSnapshot, read_log
from pallmall.reports.spec import ReportSpec, make_spec, parse_period

__all__ = [
    "BIASES",
    "REPORT_PUBLISHED",
    "CheckpointRef",
    "Dated",
    "Growth",
    "LogSnapshot",
    "Report",
    "ReportMismatch",
    "ReportSpec",
    "ReportStore",
    "Status",
    "StoredReport",
    "Verified",
    "build_report",
    "compute_figures",
    "date_organisation",
    "html_to_pdf",
    "load_code",
    "make_spec",
    "observe",
    "parse_period",
    "parse_statements",
    "read_log",
    "report_csv",
    "report_from_json",
    "verify_report",
]
