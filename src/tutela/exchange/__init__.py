"""Cooperation between organisations and countries: hashes, signals and case referrals shared as
fingerprints, never the harmful content. Case referrals live in `tutela.cases` today; partner feeds
(signed, STIX and python-threatexchange formats) will be added here, one format per file."""
