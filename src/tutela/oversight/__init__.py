"""Oversight for regulators: how fast platforms act on reports and referrals, and transparency
reports built from aggregates only (never case content)."""
