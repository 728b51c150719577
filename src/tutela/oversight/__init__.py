"""Oversight: measures of how fast platforms act, the register of notices and orders, dashboards and
transparency reports.

- `rollup`: precomputed sums per organisation, platform, category, country, language and month,
  updated from what changed (never a full scan on the read path);
- `measures`: the figures a caller may see, with small counts suppressed (`suppress`);
- `register`: notices and orders sent to platforms, their answers, deadlines met and missed;
- `charts`: server-drawn SVG; `transparency`: the DSA harmonised-template report (HTML, PDF, CSV,
  JSON); `statements`: every statement of reasons in the DSA Transparency Database schema, streamed.
"""
