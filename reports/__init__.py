"""Yearly reports: the ARS regional dashboard and one 3C's activity report (`rrc report`).

Content is assembled as data (`model`: sections of tables and bar charts, read through the
boards' Reader on behalf of a principal, so scope and statistical secrecy apply) and rendered
separately: `pdf` (reportlab) and `xlsx` (xlsxwriter).
"""
