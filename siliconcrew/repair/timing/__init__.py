"""Timing debug: from an STA report to RTL lines and root causes (issue 6, analysis part)."""

from siliconcrew.repair.timing.analysis import analyze, analyze_report, report_figures

__all__ = ["analyze", "analyze_report", "report_figures"]
